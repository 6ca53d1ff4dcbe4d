// The process exit code for each verdict outcome.
import type { Outcome } from "./types.ts";

export function exitCodeFor(outcome: Outcome): 0 | 1 | 3 | 4 {
  switch (outcome) {
    case "pass":
      return 0;
    case "fail":
      return 1;
    case "inconclusive":
      return 3;
    case "rolled-back":
      return 4;
  }
}
