import { describe, expect, it } from "vitest";
import { rolledBack } from "../../harness/verdict/rules/rolled-back.ts";
import { FAILURE_LINE, T, facts, failures, findings, noFault, problem } from "./rule-facts.ts";

const blast = { failed: 15, byVersion: { v2: 12, "": 3 }, byPhase: { "rollout-1": 12, cooldown: 3 }, firstFailure: T + 3000, lastFailure: T + 7500, durationMs: 4500 };
const NONE = { failed: 0, byVersion: {}, byPhase: {}, firstFailure: null, lastFailure: null, durationMs: 0 };

describe("rule: rolled-back", () => {
  it("stays out when nothing was rolled back", () => {
    expect(rolledBack(failures())).toBeNull();
  });

  it("says when and why, and that the blast radius was none", () => {
    expect(rolledBack(facts({ rollback: { at: T + 9000, reason: "the gate saw 503s", blastRadius: NONE } }))).toEqual({
      outcome: "rolled-back",
      reasons: ["rolled back at +9.0s: the gate saw 503s", "blast radius: none, 0 of 1000 requests failed"],
    });
  });

  it("gives the failed requests by version and phase, first to last, and the outages", () => {
    const f = failures({ rollback: { at: T + 9000, reason: "the gate saw 503s", blastRadius: blast } });
    expect(rolledBack(f)!.reasons).toEqual([
      "rolled back at +9.0s: the gate saw 503s",
      `blast radius: ${FAILURE_LINE}; by version: v2 ×12, (no version) ×3; by phase: rollout-1 ×12, cooldown ×3; first failure at +3.0s, last at +7.5s (4.5 s)`,
      "1 outage: +3.0s…+3.4s (0.4 s, 12 failed of 40)",
    ]);
  });

  it("notes what else went wrong: no samples, k6, interrupted / fault / extra problems (not coverage or pods), slow answers, in that order", () => {
    const f = facts({
      total: 0,
      rollback: { at: T + 1000, reason: "r", blastRadius: NONE },
      findings: findings({
        interrupted: problem("run finished", "interrupted by SIGINT at +20.0s: the run did not finish"),
        fault: { ...noFault(), ...problem("cluster healthy", "infrastructure fault: etcd died (seen at +5.0s)") },
        coverage: problem("samples", "no samples: k6 recorded no requests"),
        pods: problem("pods replaced", "pods were not replaced: the deploy did not roll out new pods"),
        k6: problem("k6 exit", "k6 exited with code 99, so the traffic record may be incomplete"),
        extra: [problem("sample lines", "3 malformed sample lines")],
      }),
      slow: ["rollout-1: p99 900 ms over the limit"],
    });
    expect(rolledBack(f)!.reasons.slice(2)).toEqual([
      "note: no samples were recorded",
      "note: k6 exited with code 99, so the traffic record may be incomplete",
      "note: interrupted by SIGINT at +20.0s: the run did not finish",
      "note: infrastructure fault: etcd died (seen at +5.0s)",
      "note: 3 malformed sample lines",
      "note: rollout-1: p99 900 ms over the limit",
    ]);
  });
});
