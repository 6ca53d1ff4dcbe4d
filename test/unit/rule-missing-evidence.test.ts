import { describe, expect, it } from "vitest";
import { missingEvidence } from "../../harness/verdict/rules/missing-evidence.ts";
import { facts, findings, noFault, problem } from "./rule-facts.ts";

describe("rule: missing evidence", () => {
  it("stays out when every evidence rule is satisfied", () => {
    expect(missingEvidence(facts())).toBeNull();
  });

  it("is inconclusive with every problem, in the findings' order, then the failure line", () => {
    const f = facts({
      findings: findings({
        k6: problem("k6 exit", "k6 exited with code 99"),
        extra: [problem("dropped iterations", "k6 could not send 40 planned requests")],
        pods: problem("pods replaced", "pods were not replaced"),
        fault: { ...noFault(), ...problem("cluster healthy", "infrastructure fault: etcd died") },
        interrupted: problem("run finished", "interrupted by SIGINT at +4.0s: the run did not finish"),
        coverage: problem("requests in deploy windows", "only 12 requests were sent inside deploy windows"),
      }),
    });
    expect(missingEvidence(f)).toEqual({
      outcome: "inconclusive",
      reasons: [
        "interrupted by SIGINT at +4.0s: the run did not finish",
        "infrastructure fault: etcd died",
        "only 12 requests were sent inside deploy windows",
        "pods were not replaced",
        "k6 exited with code 99",
        "k6 could not send 40 planned requests",
        "0 of 1000 requests failed",
      ],
    });
  });

  it("leaves out the failure line when no request was recorded", () => {
    const f = facts({ total: 0, findings: findings({ coverage: problem("samples", "no samples: k6 recorded no requests") }) });
    expect(missingEvidence(f)!.reasons).toEqual(["no samples: k6 recorded no requests"]);
  });
});
