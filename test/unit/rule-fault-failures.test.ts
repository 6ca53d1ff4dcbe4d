import { describe, expect, it } from "vitest";
import { faultFailures } from "../../harness/verdict/rules/fault-failures.ts";
import type { FaultFinding } from "../../harness/verdict/evidence/fault.ts";
import { FAILURE_LINE, facts, failures, findings, problem } from "./rule-facts.ts";

const FAULT = "infrastructure fault: etcd died (seen at +2.5s)";
const AFTER = "15 failed requests were sent from +1.5s on, when etcd may already have been down: counted as the fault's, not the deploy's";
const fault = (failedBefore: number, failedAfter: number): FaultFinding => ({ ...problem("cluster healthy", FAULT, AFTER), failedBefore, failedAfter });

describe("rule: fault failures", () => {
  it("stays out when nothing failed, or when a failure came before the fault (that one is the deploy's)", () => {
    expect(faultFailures(facts({ findings: findings({ fault: fault(0, 0) }) }))).toBeNull();
    expect(faultFailures(failures({ findings: findings({ fault: fault(1, 14) }) }))).toBeNull();
    expect(faultFailures(failures())).toBeNull();
  });

  it("is inconclusive when every failure came after the fault: the fault first, then the failures and where they fell", () => {
    expect(faultFailures(failures({ findings: findings({ fault: fault(0, 15) }) }))).toEqual({
      outcome: "inconclusive",
      reasons: [FAULT, AFTER, `${FAILURE_LINE}; 12 inside deploy windows (rollout-1 ×12), 3 outside (cooldown ×3)`],
    });
  });

  it("notes k6, the interrupted and extra problems (not coverage or pods) and slow answers", () => {
    const f = failures({
      findings: findings({
        fault: fault(0, 15),
        interrupted: problem("run finished", "interrupted by SIGTERM at +9.0s: the run did not finish"),
        coverage: problem("requests in deploy windows", "only 12 requests were sent inside deploy windows"),
        pods: problem("pods replaced", "pods were not replaced: the deploy did not roll out new pods"),
        k6: problem("k6 exit", "k6 exited with code 99, so the traffic record may be incomplete"),
        extra: [problem("gaps", "no request was sent for 1800 ms inside rollout-1")],
      }),
      slow: ["rollout-1: slow"],
    });
    expect(faultFailures(f)!.reasons.slice(3)).toEqual([
      "note: k6 exited with code 99, so the traffic record may be incomplete",
      "note: interrupted by SIGTERM at +9.0s: the run did not finish",
      "note: no request was sent for 1800 ms inside rollout-1",
      "note: rollout-1: slow",
    ]);
  });
});
