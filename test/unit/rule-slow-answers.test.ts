import { describe, expect, it } from "vitest";
import { slowAnswers } from "../../harness/verdict/rules/slow-answers.ts";
import { facts, findings, problem } from "./rule-facts.ts";

const SLOW = ["rollout-1: the new version's p99 900 ms is over the limit 450 ms", "rollout-2: the new version's p99 800 ms is over the limit 450 ms"];

describe("rule: slow answers", () => {
  it("stays out when the latency rule found no breach", () => {
    expect(slowAnswers(facts())).toBeNull();
  });

  it("fails on the breaches, then says every request succeeded", () => {
    expect(slowAnswers(facts({ slow: SLOW }))).toEqual({
      outcome: "fail",
      reasons: [...SLOW, "0 of 1000 requests failed: every request succeeded, but the new version answered slower than the warm-up allows"],
    });
  });

  it("notes every evidence problem, coverage and pods included, in the findings' order", () => {
    const f = facts({
      slow: SLOW.slice(0, 1),
      findings: findings({
        pods: problem("pods replaced", "pods were not replaced"),
        coverage: problem("requests in deploy windows", "only 12 requests were sent inside deploy windows"),
        extra: [problem("gaps", "a gap", "and 2 more gaps")],
      }),
    });
    expect(slowAnswers(f)!.reasons.slice(2)).toEqual(["note: only 12 requests were sent inside deploy windows", "note: pods were not replaced", "note: a gap", "note: and 2 more gaps"]);
  });
});
