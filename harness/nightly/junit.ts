// junit.xml of a night: a <testsuite> per scenario, a <testcase> per rollout
// and one for the whole run. A regression fails the whole-run case (every
// problem in it) and each rollout case with a problem or failed requests;
// an inconclusive scenario is an <error>.
import { xmlEscape } from "../../reports/junit.ts";
import type { NightlyEntry } from "./report.ts";

interface Case {
  name: string;
  failure?: string;
  error?: string;
}

function casesOf(e: NightlyEntry): Case[] {
  const j = e.judgement;
  const cases: Case[] = e.numbers.rollouts.map((r) => {
    const mine = j.problems.filter((p) => p.startsWith(`${r.label}: `));
    const failing = j.result === "regression" && (mine.length > 0 || r.failed > 0);
    return { name: `${e.scenario} · ${r.label}`, ...(failing ? { failure: mine.join("\n") || `${r.label}: ${r.failed} failed requests` } : {}) };
  });
  const whole: Case = { name: `${e.scenario} · whole run` };
  if (j.result === "regression") whole.failure = j.problems.join("\n");
  if (j.result === "inconclusive") whole.error = j.problems.join("\n");
  return [...cases, whole];
}

export function nightlyJunit(suite: string, night: string, entries: readonly NightlyEntry[]): string {
  let tests = 0;
  let failures = 0;
  let errors = 0;
  const suites = entries.map((e) => {
    const cases = casesOf(e);
    const f = cases.filter((c) => c.failure !== undefined).length;
    const er = cases.filter((c) => c.error !== undefined).length;
    tests += cases.length;
    failures += f;
    errors += er;
    const body = cases
      .map((c) => {
        const cls = `nodrop.nightly.${suite}`;
        const inner =
          c.failure !== undefined
            ? `<failure message="${xmlEscape(c.failure.split("\n")[0] ?? "")}">${xmlEscape(c.failure)}</failure>`
            : c.error !== undefined
              ? `<error message="${xmlEscape(c.error.split("\n")[0] ?? "")}">${xmlEscape(c.error)}</error>`
              : "";
        return `    <testcase name="${xmlEscape(c.name)}" classname="${xmlEscape(cls)}">${inner}</testcase>`;
      })
      .join("\n");
    const props = `    <system-out>${xmlEscape(`run ${e.runId}: ${e.runDir}/report.md\n${e.numbers.failed} of ${e.numbers.requests} requests failed; disruption ${e.numbers.disruptionSeconds.toFixed(1)} s; verdict ${e.numbers.verdict}`)}</system-out>`;
    return `  <testsuite name="${xmlEscape(e.scenario)}" tests="${cases.length}" failures="${f}" errors="${er}">\n${body}\n${props}\n  </testsuite>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${xmlEscape(`nodrop nightly ${suite} ${night}`)}" tests="${tests}" failures="${failures}" errors="${errors}">\n${suites.join("\n")}\n</testsuites>\n`;
}
