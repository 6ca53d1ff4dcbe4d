import { describe, expect, it } from "vitest";
import { deletionToLastAnswer } from "../../harness/verdict/lag.ts";
import { lagText } from "../../reports/lag-text.ts";
import type { PodExit } from "../../harness/verdict/outage-causes.ts";
import type { Sample } from "../../harness/verdict/types.ts";

const exit = (pod: string, deletedAt: number): PodExit => ({ pod, deletedAt, endpointNotReadyAt: null, endpointRemovedAt: null, exitedAt: null, programmedAt: null });
const req = (t: number, p: string, c?: "new" | "reuse", s = 200): Sample => ({ t, d: 1, s, e: s === 0 ? 1212 : 0, v: "v1", p, ph: "rollout-1", ...(c ? { c } : {}) });

describe("deletion → last answer", () => {
  it("counts only requests on new connections when that probe ran: kept-alive ones stay on a pod until it closes them", () => {
    const exits = [exit("a", 1000), exit("b", 2000), exit("c", 3000)];
    const samples = [req(1150, "a", "new"), req(6000, "a", "reuse"), req(2400, "b", "new"), req(2100, "b", "new"), req(3900, "c", "new"), req(3950, "c", "new", 0)];
    const lag = deletionToLastAnswer(exits, samples)!;
    expect(lag.requests).toBe("new");
    expect(lag.pods).toEqual([{ pod: "a", ms: 150 }, { pod: "b", ms: 400 }, { pod: "c", ms: 900 }]);
    expect([lag.minMs, lag.medianMs, lag.maxMs]).toEqual([150, 400, 900]);
    expect(lagText(lag)).toBe("median 0.40 s, min 0.15 s, max 0.90 s over 3 pods");
  });

  it("uses every request without the new-connection probe, and says so; a pod that last answered before its deletion counts 0", () => {
    const lag = deletionToLastAnswer([exit("a", 1000), exit("b", 1000)], [req(900, "a"), req(1300, "b")])!;
    expect(lag.requests).toBe("all");
    expect(lag.pods).toEqual([{ pod: "a", ms: 0 }, { pod: "b", ms: 300 }]);
    expect(lag.medianMs).toBe(150);
    expect(lagText(lag)).toMatch(/\(all requests: no new-connection probe\)$/);
  });

  it("is null when no pod was deleted or none answered", () => {
    expect(deletionToLastAnswer([], [req(1, "a")])).toBeNull();
    expect(deletionToLastAnswer([exit("a", 1)], [req(5, "z")])).toBeNull();
    expect(lagText(null)).toBe("–");
  });
});
