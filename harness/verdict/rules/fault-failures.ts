// Every failed request came after a cluster component died (evidence/fault.ts):
// they are the fault's, not the deploy's, so the run proves nothing either
// way. Failures before the fault are the deploy's: then this rule stays out.
import type { Facts } from "./facts.ts";
import type { RuleFinding } from "./finding.ts";
import { asNotes, failureLine, k6Note, problemNotes, whereFailed } from "./words.ts";

export function faultFailures(f: Facts): RuleFinding | null {
  const { interrupted, fault, extra } = f.findings;
  if (f.failed === 0 || fault.failedBefore > 0) return null;
  return {
    outcome: "inconclusive",
    reasons: [...fault.problems, failureLine(f) + whereFailed(f), ...k6Note(f), ...problemNotes([interrupted, ...extra]), ...asNotes(f.slow)],
  };
}
