// report.html: one self-contained page (no external assets; uPlot inlined)
// with an interactive chart: requests/s by version, failures on their own
// axis, deploy windows and outages shaded, pod and endpoint events as marks.
import { exitCodeFor } from "../harness/verdict/exit-code.ts";
import { formatOffset } from "../harness/verdict/format.ts";
import { versionLabel } from "../harness/verdict/versions.ts";
import { cancelledLine, droppedLine, evidenceGrid, probeGrid, windowRateGrid, runnerGrid } from "./evidence.ts";
import { htmlEscape } from "./escape.ts";
import { lagText } from "./lag-text.ts";
import { proxyLagText } from "./lag-text.ts";
import { ingressLagText } from "./lag-text.ts";
import { DATABASE_ERROR_HEADER, databaseErrorRows, MIGRATION_HEADER, migrationRows } from "./database-text.ts";
import { LATENCY_PHASE_HEADER, LATENCY_WINDOW_HEADER, latencyPhaseRows, latencyRuleText, latencyWindowRows } from "./latency-text.ts";
import { SHARE_TOLERANCE_POINTS } from "../harness/verdict/traffic-share.ts";
import { REQUEST_NAME_HEADER, requestNameRows } from "./request-names-text.ts";
import { chartAssets, chartBlock } from "./chart/html.ts";
import { chartData } from "./chart/data.ts";
import { DEFAULT_ARTIFACTS, iso, REPORT_FILES, strategyOf, type ReportInput } from "./json.ts";
import { headline, histogramRows, relevantConfig, secs } from "./text.ts";

export { htmlEscape };

const OUTCOME_COLOR: Record<string, string> = {
  pass: "#2e7d32",
  fail: "#c62828",
  inconclusive: "#8d6e00",
  "rolled-back": "#6a1b9a",
};

