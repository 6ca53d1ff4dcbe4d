import { describe, expect, it } from "vitest";
import type { FaultFinding } from "../../harness/verdict/evidence/fault.ts";
import { decide, RULES } from "../../harness/verdict/rules/order.ts";
import { T, facts, failures, findings, problem } from "./rule-facts.ts";

const rollback = { at: T + 9000, reason: "r", blastRadius: { failed: 15, byVersion: { v2: 15 }, byPhase: { "rollout-1": 15 }, firstFailure: T + 3000, lastFailure: T + 3400, durationMs: 400 } };
const faultAfterAll: FaultFinding = { ...problem("cluster healthy", "infrastructure fault: etcd died"), failedBefore: 0, failedAfter: 15 };
const missing = findings({ pods: problem("pods replaced", "pods were not replaced") });
const slow = ["rollout-1: slow"];

describe("outcome rules: order", () => {
  it("asks them in precedence order", () => {
    expect(RULES.map((r) => r.name)).toEqual(["rolledBack", "faultFailures", "failedRequests", "slowAnswers", "missingEvidence"]);
  });

  it("a rollback decides over failures, a fault, slow answers and missing evidence", () => {
    expect(decide(failures({ rollback, slow, findings: findings({ fault: faultAfterAll, pods: problem("pods replaced", "pods were not replaced") }) })).outcome).toBe("rolled-back");
  });

  it("failures all after a fault are inconclusive, though they would fail the run without it", () => {
    expect(decide(failures({ slow, findings: findings({ fault: faultAfterAll }) })).outcome).toBe("inconclusive");
    expect(decide(failures({ slow })).outcome).toBe("fail");
  });

  it("failed requests fail the run whatever evidence is missing; slow answers are among their reasons", () => {
    const d = decide(failures({ slow, findings: { ...missing, fault: failures().findings.fault } }));
    expect(d.outcome).toBe("fail");
    expect(d.reasons[0]).toMatch(/^15 of 1000 requests failed/);
    expect(d.reasons).toContain("rollout-1: slow");
  });

  it("slow answers fail a run with missing evidence; missing evidence keeps a run from passing", () => {
    expect(decide(facts({ slow, findings: missing })).reasons[0]).toBe("rollout-1: slow");
    expect(decide(facts({ slow, findings: missing })).outcome).toBe("fail");
    expect(decide(facts({ findings: missing })).outcome).toBe("inconclusive");
    expect(decide(facts()).outcome).toBe("pass");
  });
});
