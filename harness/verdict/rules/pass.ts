// The pass: what is left when no rule before it in rules/order.ts found a
// failed or slow request or a gap in the evidence. Its reasons are the
// evidence: every request succeeded, enough of them during the deploy, every
// pod replaced, k6 whole, the rate achieved.
import { countList } from "../format.ts";
import type { Facts } from "./facts.ts";
import type { RuleFinding } from "./finding.ts";
import { failureLine } from "./words.ts";

export function pass(f: Facts): RuleFinding {
  return {
    outcome: "pass",
    reasons: [
      `${failureLine(f)}: every request got ${f.successByRequest ? "a status its request counts as success" : "HTTP 200"}`,
      `${f.inWindow} requests inside deploy windows (minimum ${f.minRequestsInWindow}): ${countList(f.inWindowByLabel)}`,
      `all pods were replaced; k6 ${f.k6ExitCode === 0 ? "exited with code 0" : "was stopped by the harness"}; ` +
        `achieved ${f.achieved} req/s (target ${f.targetRate})`,
    ],
  };
}
