// report.html: a self-contained page (no external assets) with an inline SVG
// chart: requests/s stacked by version, failures in red, deploy windows shaded.
import { exitCodeFor, formatOffset, versionLabel } from "../harness/verdict/analyze.ts";
import type { Verdict } from "../harness/verdict/types.ts";
import { cancelledLine, droppedLine, evidenceGrid, probeGrid, windowRateGrid } from "./evidence.ts";
import { DEFAULT_ARTIFACTS, iso, REPORT_FILES, strategyOf, type ReportInput } from "./json.ts";
import { headline, histogramRows, relevantConfig, secs, versionOrder } from "./markdown.ts";

export function htmlEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

const PALETTE = ["#4e79a7", "#59a14f", "#f28e2b", "#b07aa1", "#76b7b2", "#edc948", "#9c755f", "#bab0ac"];
const FAIL_COLOR = "#d62728";
const OUTCOME_COLOR: Record<string, string> = {
  pass: "#2e7d32",
  fail: "#c62828",
  inconclusive: "#8d6e00",
  "rolled-back": "#6a1b9a",
};

const num = (n: number) => (Math.round(n * 10) / 10).toString();

/** A "nice" axis maximum >= n (1, 2, 5 × 10^k). */
function niceMax(n: number): number {
  if (n <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(n));
  for (const m of [1, 2, 5, 10]) if (m * p >= n) return m * p;
  return 10 * p;
}

