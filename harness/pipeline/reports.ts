// The finish, last part: the reports, always written (report.md, report.html,
// summary.json, junit.xml, with the run's label and the list of its raw
// artifacts), the exit code (signals 130/143; an error 3 unless requests were
// already dropped; else the verdict's), the verdict's status line, and the
// RunResult the callers get.
import { join, relative } from "node:path";
import { signalExitCode } from "../cleanup.ts";
import type { RunConfig } from "../config.ts";
import { log } from "../log.ts";
import { CONNTRACK_FILE } from "../observe/connections.ts";
import { exitCodeFor } from "../verdict/exit-code.ts";
import { chartData, writeReports } from "../../reports/index.ts";
import type { Judged } from "./judge.ts";
import type { RunResult, RunState } from "./state.ts";
import type { RunEnd } from "./stop.ts";

export async function reportRun(s: RunState, end: RunEnd, judged: Judged): Promise<RunResult> {
  const { config, opts, runId, runDir, events, ranOn, failure, tracking } = s;
  const { cause, broken } = end;
  const { verdict, loadRunners, drain } = judged;
  const chart = chartData(verdict, judged.samples, events.events);
  const written = await writeReports(runDir, {
    ...(drain ? { drain } : {}),
    ...(loadRunners ? { loadRunners } : {}),
    chart,
    runId,
    ...(opts.label || config.scenario !== "deploy" ? { strategy: reportLabel(config, opts.label) } : {}),
    config,
    verdict,
    ranOn,
    ...(broken && verdict.outcome !== "fail" ? { error: broken } : {}),
    ...(opts.expectRollback !== undefined ? { expectRollback: opts.expectRollback } : {}),
    artifacts: ["samples.ndjson", "events.ndjson", ...(tracking ? [CONNTRACK_FILE] : []), "k6.log", "k6-summary.json", "scenario.js", "manifests.yaml", "config.json", ...(config.path === "ingress" ? ["ingress.log"] : []), ...(config.load === "operator" ? ["k6-operator.log"] : [])],
  });
  // Signals exit 130/143; any other early end is an infrastructure failure (3)
  // unless requests were already dropped (1).
  const exitCode = cause?.kind === "signal" ? signalExitCode(cause.signal) : failure && verdict.outcome !== "fail" ? 3 : exitCodeFor(verdict.outcome);
  const line = `verdict: ${verdict.outcome.toUpperCase()} — ${verdict.reasons[0] ?? ""}`;
  if (verdict.outcome === "pass") log.ok(line);
  else log.error(line);
  log.info(`report: ${relative(process.cwd(), written.markdown ?? join(runDir, "report.md"))}`);
  return {
    runId,
    runDir,
    verdict,
    exitCode,
    reportPath: join(runDir, "report.md"),
    chart,
    ranOn,
    ...(broken && verdict.outcome !== "fail" ? { broken } : {}),
    ...(cause?.kind === "signal" ? { interrupted: cause.signal } : {}),
  };
}

/** What the reports call the run (their `strategy`): the scenario's or strategy's name, then the caller's label. */
function reportLabel(config: RunConfig, label: string | undefined): string {
  return `${config.scenario === "drain" ? `node drain${config.pdb ? " with a PDB" : ", no PDB"}` : config.strategy}${label ? ` — ${label}` : ""}`;
}
