// The run's timeline as text: one row per bucket with bars per version and
// failures (report.md, and the demo's terminal).
import { formatOffset } from "../harness/verdict/format.ts";
import type { TimelineBucket, Verdict } from "../harness/verdict/types.ts";

const EIGHTHS = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];

/** A bar of `n` at `perChar` units per character, with eighth-block precision; never empty for n > 0. */
export function bar(n: number, perChar: number): string {
  if (n <= 0 || perChar <= 0) return "";
  const eighths = Math.round((n / perChar) * 8);
  const s = "█".repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8];
  return s === "" ? "▏" : s;
}

/** Versions in a stable order: by first appearance in the verdict, then any others. */
export function versionOrder(v: Verdict): string[] {
  const order = v.versions.map((x) => x.version);
  for (const b of v.timeline) for (const k of Object.keys(b.byVersion)) if (!order.includes(k)) order.push(k);
  return order;
}

/** One text row per bucket: offset, total, failed, deploy-window marker, bars per version and failures. */
export function textTimeline(v: Verdict, width = 40): string {
  const tl = v.timeline;
  if (tl.length === 0) return "(no samples)";
  const origin = tl[0]!.t;
  const size = tl.length > 1 ? tl[1]!.t - tl[0]!.t : 1000;
  const max = tl.reduce((m, b) => Math.max(m, b.total), 0);
  const perChar = max / width;
  const order = versionOrder(v);
  const phaseStarts = new Map<number, string[]>();
  for (const p of v.phases) {
    const idx = Math.floor((p.start - origin) / size);
    if (idx >= 0 && idx < tl.length) phaseStarts.set(idx, [...(phaseStarts.get(idx) ?? []), p.name]);
  }
  const inWindow = (b: TimelineBucket) => v.windows.some((w) => w.start < b.t + size && w.end >= b.t);
  const rows = tl.map((b, i) => {
    const bars = order
      .filter((ver) => (b.byVersion[ver] ?? 0) > 0)
      .map((ver) => `${ver === "" ? "?" : ver} ${bar(b.byVersion[ver]!, perChar)}`);
    if (b.failed > 0) bars.push(`FAIL ${bar(b.failed, perChar)}`);
    const mark = phaseStarts.has(i) ? `  ← ${phaseStarts.get(i)!.join(", ")}` : "";
    return (
      `${formatOffset(b.t, origin).padStart(8)} ${String(b.total).padStart(6)} ${String(b.failed).padStart(6)} ` +
      `${inWindow(b) ? "W" : " "} ${bars.join(" ")}${mark}`
    );
  });
  const head = `${"offset".padStart(8)} ${"total".padStart(6)} ${"failed".padStart(6)} W versions (█ = ${perChar.toFixed(1)} req)`;
  return [head, ...rows].join("\n");
}
