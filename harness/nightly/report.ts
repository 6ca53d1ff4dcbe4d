// report.md of a night, fit for a CI step summary:
//   # nodrop nightly: <suite> (<night>)
//   **REGRESSION** in 1 of 4 scenarios | **INCONCLUSIVE**: ... | **OK**: ...
//   | scenario | result | verdict | failed | disruption | baseline | change vs baseline |
//   then a section per scenario: its numbers, per rollout, its problems
//   (bulleted) and the path of its run's report.
// Baseline cell: "5 nights: median 0 failed, P99 1.2 s (limit 6.2 s)"; change:
// tonight's failed minus the baseline's median and tonight's disruption minus
// its P99 ("+3 failed, +4.1 s"), or "new" without a baseline.
// Deterministic: no clock, no locale.
import { mdCell, mdText } from "../../reports/md.ts";
import type { judgeNight } from "./baseline.ts";
import type { NightNumbers } from "./numbers.ts";
import type { RunVersions } from "../run-versions.ts";

export interface NightlyEntry {
  scenario: string;
  runId: string;
  runDir: string;
  numbers: NightNumbers;
  judgement: ReturnType<typeof judgeNight>;
  /** The scenario's accepted failed requests per night (maxFailedRequests; 0: none). */
  budget?: number;
  /** What tonight ran on. */
  ranOn?: RunVersions;
  /** Tools tonight that no baseline night ran on ("k6: v1.8.1 → v1.9.0"): a change may be theirs, not the service's. */
  toolsChanged?: string[];
}

/** 1 a failed or regressed scenario; else 3 an inconclusive one; else 0. */
export function overallExit(entries: readonly NightlyEntry[]): 0 | 1 | 3 {
  if (entries.some((e) => e.judgement.result === "regression" || e.judgement.result === "failed")) return 1;
  if (entries.some((e) => e.judgement.result === "inconclusive")) return 3;
  return 0;
}

const s1 = (n: number) => `${n.toFixed(1)} s`;
// A difference that rounds to 0 reads "+0", never "−0".
const signed = (n: number, f: (x: number) => string) => `${n < 0 && f(-n) !== f(0) ? "−" : "+"}${f(Math.abs(n))}`;
const MARK: Record<string, string> = { new: "🆕 new", ok: "✅ ok", regression: "❌ regression", failed: "❌ failed", inconclusive: "⚠️ inconclusive" };
const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;

export function baselineCell(e: NightlyEntry): string {
  const b = e.judgement.baseline;
  return b ? `${plural(b.nights, "night")}: median ${b.failedMedian} failed, P99 ${s1(b.disruptionP99)} (limit ${s1(b.limit)})` : "–";
}

export function changeCell(e: NightlyEntry): string {
  const b = e.judgement.baseline;
  if (!b) return "new";
  return `${signed(e.numbers.failed - b.failedMedian, String)} failed, ${signed(e.numbers.disruptionSeconds - b.disruptionP99, s1)}`;
}

function headline(entries: readonly NightlyEntry[]): string {
  const count = (r: string) => entries.filter((e) => e.judgement.result === r).length;
  const of = `of ${plural(entries.length, "scenario")}`;
  if (!entries.length) return "**NOTHING RAN**: no scenario finished";
  const inconclusive = count("inconclusive") ? `; ${count("inconclusive")} inconclusive` : "";
  switch (overallExit(entries)) {
    case 1: {
      const bad = [count("failed") ? `${count("failed")} failed` : "", count("regression") ? `${count("regression")} regressed` : ""].filter(Boolean).join(", ");
      return `**${count("failed") ? "FAILED" : "REGRESSION"}**: ${bad} ${of}${inconclusive}`;
    }
    case 3:
      return `**INCONCLUSIVE**: ${count("inconclusive")} ${of} (no regression)`;
    default:
      return `**OK**: no regression in ${plural(entries.length, "scenario")}${count("new") ? ` (${count("new")} new)` : ""}`;
  }
}

function section(e: NightlyEntry): string {
  const n = e.numbers;
  const lines = [`### ${mdText(e.scenario)}: ${e.judgement.result}`, ""];
  lines.push(`${n.failed} of ${n.requests} requests failed; disruption ${s1(n.disruptionSeconds)}; verdict ${n.verdict}${n.headline ? ` (${mdText(n.headline)})` : ""}`);
  if (e.toolsChanged?.length) lines.push("", `Tools changed since the baseline nights: ${e.toolsChanged.map(mdText).join("; ")}.`);
  if (e.budget) lines.push("", `Accepted risk: up to ${plural(e.budget, "failed request")} a night (maxFailedRequests in the suite), not a pass of nodrop's rule.`);
  if (n.rollouts.length) lines.push("", ...n.rollouts.map((r) => `- ${mdText(r.label)}: ${r.failed} failed, disruption ${s1(r.disruptionSeconds)}${r.p99Ms === undefined ? "" : `, p99 ${r.p99Ms} ms`}`));
  if (e.judgement.problems.length) lines.push("", "Problems:", "", ...e.judgement.problems.map((p) => `- **${mdText(p)}**`));
  lines.push("", `Run ${mdText(e.runId)}: \`${e.runDir.replace(/`/g, "'")}/report.md\``);
  return lines.join("\n");
}

export function nightlyMarkdown(suite: string, night: string, entries: readonly NightlyEntry[]): string {
  const rows = entries.map((e) => {
    const cells = [e.scenario, MARK[e.judgement.result] ?? e.judgement.result, e.numbers.verdict, e.numbers.failed, s1(e.numbers.disruptionSeconds), baselineCell(e), changeCell(e)];
    return `| ${cells.map(mdCell).join(" | ")} |`;
  });
  return [
    `# nodrop nightly: ${mdText(suite)} (${mdText(night)})`,
    "",
    headline(entries),
    "",
    "| scenario | result | verdict | failed | disruption | baseline | change vs baseline |",
    "|---|---|---|---|---|---|---|",
    ...rows,
    "",
    "Failed: any failed request (beyond a scenario's declared budget), whatever the baseline. Regression, for a run that passed: disruption above the baseline's P99 + max(5 s, 20 %); the same per rollout; a rollout's p99 latency above the baseline's; a rollback the baseline never had.",
    "",
    ...entries.flatMap((e) => [section(e), ""]),
  ].join("\n");
}
