// Phase 4, the load: the scenario bundled (scenario.js: the sample's, or the
// user's own), then the load kind picked and started, either one local k6
// (samples.ndjson, k6.log, k6-summary.json) or load=operator, the
// k6-operator's runners on the cluster (k6-operator.log). Its exit is noted
// for the watchdog; its cleanup stops it, always (stop.ts stops it first on
// every path that reaches the finish: the first stop's result is the one kept).
import { join, relative } from "node:path";
import { backgroundWork, settleBackground } from "../background.ts";
import { PROJECT_ROOT } from "../cluster/provider.ts";
import { applyAll } from "../deploy/apply.ts";
import { bundleScenario, bundleUserScenario } from "../load/bundle.ts";
import { startK6 } from "../load/k6.ts";
import type { K6Run } from "../load/k6-types.ts";
import { startOperatorLoad } from "../load/operator/load.ts";
import { serviceTarget } from "../load/operator/target.ts";
import { step } from "../log.ts";
import { toolPaths } from "../tools.ts";
import { requestEnv } from "../userapp/load.ts";
import { scenarioEnv } from "../../scenarios/lib/params.ts";
import type { LoggingShape } from "../verdict/unlogged.ts";
import { need, type RunState } from "./state.ts";

export async function loadPhase(s: RunState): Promise<void> {
  const { app, runDir, abort, cleanup } = s;
  const ctx = need(s.ctx, "ctx");
  const script = app?.scenario
    ? await step(`bundle your scenario ${relative(process.cwd(), app.scenario) || app.scenario} (tsc + esbuild, with nodrop/scenario)`, () => bundleUserScenario(app.scenario!, runDir))
    : await step("bundle scenario (tsc + esbuild)", () => bundleScenario(join(PROJECT_ROOT, "scenarios", "deploy-load.ts"), runDir));
  abort.throwIfAborted();
  // An earlier run's namespace still being deleted (background.ts): this run's load starts on a quiet node.
  const earlier = backgroundWork();
  if (earlier.length) await step(`wait for the earlier run's cleanup (${earlier.join(", ")})`, () => Promise.race([settleBackground(), abort.aborted]));

  const started = (s.k6 = await startLoad(s, script));
  void started.exited.then((x) => (s.k6ExitInfo = x.detail ?? `exit code ${x.exitCode ?? "none"}, signal ${x.signal ?? "none"}`));
  cleanup.defer(
    "stop k6",
    async () => {
      s.stopResult ??= await started.stop();
    },
    { always: true },
  );
  ctx.load = started;
}

/** Starts the load config.load names: the k6-operator's runners in the cluster, or one k6 on this host. */
async function startLoad(s: RunState, script: string): Promise<K6Run> {
  const { config, app, runId, runDir, cleanup } = s;
  const provider = need(s.provider, "provider");
  const kube = need(s.kube, "kube");
  const namespace = need(s.namespace, "namespace");
  const ctx = need(s.ctx, "ctx");
  const nodePort = need(s.nodePort, "nodePort");
  const target = need(s.target, "target");
  const tracking = s.tracking;
  // The load's duration is only a safety cap: the harness stops k6 when the
  // deploys are done, and k6 gets SIGINT if the harness dies.
  const capS = Math.ceil(config.warmup + config.cooldown + config.rollouts * (config.deployTimeout * 2 + 60) + 60);
  const scenarioParams = { rate: config.rate, durationS: capS, maxVUs: config.maxVUs, warmupS: config.warmup, timeoutS: config.requestTimeout, newConnShare: config.newConnShare, method: config.method, streams: config.streams, streamS: config.streamSeconds, ...(app ? { versionHeader: app.versionHeader, podHeader: app.podHeader } : {}) };
  if (config.load === "operator") {
    const inCluster = `${await serviceTarget(kube, namespace, nodePort)}${app?.path ?? "/"}`;
    return step(`k6-operator: ${config.runners} runner(s) on the cluster, ${config.rate} req/s in all to ${inCluster}`, () =>
      startOperatorLoad({
        kube,
        provider,
        namespace,
        runId,
        runDir,
        script,
        runners: config.runners,
        logging: loggingShape(s),
        env: { ...scenarioEnv({ target: inCluster, targetScope: "cluster", ...scenarioParams }), ...requestEnv(app) },
        apply: (objects, note) => applyAll(ctx, objects, note),
        defer: (name, fn) => cleanup.defer(name, fn, { always: true }),
      }),
    );
  }
  // Where k6 runs (deploy.ts chose it): on this machine, or inside a node when
  // the way in from here would change what the load sees (cluster/kind/load-placement.ts).
  const placement = s.placement;
  return step(`k6: ${config.rate} req/s to ${target}${placement ? `, ${placement.note}` : ""}`, () =>
    startK6({ script, runDir, k6Path: toolPaths().k6, env: { ...scenarioEnv({ target, ...scenarioParams }), ...requestEnv(app) }, ...(placement ? { netns: placement } : {}), ...(tracking ? { attribute: tracking.attribute } : {}) }),
  );
}

/**
 * How the load logs its requests (verdict/unlogged.ts): nodrop's scenario one
 * request and one sample per iteration, a scenario of the user's own maybe
 * more; at most maxVUs + streams iterations in flight per k6 (per runner).
 */
export function loggingShape(s: Pick<RunState, "config" | "app">, runners = 1): LoggingShape {
  return { onePerIteration: !s.app?.scenario, maxInFlight: (s.config.maxVUs + s.config.streams) * runners };
}
