// Failed requests fail the run: they are evidence on their own, so missing
// evidence elsewhere cannot undo them (it becomes notes). The reasons say
// where the failures fell, which were the database's, the outages, and any
// slow answers besides.
import { databaseErrorsText } from "../database.ts";
import type { Facts } from "./facts.ts";
import type { RuleFinding } from "./finding.ts";
import { failureLine, k6Note, outageLine, problemNotes, whereFailed } from "./words.ts";

export function failedRequests(f: Facts): RuleFinding | null {
  if (f.failed === 0) return null;
  const { interrupted, fault, extra } = f.findings;
  const db = f.database;
  return {
    outcome: "fail",
    reasons: [
      failureLine(f) + whereFailed(f),
      ...(db.failed > 0 ? [`database errors: ${db.failed} of the ${f.failed} failed requests were the app's database failing them: ${databaseErrorsText(db)}`] : []),
      outageLine(f),
      ...f.slow,
      ...k6Note(f),
      ...problemNotes([interrupted, fault, ...extra]),
    ],
  };
}
