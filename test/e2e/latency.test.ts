// Issue 12, part 4: latency judged, not only status. Given the local cluster
// and a new version that answers every request 200 ms later (still 200), when
// it rolls out under load, then no request fails, yet the run fails with the
// reason `latency`, giving the new version's p99 against the warm-up's. A good
// new version passing under the same rule is asserted by the demo's B
// (demo.test.ts), so this file spends its minute on the slow one only.
import { describe, expect, it } from "vitest";
import { runWithSets } from "./helpers.ts";

describe("latency", () => {
  it("a new version 200 ms slower fails on latency with the p99 figures, though every request got 200", async () => {
    const { exitCode, s, explain } = await runWithSets(["badVersion=slow", "preStopSleep=5", "rollouts=1", "warmup=5", "cooldown=5"]);
    expect(exitCode, explain).toBe(1);
    expect(s.verdict, explain).toBe("fail");
    expect(Object.keys(s.histogram), explain).toEqual(["200"]);
    expect(s.reasons[0], explain).toMatch(/^latency: rollout-1: the new version v2 answered with p99 \d+(\.\d)? ms and median \d+(\.\d)? ms .* against the warm-up's p99 \d+(\.\d)? ms and median \d+(\.\d)? ms: above the limits of/);
    const w = s.latency!.windows[0]!;
    expect(w.judgedVersions, explain).toEqual(["v2"]);
    expect(w.judged.p99, explain).toBeGreaterThanOrEqual(200);
    expect(w.judged.p50, explain).toBeGreaterThanOrEqual(200);
    expect(w.over, explain).toBe(true);
    expect(s.latency!.baseline!.p99, explain).toBeLessThan(w.limitMs!);
  });
});
