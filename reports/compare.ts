// A side-by-side plain-text table of several runs (variants as columns), used
// e.g. by the preStop demo to print "A vs B".
import { lagText } from "./lag-text.ts";
import { proxyLagText } from "./lag-text.ts";
import { ingressLagText } from "./lag-text.ts";
import type { Verdict } from "../harness/verdict/types.ts";

export interface CompareRow {
  label: string;
  verdict: Verdict;
  reportPath: string;
}

/** Failure categories across all variants: connection errors by k6 code, then HTTP statuses. */
function failureKeys(rows: readonly CompareRow[]): Array<{ key: string; label: string; count: (v: Verdict) => number }> {
  const codes = new Map<number, string>();
  const statuses = new Set<string>();
  for (const r of rows) {
    for (const e of r.verdict.errorsByCode) codes.set(e.code, e.name);
    for (const st of Object.keys(r.verdict.histogram)) if (st !== "0" && st !== "200") statuses.add(st);
  }
  return [
    ...[...codes.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([code, name]) => ({
        key: `e${code}`,
        label: `  conn ${code} ${name}`,
        count: (v: Verdict) => v.errorsByCode.find((e) => e.code === code)?.count ?? 0,
      })),
    ...[...statuses]
      .sort((a, b) => Number(a) - Number(b))
      .map((st) => ({ key: `s${st}`, label: `  HTTP ${st}`, count: (v: Verdict) => v.histogram[st] ?? 0 })),
  ];
}

/** The comparison as rows of cells: a header row of labels, then one row per metric. */
export function compareGrid(rows: readonly CompareRow[]): string[][] {
  const metrics: Array<[string, (r: CompareRow) => string]> = [
    ["requests", (r) => String(r.verdict.requests.total)],
    ["requests in deploy windows", (r) => String(r.verdict.requests.inDeployWindow)],
    ["non-200", (r) => String(r.verdict.requests.failed)],
    ...failureKeys(rows).map((k): [string, (r: CompareRow) => string] => [k.label, (r) => String(k.count(r.verdict))]),
    ["deleted pods answered new conns for", (r) => lagText(r.verdict.lag)],
    ["endpoint out of service → kube-proxy synced", (r) => proxyLagText(r.verdict.proxyLag)],
    ...(rows.some((r) => r.verdict.ingressLag)
      ? [["endpoint out → ingress's last request to it", (r: CompareRow) => ingressLagText(r.verdict.ingressLag)] as [string, (r: CompareRow) => string]]
      : []),
    ["verdict", (r) => r.verdict.outcome.toUpperCase()],
    ["report", (r) => r.reportPath],
  ];
  return [["", ...rows.map((r) => r.label)], ...metrics.map(([name, f]) => [name, ...rows.map(f)])];
}

/** Terminal width the table fits in (issue 28: 100 columns). */
export const TABLE_WIDTH = 100;
const GAP = "   ";
/** The metric names' column never takes more than this; longer names wrap. */
const LABEL_MAX = 43;

/**
 * Splits `text` into lines of at most `width` characters: at spaces (never
 * between a figure and its unit), a word longer than that after a "/"
 * (paths), else anywhere. Leading spaces (a
 * sub-metric's indent) are kept on the first line.
 */
export function wrapCell(text: string, width: number): string[] {
  if (text.length <= width) return [text];
  const indent = /^ */.exec(text)![0];
  // A figure keeps its unit ("1.53 s", "12 %"): joined by a no-break space while the words are split.
  const pieces = text
    .slice(indent.length)
    .replace(/(\d) (s|ms|%)(?=[ ,;)]|$)/g, "$1\u00a0$2")
    .split(" ")
    .flatMap((word) => (word.length <= width ? [word] : word.split(/(?<=\/)/).flatMap((p) => p.match(new RegExp(`.{1,${width}}`, "g")) ?? [p])));
  const lines: string[] = [];
  let line = indent;
  for (const p of pieces) {
    const sep = line.trim() === "" || line.endsWith("/") ? "" : " ";
    if (line.trim() !== "" && line.length + sep.length + p.length > width) {
      lines.push(line);
      line = p;
    } else line += sep + p;
  }
  lines.push(line);
  return lines.map((l) => l.replace(/\u00a0/g, " "));
}

/** Column widths that fit `total`: the names' column up to LABEL_MAX, the rest shared by the variants. */
function columnWidths(grid: readonly string[][], total: number): number[] {
  const natural = grid[0]!.map((_, c) => Math.max(...grid.map((row) => row[c]!.length)));
  const n = natural.length - 1;
  const label = Math.min(natural[0]!, LABEL_MAX);
  const share = Math.max(10, Math.floor((total - label - GAP.length * n) / n));
  return [label, ...natural.slice(1).map((w) => Math.min(w, share))];
}

/** The comparison as plain text within `width` columns: long cells wrap inside their column. */
export function compareTable(rows: readonly CompareRow[], width = TABLE_WIDTH): string {
  if (rows.length === 0) return "(nothing to compare)\n";
  const grid = compareGrid(rows);
  const widths = columnWidths(grid, width);
  const fmt = (row: string[]): string[] => {
    const cells = row.map((cell, c) => wrapCell(cell, widths[c]!));
    const height = Math.max(...cells.map((x) => x.length));
    return Array.from({ length: height }, (_, i) =>
      cells
        .map((x, c) => (x[i] ?? "").padEnd(widths[c]!))
        .join(GAP)
        .trimEnd(),
    );
  };
  const lines = grid.flatMap(fmt);
  const header = fmt(grid[0]!).length;
  lines.splice(header, 0, widths.map((w) => "-".repeat(w)).join(GAP));
  return lines.join("\n") + "\n";
}
