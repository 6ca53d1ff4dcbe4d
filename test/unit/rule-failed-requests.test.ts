import { describe, expect, it } from "vitest";
import { failedRequests } from "../../harness/verdict/rules/failed-requests.ts";
import { FAILURE_LINE, facts, failures, findings, noFault, outage, problem } from "./rule-facts.ts";

describe("rule: failed requests", () => {
  it("stays out when nothing failed", () => {
    expect(failedRequests(facts())).toBeNull();
  });

  it("fails with the failures, where they fell (windows, then phases outside them) and the outages", () => {
    expect(failedRequests(failures())).toEqual({
      outcome: "fail",
      reasons: [`${FAILURE_LINE}; 12 inside deploy windows (rollout-1 ×12), 3 outside (cooldown ×3)`, "1 outage: +3.0s…+3.4s (0.4 s, 12 failed of 40)"],
    });
  });

  it("leaves out an empty side of the split, and shows five outages and how many more", () => {
    const outs = [1, 2, 3, 4, 5, 6, 7].map((i) => outage(i * 1000, i * 1000 + 100, 1, 10));
    const r = failedRequests(failures({ failedInWindow: 0, failedByWindow: {}, failedOutsideByPhase: { warmup: 15 }, outages: outs }))!.reasons;
    expect(r[0]).toBe(`${FAILURE_LINE}; 0 inside deploy windows, 15 outside (warmup ×15)`);
    expect(r[1]).toBe("7 outages: +1.0s…+1.1s (0.1 s, 1 failed of 10), +2.0s…+2.1s (0.1 s, 1 failed of 10), +3.0s…+3.1s (0.1 s, 1 failed of 10), +4.0s…+4.1s (0.1 s, 1 failed of 10), +5.0s…+5.1s (0.1 s, 1 failed of 10), and 2 more");
  });

  it("says which failures were the database's, then slow answers as reasons, then k6 and the evidence problems (not coverage or pods) as notes", () => {
    const f = failures({
      database: { failed: 3, byVersion: { v1: 3 }, groups: [{ version: "v1", message: 'column "title" does not exist', count: 3, first: 0, last: 0 }] },
      slow: ["rollout-1: p99 900 ms over the limit"],
      findings: findings({
        fault: { ...noFault(15), ...problem("cluster healthy", "infrastructure fault: kubelet gone (seen at +20.0s)") },
        coverage: problem("requests in deploy windows", "only 12 requests were sent inside deploy windows"),
        pods: problem("pods replaced", "pods were not replaced"),
        k6: problem("k6 exit", "k6 exited with code 99"),
        extra: [problem("sample lines", "1 malformed sample line")],
      }),
    });
    expect(failedRequests(f)!.reasons.slice(1)).toEqual([
      'database errors: 3 of the 15 failed requests were the app\'s database failing them: v1 ×3: column "title" does not exist',
      "1 outage: +3.0s…+3.4s (0.4 s, 12 failed of 40)",
      "rollout-1: p99 900 ms over the limit",
      "note: k6 exited with code 99",
      "note: infrastructure fault: kubelet gone (seen at +20.0s)",
      "note: 1 malformed sample line",
    ]);
  });
});