function table(head: string[], rows: Array<Array<string | number>>): string {
  if (rows.length === 0) return "<p>None.</p>";
  const th = head.map((h) => `<th>${htmlEscape(h)}</th>`).join("");
  const trs = rows.map((r) => `<tr>${r.map((c) => `<td>${htmlEscape(String(c))}</td>`).join("")}</tr>`).join("\n");
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${trs}\n</tbody></table>`;
}

const histText = (h: Record<string, number>) =>
  Object.entries(h)
    .sort((a, b) => Number(a[0]) - Number(b[0]))
    .map(([s, n]) => `${s}×${n}`)
    .join(" ") || "–";

export function htmlReport(input: ReportInput): string {
  const v = input.verdict;
  const origin = v.timeline[0]?.t ?? v.startedAt;
  const off = (t: number) => formatOffset(t, origin);
  const color = OUTCOME_COLOR[v.outcome] ?? "#333";
  const files = [...(input.artifacts ?? DEFAULT_ARTIFACTS), ...Object.values(REPORT_FILES)];

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>nodrop ${htmlEscape(v.outcome.toUpperCase())}: ${htmlEscape(strategyOf(input))} ${htmlEscape(input.runId)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1000px;padding:0 16px;color:#222}
h1{font-size:20px;margin:0 0 4px}
.badge{display:inline-block;padding:2px 10px;border-radius:4px;color:#fff;font-weight:600;background:${color}}
table{border-collapse:collapse;margin:8px 0 16px}
td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f5f5f5}
.muted{color:#666}
</style>
</head>
<body>
<h1><span class="badge">${htmlEscape(v.outcome.toUpperCase())}</span> ${htmlEscape(headline(input).replace(/^[A-Z-]+: /, ""))}</h1>
<p class="muted">Exit code ${exitCodeFor(v.outcome)} · started ${htmlEscape(iso(v.startedAt))} · ended ${htmlEscape(iso(v.endedAt))} · ${htmlEscape(String(v.rate.achieved))} req/s achieved (target ${htmlEscape(String(v.rate.target))}) · offsets are seconds since the first request</p>
<h2>Reasons</h2>
<ul>
${v.reasons.map((r) => `<li>${htmlEscape(r)}</li>`).join("\n")}
</ul>
<h2>Evidence</h2>
${table(evidenceGrid(v).head, evidenceGrid(v).rows)}
<h2>Probes</h2>
${v.probes.length ? table(probeGrid(v).head, probeGrid(v).rows) : "<p>No requests.</p>"}
<h2>Load</h2>
<p>${htmlEscape(droppedLine(v))} ${htmlEscape(cancelledLine(v))}</p>
${input.loadRunners ? `<p>Sent by ${input.loadRunners.runners.length} runner(s) of ${htmlEscape(input.loadRunners.engine)}; ${htmlEscape(input.loadRunners.clock)}.</p>
${table(runnerGrid(input.loadRunners).head, runnerGrid(input.loadRunners).rows)}` : ""}
${v.windowRates.length ? table(windowRateGrid(v).head, windowRateGrid(v).rows) : ""}
${v.gaps.length ? table(["gap in window", "start", "end", "duration"], v.gaps.map((g) => [g.window, off(g.start), off(g.end), `${Math.round(g.durationMs)} ms`])) : ""}
<h2>Requests per second</h2>
${chartBlock(input.chart ?? chartData(v), `requests per second by version, failures, outages and pod events of ${input.runId}`)}
<h2>HTTP status histogram</h2>
${table(["status", "requests", "share"], histogramRows(v.histogram, v.requests.total))}
<h2>Connection errors by k6 error code</h2>
${table(["code", "meaning", "requests"], v.errorsByCode.map((e) => [e.code, e.name, e.count]))}
<h2>Deploy windows</h2>
${table(["window", "start", "end", "duration"], v.windows.map((w) => [w.label, off(w.start), off(w.end) + (w.closed ? "" : " (no end recorded)"), secs(w.end - w.start)]))}
<h2>Phases</h2>
${table(["phase", "start", "duration", "requests", "failed", "statuses"], v.phases.map((p) => [p.name, off(p.start), secs(p.end - p.start), p.requests, p.failed, histText(p.histogram)]))}
${v.migrations.length || v.database.failed ? `<h2>Database</h2>
${v.migrations.length ? `<p>Schema changes, as steps of the deploy:</p>\n${table(MIGRATION_HEADER, migrationRows(v.migrations, off))}` : ""}
<p>${v.database.failed ? `${v.database.failed} failed requests were the app's database failing them:` : "No request failed because of the database."}</p>
${v.database.failed ? table(DATABASE_ERROR_HEADER, databaseErrorRows(v.database, off)) : ""}` : ""}
<h2>Latency</h2>
<p>${htmlEscape(latencyRuleText(v.latency))}</p>
${table(LATENCY_PHASE_HEADER, latencyPhaseRows(v.latency))}
${table(LATENCY_WINDOW_HEADER, latencyWindowRows(v.latency))}
<h2>Versions</h2>
${table(["version", "requests", "ok", "failed", "first", "last"], v.versions.map((x) => [versionLabel(x.version), x.requests, x.ok, x.failed, off(x.first), off(x.last)]))}
${v.byRequest?.length ? `<h2>Requests</h2>
${table(REQUEST_NAME_HEADER, requestNameRows(v.byRequest, off, histText))}` : ""}
<h2>Outages</h2>
${table(["start", "end", "duration", "failed", "requests", "statuses", "why"], v.outages.map((o) => [off(o.start), off(o.end), secs(o.durationMs), o.failed, o.requests, histText(o.histogram), o.cause?.text ?? "–"]))}
<p>Deleted pods still answered new connections for ${htmlEscape(lagText(v.lag))} after their deletion. kube-proxy synced its rules ${htmlEscape(proxyLagText(v.proxyLag))} after a deleted pod's endpoint left service (not ready or removed in its EndpointSlice).${v.ingressLag ? ` The ingress controller (${htmlEscape(v.ingressLag.controller)}) still sent requests to a deleted pod ${htmlEscape(ingressLagText(v.ingressLag))} after its endpoint left service.` : ""}</p>
${v.trafficShares?.length ? `<h2>Traffic share by canary step</h2>
<p>The canary's share of the answered requests at each step, from the moment the controller served the step's weights; tolerance ± ${SHARE_TOLERANCE_POINTS} percentage points.</p>
${table(["route weight to the canary", "canary version", "answered requests", "canary's share", "within tolerance"], v.trafficShares.map((s) => [`${s.percent} %`, s.canaryVersion, s.requests, Number.isNaN(s.canaryShare) ? "–" : `${s.canaryShare.toFixed(1)} %`, s.withinTolerance ? "yes" : "no"]))}` : ""}
<h2>Configuration</h2>
${table(["knob", "value"], relevantConfig(input.config))}
<h2>Files</h2>
<ul>
${files.map((f) => `<li><a href="${htmlEscape(encodeURI(f))}">${htmlEscape(f)}</a></li>`).join("\n")}
</ul>
${chartAssets()}
</body>
</html>
`;
}
