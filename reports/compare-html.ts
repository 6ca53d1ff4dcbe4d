// One page for several runs side by side (the demo's A and B): the comparison
// table, then each run's chart with its outages and their explanations.
import type { Verdict } from "../harness/verdict/types.ts";
import { chartAssets, chartBlock } from "./chart/html.ts";
import { chartData, type ChartData } from "./chart/data.ts";
import { compareGrid } from "./compare.ts";
import { htmlEscape } from "./escape.ts";
import { secs } from "./text.ts";
import { formatOffset } from "../harness/verdict/format.ts";

export interface CompareRunHtml {
  label: string;
  verdict: Verdict;
  reportPath: string;
  /** Link to the run's own report.html, relative to the page. */
  reportHref: string;
  chart?: ChartData;
}

export function compareHtml(title: string, runs: readonly CompareRunHtml[], conclusion: string): string {
  const grid = compareGrid(runs);
  const head = grid[0]!.map((c) => `<th>${htmlEscape(c)}</th>`).join("");
  const body = grid
    .slice(1)
    .map((row) => `<tr>${row.map((c) => `<td>${htmlEscape(c)}</td>`).join("")}</tr>`)
    .join("\n");
  const sections = runs.map((r) => {
    const origin = r.verdict.timeline[0]?.t ?? r.verdict.startedAt;
    const outages = r.verdict.outages.length
      ? `<table><thead><tr><th>start</th><th>duration</th><th>failed</th><th>why</th></tr></thead><tbody>${r.verdict.outages
          .map((o) => `<tr><td>${htmlEscape(formatOffset(o.start, origin))}</td><td>${htmlEscape(secs(o.durationMs))}</td><td>${o.failed}</td><td>${htmlEscape(o.cause?.text ?? "–")}</td></tr>`)
          .join("\n")}</tbody></table>`
      : "<p>No outages.</p>";
    return `<section>
<h2>${htmlEscape(r.label)}: ${htmlEscape(r.verdict.outcome.toUpperCase())} <a class="muted" href="${htmlEscape(encodeURI(r.reportHref))}">full report</a></h2>
${chartBlock(r.chart ?? chartData(r.verdict), `requests, failures and pod events of ${r.label}`)}
<h3>Outages</h3>
${outages}
</section>`;
  });
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${htmlEscape(title)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1100px;padding:0 16px;color:#222}
h1{font-size:20px}
table{border-collapse:collapse;margin:8px 0 16px}
td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f5f5f5}
.muted{color:#666;font-size:13px;font-weight:normal}
</style>
</head>
<body>
<h1>${htmlEscape(title)}</h1>
<p>${htmlEscape(conclusion)}</p>
<table><thead><tr>${head}</tr></thead><tbody>
${body}
</tbody></table>
${sections.join("\n")}
${chartAssets()}
</body>
</html>
`;
}
