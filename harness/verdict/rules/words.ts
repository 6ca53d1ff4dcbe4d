// The sentences several outcome rules share: the failed requests in one line,
// where they fell (deploy windows or phases), the outages, k6's problem and
// the evidence problems as notes.
import { describeFailureHistogram } from "../failures.ts";
import { countList, formatOffset, plural, seconds } from "../format.ts";
import type { Finding } from "../evidence/finding.ts";
import type { Facts } from "./facts.ts";

const OUTAGES_SHOWN = 5;

/** "37 of 12011 requests failed (36 connection errors: …; 1 × HTTP 503)", or "0 of 12011 requests failed". */
export function failureLine(f: Facts): string {
  return describeFailureHistogram(f.failedHistogram, f.errorsByCode, f.total);
}

/** "; 30 inside deploy windows (rollout-1 ×30), 7 outside (cooldown ×7)", or "" when nothing failed. */
export function whereFailed(f: Facts): string {
  if (f.failed === 0) return "";
  const outside = f.failed - f.failedInWindow;
  return (
    `; ${f.failedInWindow} inside deploy windows${f.failedInWindow ? ` (${countList(f.failedByWindow)})` : ""}, ` +
    `${outside} outside${outside ? ` (${countList(f.failedOutsideByPhase)})` : ""}`
  );
}

/** "2 outages: +3.1s…+3.4s (0.3 s, 12 failed of 40), …" (the first five, then how many more). */
export function outageLine(f: Facts): string {
  const outs = f.outages;
  const shown = outs
    .slice(0, OUTAGES_SHOWN)
    .map((o) => `${formatOffset(o.start, f.origin)}…${formatOffset(o.end, f.origin)} (${seconds(o.durationMs)}, ${o.failed} failed of ${o.requests})`);
  const more = outs.length > OUTAGES_SHOWN ? `, and ${outs.length - OUTAGES_SHOWN} more` : "";
  return `${plural(outs.length, "outage")}: ${shown.join(", ")}${more}`;
}

/** k6's problem as a note, if it had one. */
export function k6Note(f: Facts): string[] {
  const line = f.findings.k6.problems[0];
  return line ? [`note: ${line}`] : [];
}

/** Each problem of `findings`, or each line, as a note. */
export const problemNotes = (findings: readonly Finding[]): string[] => findings.flatMap((x) => x.problems).map((p) => `note: ${p}`);
export const asNotes = (lines: readonly string[]): string[] => lines.map((l) => `note: ${l}`);
