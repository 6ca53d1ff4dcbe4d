// Never a pass on partial evidence: any evidence rule's problem (interrupted,
// a fault, too little traffic in the deploy windows, pods not replaced, k6,
// malformed or unrecorded requests, dropped iterations, rate, gaps) makes a
// run with no failed or slow request inconclusive.
import type { Facts } from "./facts.ts";
import { inOrder } from "./facts.ts";
import type { RuleFinding } from "./finding.ts";
import { failureLine } from "./words.ts";

export function missingEvidence(f: Facts): RuleFinding | null {
  const problems = inOrder(f.findings).flatMap((x) => x.problems);
  if (problems.length === 0) return null;
  return { outcome: "inconclusive", reasons: [...problems, ...(f.total > 0 ? [failureLine(f)] : [])] };
}
