// A rolled-back deploy is rolled-back, whatever else happened: its failed
// requests are the rollback's blast radius (by version, by phase, first to
// last), and everything else the run lacked is a note.
import { countList, formatOffset, seconds } from "../format.ts";
import { versionLabel } from "../versions.ts";
import type { Facts } from "./facts.ts";
import type { RuleFinding } from "./finding.ts";
import { asNotes, failureLine, k6Note, outageLine, problemNotes } from "./words.ts";

export function rolledBack(f: Facts): RuleFinding | null {
  const rb = f.rollback;
  if (!rb) return null;
  const br = rb.blastRadius;
  const reasons = [`rolled back at ${formatOffset(rb.at, f.origin)}: ${rb.reason}`];
  if (f.failed === 0) {
    reasons.push(`blast radius: none, ${failureLine(f)}`);
  } else {
    reasons.push(
      `blast radius: ${failureLine(f)}; by version: ${countList(br.byVersion, versionLabel)}; ` +
        `by phase: ${countList(br.byPhase)}; first failure at ${formatOffset(br.firstFailure!, f.origin)}, ` +
        `last at ${formatOffset(br.lastFailure!, f.origin)} (${seconds(br.durationMs)})`,
      outageLine(f),
    );
  }
  if (f.total === 0) reasons.push("note: no samples were recorded");
  const { interrupted, fault, extra } = f.findings;
  reasons.push(...k6Note(f), ...problemNotes([interrupted, fault, ...extra]), ...asNotes(f.slow));
  return { outcome: "rolled-back", reasons };
}
