// The one pipeline: the phases of a run in order, each in its own file under
// pipeline/, sharing one state object (pipeline/state.ts) and registering the
// cleanup of what it creates the moment it creates it.
//
//   cluster (+ reap orphans, image) → namespace (+ watches, watchdog) →
//   deploy (v1, target) → load (bundle scenario, k6) → rollouts (warm-up,
//   rollouts, cool-down) → stop k6 → verdict → reports → cleanup
//
// (The finish — stop k6, verdict, reports — is still inline below.)
//
// Whatever ends the run early — an error, Ctrl-C (SIGINT/SIGTERM), a cluster
// component that died, k6 exiting on its own — the run still stops k6, judges
// what it recorded (never `pass`) and writes its reports before the cleanup.
import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { type AbortCause, describeCause, RunAbort, RunAbortedError, withAbortScope } from "./abort.ts";
import { signalExitCode, withCleanup } from "./cleanup.ts";
import { PROJECT_ROOT } from "./cluster/provider.ts";
import type { RunConfig } from "./config.ts";
import { requestsFromSummary } from "./load/k6-metrics.ts";
import type { K6StopResult } from "./load/k6-types.ts";
import { unaskedEnds, type OperatorRun } from "./load/operator/load.ts";
import { runnerShares } from "./verdict/runners.ts";
import { log, step } from "./log.ts";
import { EventLog } from "./observe/events.ts";
import { apiErrorText } from "./api-error.ts";
import { CONNTRACK_FILE } from "./observe/connections.ts";
import { readConnections } from "./observe/conntrack.ts";
import { ownSourceAddressOfVu } from "./load/sources.ts";
import { attributeSamples } from "./verdict/attribution.ts";
import { toolPaths } from "./tools.ts";
import { judge } from "./verdict/analyze.ts";
import { podsReplacedFrom } from "./verdict/evidence/pods.ts";
import { exitCodeFor } from "./verdict/exit-code.ts";
import { drainSummary, explainDrain } from "./verdict/drain.ts";
import { dropCancelledAtStop, dropCancelledByRunnerEnds } from "./verdict/cancelled.ts";
import { readSamples } from "./verdict/samples.ts";
import { faultAfterFailure } from "./watchdog.ts";
import { chartData, writeReports } from "../reports/index.ts";
import { appConfig, loadUserApp } from "./userapp/load.ts";
import { clusterPhase } from "./pipeline/cluster.ts";
import { deployPhase } from "./pipeline/deploy.ts";
import { loadPhase } from "./pipeline/load.ts";
import { namespacePhase } from "./pipeline/namespace.ts";
import { rolloutsPhase } from "./pipeline/rollouts.ts";
import { newRunState, type Phase, type RunOptions, type RunResult } from "./pipeline/state.ts";

export type { RunOptions, RunResult } from "./pipeline/state.ts";

export const RUNS_DIR = join(PROJECT_ROOT, "reports", "runs");

/** The body of a run, in order: every wait inside it ends at once when the run is aborted. */
const PHASES: readonly Phase[] = [clusterPhase, namespacePhase, deployPhase, loadPhase, rolloutsPhase];

export function newRunId(now = new Date()): string {
  const ts = now.toISOString().replace(/[-:T]/g, "").slice(0, 14);
  return `r${ts}-${randomBytes(2).toString("hex")}`;
}

