// The one pipeline: an ordered list of steps, each with a status line and a
// cleanup registered the moment it creates something.
//
//   cluster → reap orphans → image → namespace + watches → deploy v1 →
//   target answers → bundle scenario → k6 → warm-up → rollouts → cool-down →
//   stop k6 → verdict → reports → cleanup
//
// Whatever ends the run early — an error, Ctrl-C (SIGINT/SIGTERM), a cluster
// component that died, k6 exiting on its own — the run still stops k6, judges
// what it recorded (never `pass`) and writes its reports before the cleanup.
import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { type AbortCause, describeCause, RunAbort, RunAbortedError, withAbortScope } from "./abort.ts";
import { signalExitCode, withCleanup } from "./cleanup.ts";
import { ensureCluster } from "./cluster/ensure.ts";
import { providerFor } from "./cluster/index.ts";
import { canClearNodePortState, canObserveKubeProxy, canTrackConnections, canWatchFaults, PROJECT_ROOT, type ClusterProvider, type ComponentFault } from "./cluster/provider.ts";
import { type RunConfig, usesDatabase, wantedNodes } from "./config.ts";
import { strategyFor } from "./deploy/index.ts";
import type { DeployContext, RolloutResult } from "./deploy/strategy.ts";
import { buildAppImage } from "./images/app-image.ts";
import { Kube } from "./kube.ts";
import { bundleScenario, bundleUserScenario } from "./load/bundle.ts";
import { requestsFromSummary } from "./load/k6-metrics.ts";
import { startK6 } from "./load/k6.ts";
import type { K6Run, K6StopResult } from "./load/k6-types.ts";
import { startOperatorLoad, unaskedEnds, type OperatorRun } from "./load/operator/load.ts";
import { runnerShares } from "./verdict/runners.ts";
import { serviceTarget } from "./load/operator/target.ts";
import { log, step } from "./log.ts";
import { EventLog } from "./observe/events.ts";
import { watchNamespace } from "./observe/watch.ts";
import { apiErrorText } from "./api-error.ts";
import { clusterVersions, nodropVersion, type RunVersions } from "./run-versions.ts";
import { CONNTRACK_FILE, type ConnectionTracking, startConnectionTracking } from "./observe/connections.ts";
import { readConnections } from "./observe/conntrack.ts";
import { ownSourceAddressOfVu } from "./load/sources.ts";
import { attributeSamples } from "./verdict/attribution.ts";
import { type ProxyWatch, watchKubeProxy } from "./observe/kube-proxy.ts";
import { ANNOTATION_KEEP, ANNOTATION_OWNER, formatOwner, selfOwner } from "./owner.ts";
import { reapOrphans } from "./reap.ts";
import { waitTargetAnswers } from "./target.ts";
import { toolPaths } from "./tools.ts";
import { judge } from "./verdict/analyze.ts";
import { podsReplacedFrom } from "./verdict/evidence/pods.ts";
import { exitCodeFor } from "./verdict/exit-code.ts";
import { drainSummary, explainDrain } from "./verdict/drain.ts";
import { dropCancelledAtStop, dropCancelledByRunnerEnds } from "./verdict/cancelled.ts";
import { readSamples } from "./verdict/samples.ts";
import { waitFor } from "./wait.ts";
import { faultAfterFailure, watchRun } from "./watchdog.ts";
import { scenarioEnv } from "../scenarios/lib/params.ts";
import { chartData, writeReports } from "../reports/index.ts";
import { applyAll } from "./deploy/apply.ts";
import { appConfig, loadUserApp, requestEnv } from "./userapp/load.ts";
import { placeCompanion } from "./userapp/companions.ts";
import { RUN_DEPLOYMENT_NAME } from "./deploy/rolling.ts";
import { setupIngress } from "./ingress/index.ts";
import { setupDatabase } from "./deploy/database.ts";
import { migrationHooks } from "./deploy/migration.ts";
import type { RunOptions, RunResult } from "./pipeline/state.ts";

export type { RunOptions, RunResult } from "./pipeline/state.ts";

