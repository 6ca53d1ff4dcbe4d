// Slow answers fail a run like failed ones (the latency rule, latency.ts): a
// new version that answers every request, only slower than the warm-up
// allows, is a regression. Missing evidence becomes notes.
import type { Facts } from "./facts.ts";
import { inOrder } from "./facts.ts";
import type { RuleFinding } from "./finding.ts";
import { failureLine, problemNotes } from "./words.ts";

export function slowAnswers(f: Facts): RuleFinding | null {
  if (f.slow.length === 0) return null;
  return {
    outcome: "fail",
    reasons: [
      ...f.slow,
      `${failureLine(f)}: every request succeeded, but the new version answered slower than the warm-up allows`,
      ...problemNotes(inOrder(f.findings)),
    ],
  };
}