export async function runPipeline(input: RunConfig, opts: RunOptions = {}): Promise<RunResult> {
  // A user's app is read and checked before anything else (ConfigError: exit 2).
  const app = opts.app ?? (input.app ? await loadUserApp(input.app) : undefined);
  const config = app ? appConfig(input, app) : input;
  const runId = config.runId ?? newRunId();
  const runDir = join(RUNS_DIR, runId);
  await mkdir(runDir, { recursive: true });
  await writeFile(join(runDir, "config.json"), JSON.stringify({ ...config, runId }, null, 2));
  const events = new EventLog(join(runDir, "events.ndjson"));
  log.info(`run ${runId}${opts.label ? ` (${opts.label})` : ""}: strategy=${config.strategy}, provider=${config.provider}, output in ${relative(process.cwd(), runDir) || runDir}`);
  const abort = new RunAbort();

  return withCleanup(
    async (cleanup) => {
      const startedAt = Date.now();
      events.record("run-start", { runId });
      const s = newRunState({ config, opts, app, runId, runDir, events, abort, cleanup, startedAt });

      // The body: the first phase that fails (or is aborted) ends it.
      try {
        await withAbortScope(abort, async () => {
          for (const phase of PHASES) await phase(s);
        });
      } catch (e) {
        s.failure = e as Error;
      }

      // Finish: stop the load, judge what was recorded, write the reports.
      s.watchdog?.stop();
      // A step that failed on a dead component (an API call refused) may have
      // done so before the watchdog's next look: name the component, not the symptom.
      const { failure, faultsNow, logsOnFailure, tracking, rolledBack } = s;
      if (failure && !abort.cause && faultsNow) {
        const cause = await faultAfterFailure(faultsNow);
        if (cause) abort.abort(cause);
      }
      const cause: AbortCause | undefined = abort.cause ?? (failure instanceof RunAbortedError ? failure.abortCause : undefined);
      let broken: string | undefined;
      if (failure) {
        const message = cause ? describeCause(cause) : apiErrorText(failure);
        if (cause?.kind !== "signal") broken = message.split("\n")[0];
        events.record("run-error", { message, ...(cause ? { cause } : {}) });
        log.error(`run aborted: ${message}`);
      }
      const k6 = s.k6;
      if (k6) s.stopResult ??= await step("stop k6", () => k6.stop());
      if (failure && logsOnFailure && cause?.kind !== "signal") {
        const p = logsOnFailure;
        await step("cluster logs into the run folder", () => p.collectLogs(join(runDir, "cluster-logs"))).catch((e: Error) => log.warn(`cluster logs: ${e.message}`));
      }
      // kube-proxy's last syncs and its programming histogram belong to this run's events.
      await s.proxyWatch?.stop();
      // So do the ingress proxy's own records of the run (nginx's upstream closes).
      const collectFront = s.collectFront;
      if (collectFront) await step("the ingress proxy's log into the run's events", collectFront).catch((e: Error) => log.warn(`ingress proxy's log: ${e.message}`));
      const endedAt = Date.now();
      events.record("run-end", { ...(s.stopResult ? { k6: s.stopResult } : {}) });
      const stopResult = s.stopResult;

      const read = k6 ? await readSamples(k6.files.samples) : { samples: [], malformedLines: 0 };
      // Stopping k6 cancels the requests in flight at that moment; they are the
      // harness's doing, not the deploy's: dropped here, counted per code.
      // A stream in flight at the stop may have been open for up to streamSeconds.
      const inFlightS = config.streams > 0 ? Math.max(config.requestTimeout, config.streamSeconds + 10) : config.requestTimeout;
      const cancelled = dropCancelledAtStop(read.samples, stopResult?.stopRequestedAt ?? null, inFlightS * 1000);
      if (cancelled.cancelled > 0) events.record("cancelled-at-stop", { count: cancelled.cancelled, byCode: cancelled.byCode });
      // load=operator: a runner that ended unasked cancelled its own requests in flight.
      const runnerEnds = k6 && "runners" in k6 ? unaskedEnds((k6 as OperatorRun).runners()) : {};
      if (Object.keys(runnerEnds).length) {
        const byRunner = dropCancelledByRunnerEnds(cancelled.kept, runnerEnds, inFlightS * 1000);
        if (byRunner.cancelled > 0) events.record("cancelled-by-runner-end", { count: byRunner.cancelled, byCode: byRunner.byCode, runners: Object.keys(runnerEnds) });
        cancelled.kept = byRunner.kept;
      }
      // Versions the app did not name, from each request's connection (conntrack.ndjson).
      await tracking?.stop();
      const attribution = tracking ? attributeSamples(cancelled.kept, await readConnections(join(runDir, CONNTRACK_FILE)), events.events, ownSourceAddressOfVu) : undefined;
      const dropped = k6 ? await k6.dropped() : { total: null, series: [] };
      // Every request k6 sent must be a sample (a scenario of the user's own may forget one).
      // (Streams are requests to k6 too, and samples when they end.)
      const recorded = k6 && config.load !== "operator" ? { sent: await requestsFromSummary(k6.files.summary), lines: read.samples.length } : undefined;
      const k6Problem = k6Error(failure, cause, stopResult);
      const verdict = judge({
        samples: cancelled.kept,
        events: events.events,
        evidence: {
          podsReplaced: podsReplacedFrom(events.events),
          k6ExitCode: !stopResult ? -1 : failure ? -1 : stopResult.clean ? 0 : stopResult.exitCode,
          ...(k6Problem ? { k6Error: k6Problem } : {}),
          ...(rolledBack ? { rolledBack } : {}),
          ...(cause?.kind === "signal" ? { interrupted: cause.signal } : {}),
          ...(cause?.kind === "fault" ? { fault: { at: cause.at, component: cause.component, message: cause.message } } : {}),
        },
        config: {
          minRequestsInWindow: config.minRequestsInWindow,
          targetRate: config.rate,
          latency: { factor: config.latencyFactor, floorMs: config.latencyFloorMs, medianFloorMs: config.latencyMedianFloorMs },
        },
        startedAt,
        endedAt,
        malformedLines: read.malformedLines,
        dropped,
        cancelledAtStop: cancelled.byCode,
        ...(attribution ? { attribution } : {}),
        ...(recorded ? { recorded } : {}),
      });
      const loadRunners = k6 && "runners" in k6 ? runnerShares(cancelled.kept, (k6 as OperatorRun).runners(), `Grafana's k6-operator ${toolPaths().k6Operator.version}`) : undefined;
      const drainFacts = config.scenario === "drain" ? drainSummary(events.events, cancelled.kept) : null;
      const drain = drainFacts ? { ...drainFacts, explanation: explainDrain(drainFacts, config.pdb) } : undefined;
      if (drain) log.info(`drain: ${drain.explanation}`);
      const chart = chartData(verdict, cancelled.kept, events.events);
      const written = await writeReports(runDir, {
        ...(drain ? { drain } : {}),
        ...(loadRunners ? { loadRunners } : {}),
        chart,
        runId,
        ...(opts.label || config.scenario !== "deploy" ? { strategy: `${config.scenario === "drain" ? `node drain${config.pdb ? " with a PDB" : ", no PDB"}` : config.strategy}${opts.label ? ` — ${opts.label}` : ""}` } : {}),
        config,
        verdict,
        ranOn: s.ranOn,
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
        ranOn: s.ranOn,
        ...(broken && verdict.outcome !== "fail" ? { broken } : {}),
        ...(cause?.kind === "signal" ? { interrupted: cause.signal } : {}),
      };
    },
    { keep: config.keep, onSignal: (signal) => abort.abort({ kind: "signal", signal, at: Date.now() }) },
  );
}

/** What went wrong with the load, for the verdict (undefined: nothing). */
function k6Error(failure: Error | undefined, cause: AbortCause | undefined, stop: K6StopResult | undefined): string | undefined {
  if (cause) return `run aborted: ${describeCause(cause).split("\n")[0]}`;
  if (failure) return `run aborted: ${apiErrorText(failure).split("\n")[0]}`;
  if (!stop) return "k6 never started";
  if (!stop.clean && stop.problem) return stop.problem;
  if (!stop.clean) return `k6 ended with exit code ${stop.exitCode ?? "?"} (signal ${stop.signal ?? "none"}, via ${stop.via})`;
  return undefined;
}
