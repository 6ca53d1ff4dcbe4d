// junit.xml: one testsuite "nodrop", one testcase per run.
import { iso, strategyOf, type ReportInput } from "./json.ts";
import { headline } from "./markdown.ts";

// Characters XML 1.0 does not allow at all (they cannot even be escaped).
const INVALID_XML = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function xmlEscape(s: string): string {
  return s
    .replace(INVALID_XML, "\uFFFD")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

export interface CaseResult {
  passed: boolean;
  /** "fail" | "inconclusive" | "unexpected-rollback" | "missing-rollback" when not passed. */
  type: string | null;
  message: string | null;
}

/** Whether a run counts as a passing test: pass passes, unless a rollback was expected; rolled-back passes only if expected. */
export function caseResult(input: ReportInput): CaseResult {
  const v = input.verdict;
  const expect = input.expectRollback ?? false;
  switch (v.outcome) {
    case "pass":
      return expect
        ? { passed: false, type: "missing-rollback", message: "expected a rollback, but the run passed without one" }
        : { passed: true, type: null, message: null };
    case "rolled-back":
      return expect
        ? { passed: true, type: null, message: null }
        : { passed: false, type: "unexpected-rollback", message: `unexpected rollback: ${v.rollback.reason ?? "no reason"}` };
    case "fail":
    case "inconclusive":
      return { passed: false, type: v.outcome, message: headline(input) };
  }
}

export function junitXml(runs: ReportInput | ReportInput[]): string {
  const list = Array.isArray(runs) ? runs : [runs];
  const results = list.map(caseResult);
  const failures = results.filter((r) => !r.passed).length;
  const secs = (ms: number) => (Math.max(0, ms) / 1000).toFixed(3);
  const totalMs = list.reduce((n, r) => n + (r.verdict.endedAt - r.verdict.startedAt), 0);
  const first = list.reduce((m, r) => Math.min(m, r.verdict.startedAt), Infinity);
  const a = (s: string | number) => `"${xmlEscape(String(s))}"`;

  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(`<testsuites name="nodrop" tests=${a(list.length)} failures=${a(failures)} errors="0" time=${a(secs(totalMs))}>`);
  out.push(
    `  <testsuite name="nodrop" tests=${a(list.length)} failures=${a(failures)} errors="0" skipped="0" ` +
      `time=${a(secs(totalMs))}${Number.isFinite(first) ? ` timestamp=${a(iso(first).replace(/Z$/, ""))}` : ""}>`,
  );
  list.forEach((run, i) => {
    const r = results[i]!;
    const v = run.verdict;
    const name = `${strategyOf(run)} ${run.runId}`;
    out.push(`    <testcase name=${a(name)} classname=${a(`nodrop.${strategyOf(run)}`)} time=${a(secs(v.endedAt - v.startedAt))}>`);
    out.push("      <properties>");
    const props: Array<[string, string | number]> = [
      ["outcome", v.outcome],
      ["requests.total", v.requests.total],
      ["requests.inDeployWindow", v.requests.inDeployWindow],
      ["requests.failed", v.requests.failed],
      ["rate.achieved", v.rate.achieved],
      ["expectRollback", String(run.expectRollback ?? false)],
      ...v.probes.flatMap((p): Array<[string, number]> => {
        const k = `probe.${p.conn || "unknown"}`;
        return [
          [`${k}.requests`, p.requests],
          [`${k}.failed`, p.failed],
          [`${k}.inDeployWindow`, p.inDeployWindow],
          [`${k}.failedInDeployWindow`, p.failedInDeployWindow],
        ];
      }),
      ["dropped.total", v.dropped.total ?? "unknown"],
      ["dropped.inWindows", v.dropped.inWindows],
      ["evidence.missing", v.evidence.filter((c) => !c.ok).map((c) => c.check).join(", ")],
    ];
    for (const [k, val] of props) out.push(`        <property name=${a(k)} value=${a(val)}/>`);
    out.push("      </properties>");
    if (!r.passed) {
      out.push(`      <failure message=${a(r.message ?? "")} type=${a(r.type ?? "fail")}>${xmlEscape(v.reasons.join("\n"))}</failure>`);
    }
    out.push(`      <system-out>${xmlEscape([headline(run), ...v.reasons].join("\n"))}</system-out>`);
    out.push("    </testcase>");
  });
  out.push("  </testsuite>");
  out.push("</testsuites>");
  return out.join("\n") + "\n";
}
