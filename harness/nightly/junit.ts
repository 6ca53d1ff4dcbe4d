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
import { xmlEscape } from "../../reports/junit.ts";
import type { NightlyEntry } from "./report.ts";

interface Case {
  name: string;
  failure?: string;
  error?: string;
}

const reqs = (n: number) => `${n} failed request${n === 1 ? "" : "s"}`;

function casesOf(e: NightlyEntry): Case[] {
  const j = e.judgement;
  const inconclusive = j.result === "inconclusive" ? { error: j.problems.join("\n") || "inconclusive" } : {};
  const cases: Case[] = e.numbers.rollouts.map((r) => {
    const mine = j.problems.filter((p) => p.startsWith(`${r.label}: `));
    const bad = j.result === "regression" || j.result === "failed";
    const failing = bad && (mine.length > 0 || r.failed > 0);
    const failure = mine.join("\n") || `${r.label}: ${reqs(r.failed)} (the scenario ${j.result === "failed" ? "failed" : "regressed"})`;
    return { name: `${e.scenario} · ${r.label}`, ...(failing ? { failure } : {}), ...inconclusive };
  });
  const whole: Case = { name: `${e.scenario} · whole run`, ...inconclusive };
  if (j.result === "regression" || j.result === "failed") whole.failure = j.problems.join("\n");
  return [...cases, whole];
}

const attr = (s: string | number) => `"${xmlEscape(String(s))}"`;

function caseXml(c: Case, classname: string): string {
  const inner =
    c.failure !== undefined
      ? `<failure message=${attr(c.failure.split("\n")[0] ?? "")}>${xmlEscape(c.failure)}</failure>`
      : c.error !== undefined
        ? `<error message=${attr(c.error.split("\n")[0] ?? "")}>${xmlEscape(c.error)}</error>`
        : "";
  return `    <testcase name=${attr(c.name)} classname=${attr(classname)}>${inner}</testcase>`;
}

export function nightlyJunit(suite: string, night: string, entries: readonly NightlyEntry[]): string {
  const classname = `nodrop.nightly.${suite}`;
  const total = { tests: 0, failures: 0, errors: 0 };
  const suites = entries.map((e) => {
    const cases = casesOf(e);
    const failures = cases.filter((c) => c.failure !== undefined).length;
    const errors = cases.filter((c) => c.failure === undefined && c.error !== undefined).length;
    total.tests += cases.length;
    total.failures += failures;
    total.errors += errors;
    const n = e.numbers;
    const out = `run ${e.runId}: ${e.runDir}/report.md\n${n.failed} of ${n.requests} requests failed; disruption ${n.disruptionSeconds.toFixed(1)} s; verdict ${n.verdict}`;
    return [
      `  <testsuite name=${attr(e.scenario)} tests="${cases.length}" failures="${failures}" errors="${errors}">`,
      ...cases.map((c) => caseXml(c, classname)),
      `    <system-out>${xmlEscape(out)}</system-out>`,
      "  </testsuite>",
    ].join("\n");
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name=${attr(`nodrop nightly ${suite} ${night}`)} tests="${total.tests}" failures="${total.failures}" errors="${total.errors}">`,
    ...suites,
    "</testsuites>",
    "",
  ].join("\n");
}