export const RUNS_DIR = join(PROJECT_ROOT, "reports", "runs");

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
      let k6: K6Run | undefined;
      let stopResult: K6StopResult | undefined;
      let rolledBack: RolloutResult["rolledBack"];
      let failure: Error | undefined;
      let k6ExitInfo: string | undefined;
      let watchdog: { stop: () => void } | undefined;
      let faultsNow: (() => Promise<ComponentFault[]>) | undefined;
      let logsOnFailure: ClusterProvider | undefined;
      let proxyWatch: ProxyWatch | undefined;
      let collectFront: (() => Promise<void>) | undefined;
      let tracking: ConnectionTracking | undefined;
      const tools = toolPaths().versions;
      const ranOn: RunVersions = { nodrop: nodropVersion(), kubernetes: null, nodes: [], k6: tools.k6, kind: config.provider === "kind" ? tools.kind : null, app: [] };

      // The body: every wait inside it ends at once when the run is aborted.
      try {
        await withAbortScope(abort, async () => {
          // Cluster: reuse a healthy one; one this run brings up is torn down at the end.
          const provider = opts.provider ?? providerFor(config.provider, { kubeconfig: config.kubeconfig, context: config.context, nodes: wantedNodes(config) });
          const created = !opts.provider && (await ensureCluster(provider, cleanup, join(runDir, "cluster-logs")));
          // A run that fails on a cluster it did not bring up still keeps the cluster's logs.
          if (!created) logsOnFailure = provider;
          abort.throwIfAborted();

          const kube = new Kube(provider.kubeconfigPath(), provider.context());
          Object.assign(ranOn, await clusterVersions(kube));
          const reaped = await reapOrphans(kube);
          if (reaped.length) log.warn(`deleted ${reaped.length} namespace(s) left by runs whose harness died: ${reaped.map((r) => `${r.name} (owner ${r.owner})`).join(", ")}`);

          const image = app
            ? await step(`app image${app.versionImages ? `s ${app.versionImages.join(", ")}` : ` ${app.image}`} (from ${[...new Set(app.imports.map((x) => relative(process.cwd(), x.archive) || x.archive))].join(", ")}, imported)`, async () => {
                for (const x of app.imports) await provider.loadImage(x.archive, x.ref);
                ranOn.app = app.versionImages ?? [app.image];
                return app.image;
              })
            : await step("sample app image (built locally, imported)", async () => {
                const img = await buildAppImage(join(PROJECT_ROOT, ".nodrop", "images"));
                await provider.loadImage(img.archive, img.name);
                ranOn.app = [img.name];
                return img.name;
              });
          abort.throwIfAborted();

          const namespace = `nodrop-${runId}`;
          cleanup.defer(`delete namespace ${namespace}`, async () => {
            await writeFile(join(runDir, "k8s-events.txt"), await kube.describeEvents(namespace, 200)).catch(() => {});
            await kube.releaseNamespace(namespace);
          });
          await step(`namespace ${namespace}`, () =>
            kube.createNamespace(namespace, runId, { [ANNOTATION_OWNER]: formatOwner(selfOwner()), ...(config.keep ? { [ANNOTATION_KEEP]: "true" } : {}) }),
          );
          const watches = watchNamespace(kube, namespace, events);
          cleanup.defer("stop watches", () => watches.stop(), { always: true });
          if (canObserveKubeProxy(provider)) {
            const urls = await provider.kubeProxyMetricsUrls().catch((e: Error) => {
              events.record("kube-proxy-metrics-unreachable", { message: e.message });
              return [];
            });
            const proxy = (proxyWatch = watchKubeProxy(urls, events));
            cleanup.defer("stop kube-proxy metrics", () => proxy.stop(), { always: true });
          }
          // From here on a dead component or a dead k6 ends the run within a second.
          if (canWatchFaults(provider)) faultsNow = () => provider.faults();
          watchdog = watchRun({
            abort,
            ...(faultsNow ? { faults: faultsNow } : {}),
            k6Exited: () => k6ExitInfo,
          });

          const ctx: DeployContext = { config, kube, provider, namespace, runId, image, events, runDir, defer: (name, fn) => cleanup.defer(name, fn, { always: true }), ...(app ? { app } : {}) };
          if (app?.extras.length) {
            const place = { runId, namespace, deploymentName: app.deployment.metadata?.name ?? "", runDeploymentName: RUN_DEPLOYMENT_NAME };
            await step(`the app's ${app.extras.length} other object(s) (${[...new Set(app.extras.map((o) => String(o["kind"])))].join(", ")})`, () => applyAll(ctx, app.extras.map((o) => placeCompanion(o, place)), "app objects"));
          }
          if (usesDatabase(config)) {
            const db = await step("PostgreSQL in the run namespace (Debian's build, packed locally), with v1's schema", () => setupDatabase(ctx));
            ctx.databaseUrl = db.url;
            const hooks = migrationHooks(config.migration, events, db.sql);
            if (hooks) ctx.migration = hooks;
          }
          const strategy = strategyFor(config.strategy, config.scenario, config.canaryBy);
          const appService = await step(`deploy v1 (${strategy.name})`, () => strategy.setup(ctx, "v1"));
          // path=ingress: the load enters through an ingress controller in front of the app's Service.
          const front = config.path === "ingress" ? await step(`ingress controller in front of the app (${config.ingressController}, packed locally)`, () => setupIngress(ctx)) : undefined;
          if (front?.router) ctx.router = front.router;
          if (front?.collect) collectFront = front.collect;
          const { nodePort } = front ?? appService;
          const target = `http://127.0.0.1:${provider.hostPortFor(nodePort)}${app?.path ?? "/"}`;
          await step(`target ${target} answers 200`, () => waitTargetAnswers(target, { timeoutMs: 60_000, diagnose: () => kube.describeEvents(namespace) }));
          if (canClearNodePortState(provider)) await step(`forget the nodes' connection tracking for NodePort ${nodePort}`, () => provider.clearNodePortState(nodePort));
          // Which pod each of k6's connections went to: versions without the app's header.
          if (canTrackConnections(provider) && config.load !== "operator" && !front) {
            const hostPort = provider.hostPortFor(nodePort);
            // Without it the run goes on: versions then come from headers only, and the gate judges every request (deploy/strategy.ts).
            tracking = await step(`connection tracking for port ${hostPort} (conntrack: the pod behind each connection)`, async () =>
              startConnectionTracking(await provider.connectionEventsArgv(hostPort), hostPort, runDir, events),
            ).catch((e: Error) => {
              if (e instanceof RunAbortedError) throw e;
              events.record("connection-tracking-unavailable", { message: e.message });
              log.warn(`connection tracking unavailable, versions come from response headers only: ${e.message.split("\n")[0]}`);
              return undefined;
            });
            const t = tracking;
            if (t) cleanup.defer("stop connection tracking", () => t.stop(), { always: true });
          }

          const script = app?.scenario
            ? await step(`bundle your scenario ${relative(process.cwd(), app.scenario) || app.scenario} (tsc + esbuild, with nodrop/scenario)`, () => bundleUserScenario(app.scenario!, runDir))
            : await step("bundle scenario (tsc + esbuild)", () => bundleScenario(join(PROJECT_ROOT, "scenarios", "deploy-load.ts"), runDir));
          abort.throwIfAborted();

          // The load's duration is only a safety cap: the harness stops k6 when the
          // deploys are done, and k6 gets SIGINT if the harness dies.
          const capS = Math.ceil(config.warmup + config.cooldown + config.rollouts * (config.deployTimeout * 2 + 60) + 60);
          const scenarioParams = { rate: config.rate, durationS: capS, maxVUs: config.maxVUs, warmupS: config.warmup, timeoutS: config.requestTimeout, newConnShare: config.newConnShare, method: config.method, streams: config.streams, streamS: config.streamSeconds, ...(app ? { versionHeader: app.versionHeader, podHeader: app.podHeader } : {}) };
          if (config.load === "operator") {
            const inCluster = `${await serviceTarget(kube, namespace, nodePort)}${app?.path ?? "/"}`;
            k6 = await step(`k6-operator: ${config.runners} runner(s) on the cluster, ${config.rate} req/s in all to ${inCluster}`, () =>
              startOperatorLoad({
                kube,
                provider,
                namespace,
                runId,
                runDir,
                script,
                runners: config.runners,
                env: { ...scenarioEnv({ target: inCluster, targetScope: "cluster", ...scenarioParams }), ...requestEnv(app) },
                apply: (objects, note) => applyAll(ctx, objects, note),
                defer: (name, fn) => cleanup.defer(name, fn, { always: true }),
              }),
            );
          } else {
            k6 = await step(`k6: ${config.rate} req/s to ${target}`, () =>
              startK6({ script, runDir, k6Path: toolPaths().k6, env: { ...scenarioEnv({ target, ...scenarioParams }), ...requestEnv(app) }, ...(tracking ? { attribute: tracking.attribute } : {}) }),
            );
          }
          const started = k6;
          void started.exited.then((x) => (k6ExitInfo = x.detail ?? `exit code ${x.exitCode ?? "none"}, signal ${x.signal ?? "none"}`));
          cleanup.defer(
            "stop k6",
            async () => {
              stopResult ??= await started.stop();
            },
            { always: true },
          );
          ctx.load = started;

          events.phase("warmup");
          await step(`warm-up ${config.warmup} s`, () => waitLoadFor(started, config.warmup * 1000, "warm-up"));
          let version = 1;
          for (let i = 1; i <= config.rollouts && !rolledBack; i++) {
            const from = `v${version}`;
            const to = strategy.keepsVersion ? from : `v${version + 1}`;
            const what = strategy.keepsVersion ? `${strategy.name} ${i}/${config.rollouts} (${from} stays)` : `rollout ${i}/${config.rollouts}: ${from} → ${to} (${strategy.name})`;
            const r = await step(what, () => Promise.race([strategy.rollout(ctx, from, to, i), abort.aborted]));
            if (r.rolledBack) {
              rolledBack = r.rolledBack;
              log.warn(`rolled back: ${r.rolledBack.reason}`);
            } else if (!strategy.keepsVersion) version++;
          }
          events.phase("cooldown");
          await step(`cool-down ${config.cooldown} s`, () => waitLoadFor(started, config.cooldown * 1000, "cool-down"));
        });
      } catch (e) {
        failure = e as Error;
      }

      // Finish: stop the load, judge what was recorded, write the reports.
      watchdog?.stop();
      // A step that failed on a dead component (an API call refused) may have
      // done so before the watchdog's next look: name the component, not the symptom.
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
      if (k6) stopResult ??= await step("stop k6", () => k6!.stop());
      if (failure && logsOnFailure && cause?.kind !== "signal") {
        const p = logsOnFailure;
        await step("cluster logs into the run folder", () => p.collectLogs(join(runDir, "cluster-logs"))).catch((e: Error) => log.warn(`cluster logs: ${e.message}`));
      }
      // kube-proxy's last syncs and its programming histogram belong to this run's events.
      await proxyWatch?.stop();
      // So do the ingress proxy's own records of the run (nginx's upstream closes).
      if (collectFront) await step("the ingress proxy's log into the run's events", collectFront).catch((e: Error) => log.warn(`ingress proxy's log: ${e.message}`));
      const endedAt = Date.now();
      events.record("run-end", { ...(stopResult ? { k6: stopResult } : {}) });

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

/** Resolves once k6's samples cover `ms` more milliseconds from now (the load really ran that long). */
async function waitLoadFor(k6: K6Run, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  let exited: string | undefined;
  void k6.exited.then((x) => (exited = x.detail ?? `k6 exited during the run (see ${k6.files.log})`));
  await waitFor(`${what}: load samples up to ${new Date(until).toISOString()}`, () => (k6.counts().lastT ?? 0) >= until, {
    timeoutMs: ms + 30_000,
    intervalMs: 100,
    fatal: () => exited,
  });
}
