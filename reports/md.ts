// Markdown primitives shared by every report that writes markdown (the run's
// report.md, the experiment's and the nightly's): text and cells made safe, tables.
import type { Grid } from "./evidence.ts";

/** Text safe for a markdown paragraph/bullet (no HTML, no line breaks). */
export function mdText(s: string): string {
  return s
    .replace(/\r?\n/g, " ")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;");
}

/** Text safe for a markdown table cell. */
export function mdCell(s: string | number): string {
  return mdText(String(s)).replace(/\\/g, "\\\\").replace(/\|/g, "\\|");
}

export function table(head: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.map(mdCell).join(" | ")} |`;
  return [line(head), `|${head.map(() => "---").join("|")}|`, ...rows.map(line)].join("\n");
}

export const gridTable = (g: Grid): string => table(g.head, g.rows);
