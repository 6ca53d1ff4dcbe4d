// Writes every report of one run into a directory.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { htmlReport } from "./html.ts";
import { REPORT_FILES, summaryJson, type ReportInput } from "./json.ts";
import { junitXml } from "./junit.ts";
import { markdownReport } from "./markdown.ts";

export type { ReportInput, Summary } from "./json.ts";
export { buildSummary, summaryJson, REPORT_FILES, DEFAULT_ARTIFACTS } from "./json.ts";
export { markdownReport } from "./markdown.ts";
export { textTimeline } from "./timeline-text.ts";
export { junitXml, caseResult } from "./junit.ts";
export { htmlReport } from "./html.ts";
export { chartData, type ChartData } from "./chart/data.ts";
export { compareTable, type CompareRow } from "./compare.ts";

export interface WrittenReports {
  summary: string;
  markdown: string;
  junit: string;
  html: string;
}

/** Writes summary.json, report.md, junit.xml and report.html into `dir` (created if needed); returns their paths. */
export async function writeReports(dir: string, input: ReportInput): Promise<WrittenReports> {
  await mkdir(dir, { recursive: true });
  const paths: WrittenReports = {
    summary: join(dir, REPORT_FILES.summary),
    markdown: join(dir, REPORT_FILES.markdown),
    junit: join(dir, REPORT_FILES.junit),
    html: join(dir, REPORT_FILES.html),
  };
  await Promise.all([
    writeFile(paths.summary, summaryJson(input)),
    writeFile(paths.markdown, markdownReport(input)),
    writeFile(paths.junit, junitXml(input)),
    writeFile(paths.html, htmlReport(input)),
  ]);
  return paths;
}
