// history.html of a nightly suite: one self-contained page (uPlot inlined, as
// in report.html) with, per scenario, three charts night by night — failed
// requests (the budget as a band), disruption seconds and p99 latency per
// rollout (the baseline's limit before each night as a band) — where failed
// and regressed nights and tool-version changes are marked, and a table with
// every night linked to its run folder.
import { htmlEscape } from "../../reports/escape.ts";
import { clientInline, uplotInline } from "../../reports/chart/html.ts";
import { BAD_RESULTS, type HistoryChartData, type HistoryNight } from "./history-data.ts";

const METRICS = [
  ["failed", "Failed requests", "the shaded band is the scenario's accepted budget (maxFailedRequests), when it has one"],
  ["disruption", "Disruption, s", "the shaded band is the limit the baseline nights before each night set (P99 + max(5 s, 20 %))"],
  ["p99", "p99 latency per rollout, ms", "the shaded band is each rollout's limit from the baseline nights before (P99 + max(50 ms, 50 %))"],
] as const;

const RESULT_COLOR: Record<string, string> = { new: "#1565c0", ok: "#2e7d32", regression: "#c62828", failed: "#c62828", inconclusive: "#8d6e00" };

function chart(d: HistoryChartData, metric: (typeof METRICS)[number]): string {
  const [key, title, band] = metric;
  const json = JSON.stringify({ ...d, metric: key }).replace(/</g, "\\u003c");
  return `<h3>${htmlEscape(title)}</h3>
<p class="muted">${htmlEscape(band)}; a red line marks a failed or regressed night, a grey dashed one a change of tools. Click a point to open its run.</p>
<div class="nodrop-history" data-metric="${key}" data-nights="${d.nights.length}" data-bad="${d.nights.filter((n) => BAD_RESULTS.includes(n.result)).length}" role="img" aria-label="${htmlEscape(`${title} of ${d.scenario}, night by night`)}">
<div class="plot"></div><div class="tip"></div>
<script type="application/json">${json}</script>
</div>`;
}

function row(n: HistoryNight, rollouts: readonly string[]): string {
  const p99 = rollouts.map((r) => (n.p99Ms[r] == null ? "–" : `${r}: ${n.p99Ms[r]} ms`)).join(", ") || "–";
  const run = n.href ? `<a href="${htmlEscape(n.href)}">${htmlEscape(n.runId)}</a>` : `${htmlEscape(n.runId)} <span class="muted">(folder gone)</span>`;
  const cells = [
    htmlEscape(n.night),
    `<b style="color:${RESULT_COLOR[n.result] ?? "#333"}">${htmlEscape(n.result)}</b>`,
    htmlEscape(n.verdict),
    `${n.failed} of ${n.requests}`,
    `${n.disruptionSeconds.toFixed(1)} s${n.disruptionLimit === null ? "" : ` (limit ${n.disruptionLimit.toFixed(1)} s)`}`,
    htmlEscape(p99),
    htmlEscape(n.toolsChanged.join("; ") || "–"),
    run,
  ];
  return `<tr data-result="${htmlEscape(n.result)}">${cells.map((c) => `<td>${c}</td>`).join("")}</tr>`;
}

export function historyHtml(suite: string, night: string, scenarios: readonly HistoryChartData[]): string {
  const sections = scenarios.map(
    (d) => `<section class="scenario" data-scenario="${htmlEscape(d.scenario)}">
<h2>${htmlEscape(d.scenario)}</h2>
<p>${d.nights.length} night${d.nights.length === 1 ? "" : "s"} recorded${d.budget ? `; accepted risk: up to ${d.budget} failed request${d.budget === 1 ? "" : "s"} a night` : ""}.</p>
${METRICS.map((m) => (m[0] === "p99" && !d.rollouts.length ? "" : chart(d, m))).join("\n")}
<table><thead><tr><th>night</th><th>result</th><th>verdict</th><th>failed</th><th>disruption</th><th>p99</th><th>tools changed</th><th>run</th></tr></thead><tbody>
${[...d.nights].reverse().map((n) => row(n, d.rollouts)).join("\n")}
</tbody></table>
</section>`,
  );
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>nodrop nightly history: ${htmlEscape(suite)} (${htmlEscape(night)})</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1000px;padding:0 16px;color:#222}
h1{font-size:20px;margin:0 0 4px}
table{border-collapse:collapse;margin:8px 0 16px}
td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f5f5f5}
.muted{color:#666}
.nodrop-history{position:relative;margin:8px 0}
.nodrop-history .tip{display:none;position:absolute;z-index:10;max-width:360px;background:#fff;border:1px solid #999;border-radius:4px;padding:6px 8px;font-size:12px;box-shadow:0 2px 6px rgba(0,0,0,.2);pointer-events:none}
</style>
</head>
<body>
<h1>nodrop nightly history: ${htmlEscape(suite)}</h1>
<p class="muted">As of night ${htmlEscape(night)}. Each point is a night, coloured by its result: <span style="color:${RESULT_COLOR["ok"]}">ok</span>, <span style="color:${RESULT_COLOR["new"]}">new</span>, <span style="color:${RESULT_COLOR["failed"]}">failed / regression</span>, <span style="color:${RESULT_COLOR["inconclusive"]}">inconclusive</span>.</p>
${sections.join("\n")}
${uplotInline()}
${clientInline("history-client.js")}
</body>
</html>
`;
}
