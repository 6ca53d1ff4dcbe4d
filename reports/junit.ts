// junit.xml: one testsuite "nodrop", one testcase per run, written by the
// one JUnit writer (junit-writer.ts): a run judged bad is a <failure>, an
// inconclusive one an <error> (it could not be judged).
import { iso, strategyOf, type ReportInput } from "./json.ts";
import { junitDocument, type JunitCase } from "./junit-writer.ts";
import { headline } from "./text.ts";

export { xmlEscape } from "./junit-writer.ts";

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
  const totalMs = list.reduce((n, r) => n + (r.verdict.endedAt - r.verdict.startedAt), 0);
  const first = list.reduce((m, r) => Math.min(m, r.verdict.startedAt), Infinity);
  const cases = list.map((run): JunitCase => {
    const r = caseResult(run);
    const v = run.verdict;
    const problem = r.passed ? undefined : { message: r.message ?? "", type: r.type ?? "fail", body: v.reasons.join("\n") };
    return {
      name: `${strategyOf(run)} ${run.runId}`,
      classname: `nodrop.${strategyOf(run)}`,
      time: (v.endedAt - v.startedAt) / 1000,
      properties: [
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
      ],
      // An inconclusive run was not judged: an error, not a failure.
      ...(problem ? (r.type === "inconclusive" ? { error: problem } : { failure: problem }) : {}),
      systemOut: [headline(run), ...v.reasons].join("\n"),
    };
  });
  return junitDocument("nodrop", [{ name: "nodrop", time: totalMs / 1000, ...(Number.isFinite(first) ? { timestamp: iso(first).replace(/Z$/, "") } : {}), cases }]);
}
