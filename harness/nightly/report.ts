// report.md of a night, fit for a CI step summary: the overall result, a
// table of scenarios (result, failures, disruption, baseline, change), then
// each scenario's problems. Deterministic: no clock, no locale.
import { mdCell } from "../../reports/markdown.ts";
import type { Judgement } from "./baseline.ts";
import type { NightNumbers } from "./numbers.ts";

export interface NightlyEntry {
  scenario: string;
  runId: string;
  runDir: string;
  numbers: NightNumbers;
  judgement: Judgement;
}

/** 0 nothing regressed; 1 a regression; 3 an inconclusive scenario (and no regression). */
export function overallExit(entries: readonly NightlyEntry[]): 0 | 1 | 3 {
  if (entries.some((e) => e.judgement.result === "regression")) return 1;
  if (entries.some((e) => e.judgement.result === "inconclusive")) return 3;
  return 0;
}

const s1 = (n: number) => `${n.toFixed(1)} s`;
const signed = (n: number, f: (x: number) => string) => `${n >= 0 ? "+" : "−"}${f(Math.abs(n))}`;
const MARK: Record<string, string> = { new: "🆕 new", ok: "✅ ok", regression: "❌ regression", inconclusive: "⚠️ inconclusive" };

function baselineCell(e: NightlyEntry): string {
  const b = e.judgement.baseline;
  return b ? `${b.nights} night${b.nights === 1 ? "" : "s"}: median ${b.failedMedian} failed, P99 ${s1(b.disruptionP99)} (limit ${s1(b.limit)})` : "–";
}

function changeCell(e: NightlyEntry): string {
  const b = e.judgement.baseline;
  if (!b) return "new";
  return `${signed(e.numbers.failed - b.failedMedian, String)} failed, ${signed(e.numbers.disruptionSeconds - b.disruptionP99, s1)}`;
}

export function nightlyMarkdown(suite: string, night: string, entries: readonly NightlyEntry[]): string {
  const code = overallExit(entries);
  const count = (r: string) => entries.filter((e) => e.judgement.result === r).length;
  const head =
    code === 1 ? `**REGRESSION** in ${count("regression")} of ${entries.length} scenarios` : code === 3 ? `**INCONCLUSIVE**: ${count("inconclusive")} of ${entries.length} scenarios` : `**OK**: no regression in ${entries.length} scenarios`;
  const rows = entries.map((e) =>
    `| ${[e.scenario, MARK[e.judgement.result] ?? e.judgement.result, e.numbers.verdict, e.numbers.failed, s1(e.numbers.disruptionSeconds), baselineCell(e), changeCell(e)].map(mdCell).join(" | ")} |`,
  );
  const details = entries.map((e) => {
    const lines = [`### ${e.scenario}: ${e.judgement.result}`, ""];
    lines.push(`${e.numbers.failed} of ${e.numbers.requests} requests failed; disruption ${s1(e.numbers.disruptionSeconds)}; verdict ${e.numbers.verdict} (${e.numbers.headline})`);
    for (const r of e.numbers.rollouts) lines.push(`- ${r.label}: ${r.failed} failed, disruption ${s1(r.disruptionSeconds)}`);
    if (e.judgement.problems.length) lines.push("", ...e.judgement.problems.map((p) => `- **${p}**`));
    lines.push("", `Run ${e.runId}: \`${e.runDir}/report.md\``);
    return lines.join("\n");
  });
  return [
    `# nodrop nightly: ${suite} (${night})`,
    "",
    head,
    "",
    "| scenario | result | verdict | failed | disruption | baseline | change vs baseline |",
    "|---|---|---|---|---|---|---|",
    ...rows,
    "",
    "Regression: failed requests where the baseline's median was 0; disruption above the baseline's P99 + max(5 s, 20 %); the same per rollout; a rollback the baseline never had.",
    "",
    ...details.flatMap((d) => [d, ""]),
  ].join("\n");
}
