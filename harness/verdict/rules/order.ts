// The outcome rules, in the order `judge` asks them; the first that applies
// decides the outcome and writes its reasons. The order is the precedence:
//   1. rolled-back       a rollback happened: rolled-back, failures are its blast radius
//   2. fault-failures    every failure came after a cluster component died: inconclusive
//   3. failed-requests   any other failed request: fail (missing evidence cannot undo it)
//   4. slow-answers      the latency rule's breaches: fail
//   5. missing-evidence  any evidence problem (interrupted, coverage, pods, k6, ...): inconclusive
//   6. pass              none of the above
// Each rule sees only the runs no rule before it decided: failed-requests
// relies on fault-failures before it, pass on all five.
import type { Facts } from "./facts.ts";
import type { Rule, RuleFinding } from "./finding.ts";
import { failedRequests } from "./failed-requests.ts";
import { faultFailures } from "./fault-failures.ts";
import { missingEvidence } from "./missing-evidence.ts";
import { pass } from "./pass.ts";
import { rolledBack } from "./rolled-back.ts";
import { slowAnswers } from "./slow-answers.ts";

/** The rules that can keep a run from passing, in precedence order. */
export const RULES: readonly Rule[] = [rolledBack, faultFailures, failedRequests, slowAnswers, missingEvidence];

/** The finding of the first rule that applies; a pass when none does. */
export function decide(facts: Facts): RuleFinding {
  for (const rule of RULES) {
    const found = rule(facts);
    if (found) return found;
  }
  return pass(facts);
}
