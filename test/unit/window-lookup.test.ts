import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../harness/random.ts";
import type { DeployWindow } from "../../harness/verdict/types.ts";
import { windowLookup } from "../../harness/verdict/window-lookup.ts";

const scan = (wins: readonly DeployWindow[], t: number) => wins.find((w) => t >= w.start && t <= w.end) ?? null;
const win = (label: string, start: number, end: number): DeployWindow => ({ label, start, end, closed: true });

describe("window lookup", () => {
  it("answers as a scan of the windows in list order would, for separate, touching and overlapping windows", () => {
    const rnd = mulberry32(7);
    for (let round = 0; round < 200; round++) {
      const n = 1 + Math.floor(rnd() * 12);
      const wins: DeployWindow[] = [];
      let at = Math.floor(rnd() * 50);
      for (let i = 0; i < n; i++) {
        const len = Math.floor(rnd() * 40);
        // Mostly separate; sometimes touching (start = last end) or overlapping.
        const r = rnd();
        const start = r < 0.1 ? at - Math.floor(rnd() * 20) : r < 0.2 ? at : at + 1 + Math.floor(rnd() * 30);
        wins.push(win(`w${i}`, start, start + len));
        at = start + len;
      }
      if (rnd() < 0.5) wins.reverse();
      const find = windowLookup(wins);
      for (let t = -5; t <= at + 5; t++) expect(find(t), `round ${round}, t=${t}`).toBe(scan(wins, t));
    }
  });

  it("finds the window among hundreds, inclusive at both ends, and none between them", () => {
    const wins = Array.from({ length: 300 }, (_, i) => win(`rollout-${i + 1}`, i * 100, i * 100 + 50));
    const find = windowLookup(wins);
    expect(find(12_300)?.label).toBe("rollout-124");
    expect(find(12_350)?.label).toBe("rollout-124");
    expect(find(12_351)).toBeNull();
    expect(find(-1)).toBeNull();
    expect(find(29_950)?.label).toBe("rollout-300");
    expect(find(29_951)).toBeNull();
  });
});
