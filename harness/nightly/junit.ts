// junit.xml of a night: a <testsuite> per scenario; in it a <testcase> per
// rollout ("<scenario> · <label>") and one for the whole run ("<scenario> ·
// whole run"), classname "nodrop.nightly.<suite>".
//   failed:       like a regression: the whole-run case fails, and every
//                 rollout case with failed requests;
//   regression:   the whole-run case fails (every problem in its body); a
//                 rollout case fails when it has a problem of its own (rule
//                 (c): the problem starts with "<label>: ") or failed requests;
//   inconclusive: every case of the scenario is an <error> (never a pass);
//   new, ok:      every case passes.
// tests/failures/errors are counted per <testsuite> and for <testsuites>.
import { junitDocument, type JunitCase } from "../../reports/junit-writer.ts";
import type { NightlyEntry } from "./report.ts";

const reqs = (n: number) => `${n} failed request${n === 1 ? "" : "s"}`;

function casesOf(e: NightlyEntry, classname: string): JunitCase[] {
  const j = e.judgement;
  const bad = j.result === "regression" || j.result === "failed";
  const inconclusive = j.result === "inconclusive" ? { error: { message: j.problems.join("\n") || "inconclusive" } } : {};
  const cases: JunitCase[] = e.numbers.rollouts.map((r) => {
    const mine = j.problems.filter((p) => p.startsWith(`${r.label}: `));
    const failing = bad && (mine.length > 0 || r.failed > 0);
    const failure = mine.join("\n") || `${r.label}: ${reqs(r.failed)} (the scenario ${j.result === "failed" ? "failed" : "regressed"})`;
    return { name: `${e.scenario} · ${r.label}`, classname, ...(failing ? { failure: { message: failure } } : {}), ...inconclusive };
  });
  const whole: JunitCase = { name: `${e.scenario} · whole run`, classname, ...inconclusive, ...(bad ? { failure: { message: j.problems.join("\n") } } : {}) };
  return [...cases, whole];
}

export function nightlyJunit(suite: string, night: string, entries: readonly NightlyEntry[]): string {
  const classname = `nodrop.nightly.${suite}`;
  return junitDocument(
    `nodrop nightly ${suite} ${night}`,
    entries.map((e) => {
      const n = e.numbers;
      return {
        name: e.scenario,
        cases: casesOf(e, classname),
        systemOut: `run ${e.runId}: ${e.runDir}/report.md\n${n.failed} of ${n.requests} requests failed; disruption ${n.disruptionSeconds.toFixed(1)} s; verdict ${n.verdict}`,
      };
    }),
  );
}
