// The chart's HTML: a block per chart (its data as inline JSON) and, once per
// page, uPlot (pinned in package.json) with its CSS and the drawing code,
// inlined so that the page opens offline from a file.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { htmlEscape } from "../escape.ts";
import type { ChartData, MarkKind } from "./data.ts";

const require = createRequire(import.meta.url);
const MARK_COLOR: Record<MarkKind, string> = { deleted: "#6a1b9a", "endpoint not ready": "#ef6c00", "endpoint removed": "#1565c0", "kube-proxy synced": "#00897b", exited: "#000000", migration: "#c2185b" };

let assets: string | undefined;
const read = (p: string) => readFileSync(p, "utf8");

/** uPlot's CSS and JS, inlined: a <style> and a <script>. */
export function uplotInline(): string {
  return `<style>${read(require.resolve("uplot/dist/uPlot.min.css"))}</style>
<script>${inlineScript(read(require.resolve("uplot/dist/uPlot.iife.min.js")))}</script>`;
}

/** A drawing script of this folder (e.g. "client.js"), inlined. */
export function clientInline(file: string): string {
  return `<script>${inlineScript(read(fileURLToPath(new URL(`./${file}`, import.meta.url))))}</script>`;
}

/** uPlot's JS and CSS and nodrop's drawing code, for the end of <body>. */
export function chartAssets(): string {
  if (assets) return assets;
  assets = `${uplotInline()}
<style>
.nodrop-chart{position:relative;margin:8px 0}
.nodrop-chart .tip{display:none;position:absolute;z-index:10;max-width:360px;background:#fff;border:1px solid #999;border-radius:4px;padding:6px 8px;font-size:12px;box-shadow:0 2px 6px rgba(0,0,0,.2);pointer-events:none}
.chart-key span{margin-right:14px;font-size:12px}
.chart-key i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}
</style>
${clientInline("client.js")}`;
  return assets;
}

/** Text that cannot end the <script> element it is inlined into. */
function inlineScript(js: string): string {
  return js.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
}

/** One chart: the plot, the key to its bands and marks, and its data. */
export function chartBlock(d: ChartData, title: string): string {
  const json = JSON.stringify({ ...d, markColors: MARK_COLOR }).replace(/</g, "\\u003c");
  const key = [
    `<span><i style="background:rgba(31,119,180,.25)"></i>deploy window</span>`,
    `<span><i style="background:rgba(214,39,40,.35)"></i>outage (hover for why)</span>`,
    ...Object.entries(MARK_COLOR).filter(([k]) => k !== "migration" || d.marks.some((m) => m.kind === "migration")).map(([k, c]) => `<span><i style="background:${c}"></i>${k === "migration" ? "schema migration step" : `pod ${k}`}</span>`),
  ].join(" ");
  return `<div class="nodrop-chart" role="img" aria-label="${htmlEscape(title)}" data-outages="${d.outages.length}" data-marks="${d.marks.length}">
<div class="plot"></div><div class="tip"></div>
<script type="application/json">${json}</script>
</div>
<div class="chart-key">${key}</div>`;
}