/** The SVG chart (also usable on its own). */
export function timelineSvg(v: Verdict, width = 960, height = 320): string {
  const tl = v.timeline;
  const m = { left: 56, right: 16, top: 28, bottom: 36 };
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="requests per second by version">`,
  );
  if (tl.length === 0) {
    parts.push(`<text x="${width / 2}" y="${height / 2}" text-anchor="middle">no samples</text></svg>`);
    return parts.join("");
  }
  const origin = tl[0]!.t;
  const size = tl.length > 1 ? tl[1]!.t - tl[0]!.t : 1000;
  const span = tl.length * size;
  const x = (t: number) => m.left + ((t - origin) / span) * pw;
  const ymax = niceMax(tl.reduce((mx, b) => Math.max(mx, b.total), 0));
  const y = (n: number) => m.top + ph - (n / ymax) * ph;
  const bw = pw / tl.length;

  // Grid, then deploy windows shaded with their labels (bars are drawn over them).
  for (const f of [0.5, 1]) {
    parts.push(`<line class="grid" x1="${m.left}" x2="${m.left + pw}" y1="${num(y(ymax * f))}" y2="${num(y(ymax * f))}"/>`);
  }
  const winEdges: string[] = [];
  for (const w of v.windows) {
    const x0 = Math.max(m.left, x(w.start));
    const x1 = Math.min(m.left + pw, x(w.end));
    if (x1 <= x0) continue;
    parts.push(`<rect class="window" x="${num(x0)}" y="${m.top}" width="${num(x1 - x0)}" height="${ph}"><title>${htmlEscape(w.label)}</title></rect>`);
    parts.push(`<text class="wlabel" x="${num(x0 + 3)}" y="${m.top - 8}">${htmlEscape(w.label)}</text>`);
    winEdges.push(`<path class="wedge" d="M${num(x0)} ${m.top}v${ph}M${num(x1)} ${m.top}v${ph}"/>`);
  }

  // Stacked bars: one path per version (successes), failures in red on top.
  const order = versionOrder(v);
  const paths = new Map<string, string[]>();
  const failPath: string[] = [];
  tl.forEach((b, i) => {
    let base = 0;
    // Whole-pixel edges shared by neighbours: no hairline gaps between bars.
    const x0 = Math.round(m.left + i * bw);
    const bx = String(x0);
    const w = String(Math.max(1, Math.round(m.left + (i + 1) * bw) - x0));
    for (const ver of order) {
      const n = b.byVersion[ver] ?? 0;
      if (n <= 0) continue;
      const top = y(base + n);
      const h = y(base) - top;
      const list = paths.get(ver) ?? [];
      list.push(`M${bx} ${num(top)}h${w}v${num(h)}h-${w}z`);
      paths.set(ver, list);
      base += n;
    }
    if (b.failed > 0) {
      // At least 2 px, so a single failed request stays visible.
      const top = Math.min(y(base + b.failed), y(base) - 2);
      failPath.push(`M${bx} ${num(top)}h${w}v${num(y(base) - top)}h-${w}z`);
    }
  });
  order.forEach((ver, i) => {
    const d = paths.get(ver);
    if (d) parts.push(`<path shape-rendering="crispEdges" fill="${PALETTE[i % PALETTE.length]}" d="${d.join("")}"><title>${htmlEscape(versionLabel(ver))}</title></path>`);
  });
  if (failPath.length > 0) parts.push(`<path shape-rendering="crispEdges" fill="${FAIL_COLOR}" d="${failPath.join("")}"><title>failed</title></path>`);

  parts.push(...winEdges);

  // Phase starts as dashed lines.
  for (const p of v.phases) {
    const px = x(p.start);
    if (px < m.left || px > m.left + pw) continue;
    parts.push(`<line class="phase" x1="${num(px)}" x2="${num(px)}" y1="${m.top}" y2="${m.top + ph}"><title>${htmlEscape(p.name)}</title></line>`);
  }

  // Axes.
  parts.push(`<line class="axis" x1="${m.left}" x2="${m.left + pw}" y1="${m.top + ph}" y2="${m.top + ph}"/>`);
  parts.push(`<line class="axis" x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${m.top + ph}"/>`);
  for (const f of [0, 0.5, 1]) {
    const yy = y(ymax * f);
    parts.push(`<text class="tick" x="${m.left - 6}" y="${num(yy + 4)}" text-anchor="end">${num(ymax * f)}</text>`);
  }
  const spanS = span / 1000;
  const step = niceMax(spanS / 10);
  for (let s = 0; s <= spanS; s += step) {
    parts.push(`<text class="tick" x="${num(x(origin + s * 1000))}" y="${m.top + ph + 16}" text-anchor="middle">+${num(s)}s</text>`);
  }
  parts.push(`<text class="tick" x="12" y="${m.top + ph / 2}" transform="rotate(-90 12 ${m.top + ph / 2})" text-anchor="middle">requests / ${num(size / 1000)} s</text>`);
  parts.push("</svg>");

  const legend = [
    ...order.map((ver, i) => `<span><i style="background:${PALETTE[i % PALETTE.length]}"></i>${htmlEscape(versionLabel(ver))}</span>`),
    `<span><i style="background:${FAIL_COLOR}"></i>failed</span>`,
    `<span><i class="wl"></i>deploy window</span>`,
  ].join(" ");
  return `${parts.join("\n")}\n<div class="legend">${legend}</div>`;
}

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
.window{fill:#1f77b4;fill-opacity:.10}
.wlabel{font-size:11px;fill:#1f5f94}
.wedge{stroke:#1f77b4;stroke-width:1.5;fill:none}
.phase{stroke:#555;stroke-dasharray:3 3}
.axis{stroke:#444}
.grid{stroke:#eee}
.tick{font-size:11px;fill:#444}
.legend span{margin-right:14px;font-size:12px}
.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}
.legend i.wl{background:#1f77b4;opacity:.2}
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
${v.windowRates.length ? table(windowRateGrid(v).head, windowRateGrid(v).rows) : ""}
${v.gaps.length ? table(["gap in window", "start", "end", "duration"], v.gaps.map((g) => [g.window, off(g.start), off(g.end), `${Math.round(g.durationMs)} ms`])) : ""}
<h2>Requests per second</h2>
${timelineSvg(v)}
<h2>HTTP status histogram</h2>
${table(["status", "requests", "share"], histogramRows(v.histogram, v.requests.total))}
<h2>Connection errors by k6 error code</h2>
${table(["code", "meaning", "requests"], v.errorsByCode.map((e) => [e.code, e.name, e.count]))}
<h2>Deploy windows</h2>
${table(["window", "start", "end", "duration"], v.windows.map((w) => [w.label, off(w.start), off(w.end) + (w.closed ? "" : " (no end recorded)"), secs(w.end - w.start)]))}
<h2>Phases</h2>
${table(["phase", "start", "duration", "requests", "failed", "statuses"], v.phases.map((p) => [p.name, off(p.start), secs(p.end - p.start), p.requests, p.failed, histText(p.histogram)]))}
<h2>Versions</h2>
${table(["version", "requests", "ok", "failed", "first", "last"], v.versions.map((x) => [versionLabel(x.version), x.requests, x.ok, x.failed, off(x.first), off(x.last)]))}
<h2>Outages</h2>
${table(["start", "end", "duration", "failed", "requests", "statuses", "why"], v.outages.map((o) => [off(o.start), off(o.end), secs(o.durationMs), o.failed, o.requests, histText(o.histogram), o.cause?.text ?? "–"]))}
<h2>Configuration</h2>
${table(["knob", "value"], relevantConfig(input.config))}
<h2>Files</h2>
<ul>
${files.map((f) => `<li><a href="${htmlEscape(encodeURI(f))}">${htmlEscape(f)}</a></li>`).join("\n")}
</ul>
</body>
</html>
`;
}
