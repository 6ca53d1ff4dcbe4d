// What one outcome rule returns: the run's outcome and the reasons for it, in
// the order the verdict lists them. A rule that does not apply returns null,
// and the next one in rules/order.ts is asked.
import type { Outcome } from "../types.ts";
import type { Facts } from "./facts.ts";

export interface RuleFinding {
  outcome: Outcome;
  reasons: string[];
}

export type Rule = (facts: Facts) => RuleFinding | null;
