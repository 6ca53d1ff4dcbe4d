// The one pipeline: an ordered list of steps, each with a status line and a
// cleanup registered the moment it creates something.
//
//   cluster → image → namespace + watches → deploy v1 → target answers →
//   bundle scenario → k6 → warm-up → rollouts (watched, not slept) →
//   cool-down → stop k6 → verdict → reports → cleanup
import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { withCleanup } from "./cleanup.ts";
import { httpProbe } from "./http.ts";
import { providerFor } from "./cluster/index.ts";
import { PROJECT_ROOT, type ClusterProvider } from "./cluster/provider.ts";
import type { RunConfig } from "./config.ts";
import { strategyFor } from "./deploy/index.ts";
import type { DeployContext, RolloutResult } from "./deploy/strategy.ts";
import { buildAppImage } from "./images/app-image.ts";
import { Kube } from "./kube.ts";
import { bundleScenario } from "./load/bundle.ts";
import { startK6, type K6Run, type K6StopResult } from "./load/k6.ts";
import { log, step } from "./log.ts";
import { EventLog } from "./observe/events.ts";
import { watchNamespace } from "./observe/watch.ts";
import { toolPaths } from "./tools.ts";
import { exitCodeFor, judge, podsReplacedFrom } from "./verdict/analyze.ts";
import { readSamples } from "./verdict/samples.ts";
import type { Sample, Verdict } from "./verdict/types.ts";
import { waitFor } from "./wait.ts";
import { scenarioEnv } from "../scenarios/lib/params.ts";
import { writeReports } from "../reports/index.ts";

export interface RunOptions {
  /** A provider already provisioned by the caller (the demo runs both variants on one cluster). */
  provider?: ClusterProvider;
  /** Free label for reports, e.g. "A: no preStop". */
  label?: string;
  /** The run is meant to end in a rollback (bad version): reports judge it so. */
  expectRollback?: boolean;
}

export interface RunResult {
  runId: string;
  runDir: string;
  verdict: Verdict;
  exitCode: number;
  reportPath: string;
}

export const RUNS_DIR = join(PROJECT_ROOT, "reports", "runs");

export function newRunId(now = new Date()): string {
  const ts = now.toISOString().replace(/[-:T]/g, "").slice(0, 14);
  return `r${ts}-${randomBytes(2).toString("hex")}`;
}

export async function runPipeline(config: RunConfig, opts: RunOptions = {}): Promise<RunResult> {
  const runId = config.runId ?? newRunId();
  const runDir = join(RUNS_DIR, runId);
  await mkdir(runDir, { recursive: true });
  await writeFile(join(runDir, "config.json"), JSON.stringify({ ...config, runId }, null, 2));
  const events = new EventLog(join(runDir, "events.ndjson"));
  log.info(`run ${runId}${opts.label ? ` (${opts.label})` : ""}: strategy=${config.strategy}, provider=${config.provider}, output in ${relative(process.cwd(), runDir) || runDir}`);

  return withCleanup(async (cleanup) => {
    const startedAt = Date.now();
    events.record("run-start", { runId });

    // Cluster: reuse a healthy one; one this run brings up is torn down at the end.
    const provider = opts.provider ?? providerFor(config.provider, { kubeconfig: config.kubeconfig, context: config.context });
    if (!opts.provider) {
      await step(`cluster (${provider.name}) preflight`, () => provider.preflight());
      const wasUp = (await provider.status()).up;
      if (!wasUp) {
        await step(`cluster (${provider.name}) up`, () => provider.provision());
        cleanup.defer("cluster down", async () => {
          await provider.collectLogs(join(runDir, "cluster-logs"));
          await provider.destroy();
        });
      }
    }

    const image = await step("sample app image (built locally, imported)", async () => {
      const img = await buildAppImage(join(PROJECT_ROOT, ".nodrop", "images"));
      await provider.loadImage(img.archive, img.name);
      return img.name;
    });

    const kube = new Kube(provider.kubeconfigPath(), provider.context());
    const namespace = `nodrop-${runId}`;
    await step(`namespace ${namespace}`, () => kube.createNamespace(namespace, runId));
    cleanup.defer(`delete namespace ${namespace}`, async () => {
      await writeFile(join(runDir, "k8s-events.txt"), await kube.describeEvents(namespace, 200)).catch(() => {});
      await kube.deleteNamespace(namespace);
    });
    const watches = watchNamespace(kube, namespace, events);
    cleanup.defer("stop watches", () => watches.stop(), { always: true });

    const ctx: DeployContext = { config, kube, provider, namespace, runId, image, events, runDir };
    const strategy = strategyFor(config.strategy);
    const { nodePort } = await step(`deploy v1 (${strategy.name})`, () => strategy.setup(ctx, "v1"));
    const target = `http://127.0.0.1:${provider.hostPortFor(nodePort)}/`;
    await step(`target ${target} answers 200`, () =>
      waitFor(`${target} to answer 200`, async () => (await httpProbe(target)).status === 200, { timeoutMs: 60_000, intervalMs: 200, diagnose: () => kube.describeEvents(namespace) }),
    );

    const script = await step("bundle scenario (tsc + esbuild)", () => bundleScenario(join(PROJECT_ROOT, "scenarios", "deploy-load.ts"), runDir));

    // The load's duration is only a safety cap: the harness stops k6 when the
    // deploys are done. Every loop stops by itself even if the harness dies.
    const capS = Math.ceil(config.warmup + config.cooldown + config.rollouts * (config.deployTimeout * 2 + 60) + 60);
    const k6: K6Run = await step(`k6: ${config.rate} req/s to ${target}`, () =>
      startK6({
        script,
        runDir,
        k6Path: toolPaths().k6,
        env: scenarioEnv({ target, rate: config.rate, durationS: capS, maxVUs: config.maxVUs, warmupS: config.warmup, timeoutS: config.requestTimeout, newConnShare: config.newConnShare }),
      }),
    );
    let stopResult: K6StopResult | undefined;
    cleanup.defer(
      "stop k6",
      async () => {
        stopResult ??= await k6.stop();
      },
      { always: true },
    );
    ctx.load = k6;

    // From here on, a failure still ends in a verdict and reports: nothing
    // the run recorded is lost, and the error is part of the evidence.
    let rolledBack: RolloutResult["rolledBack"];
    let aborted: Error | undefined;
    try {
      // Warm-up: wait until the load has really run for `warmup` seconds.
      events.phase("warmup");
      await step(`warm-up ${config.warmup} s`, () => waitLoadFor(k6, config.warmup * 1000, "warm-up"));

      let version = 1;
      for (let i = 1; i <= config.rollouts && !rolledBack; i++) {
        const from = `v${version}`;
        const to = `v${version + 1}`;
        const r = await step(`rollout ${i}/${config.rollouts}: ${from} → ${to} (${strategy.name})`, () => strategy.rollout(ctx, from, to, i));
        if (r.rolledBack) {
          rolledBack = r.rolledBack;
          log.warn(`rolled back: ${r.rolledBack.reason}`);
        } else version++;
      }

      events.phase("cooldown");
      await step(`cool-down ${config.cooldown} s`, () => waitLoadFor(k6, config.cooldown * 1000, "cool-down"));
    } catch (e) {
      aborted = e as Error;
      events.record("run-error", { message: aborted.message });
      log.error(`run aborted: ${aborted.message}`);
    }

    stopResult = await step("stop k6", () => k6.stop());
    const endedAt = Date.now();
    events.record("run-end", { k6: stopResult });

    const read = await readSamples(k6.files.samples);
    const { malformedLines } = read;
    // Stopping k6 cancels the requests in flight at that moment; they are the
    // harness's doing, not the deploy's: dropped here, counted in events.
    const { kept: samples, cancelled } = dropCancelledAtStop(read.samples, stopResult.stopRequestedAt, config.requestTimeout * 1000);
    if (cancelled > 0) events.record("cancelled-at-stop", { count: cancelled });
    const verdict = judge({
      samples,
      events: events.events,
      evidence: {
        podsReplaced: podsReplacedFrom(events.events),
        k6ExitCode: aborted ? -1 : stopResult.clean ? 0 : stopResult.exitCode,
        ...(aborted
          ? { k6Error: `run aborted: ${aborted.message.split("\n")[0]}` }
          : stopResult.clean
            ? {}
            : { k6Error: `k6 ended with exit code ${stopResult.exitCode ?? "?"} (signal ${stopResult.signal ?? "none"}, via ${stopResult.via})` }),
        ...(rolledBack ? { rolledBack } : {}),
      },
      config: { minRequestsInWindow: config.minRequestsInWindow, targetRate: config.rate },
      startedAt,
      endedAt,
      malformedLines,
    });
    const written = await writeReports(runDir, {
      runId,
      ...(opts.label ? { strategy: `${config.strategy} — ${opts.label}` } : {}),
      config,
      verdict,
      ...(opts.expectRollback !== undefined ? { expectRollback: opts.expectRollback } : {}),
      artifacts: ["samples.ndjson", "events.ndjson", "k6.log", "k6-summary.json", "scenario.js", "manifests.yaml", "config.json"],
    });
    // An aborted run is an infrastructure failure (3) unless it already saw dropped requests (1).
    const exitCode = aborted && verdict.outcome !== "fail" ? 3 : exitCodeFor(verdict.outcome);
    const line = `verdict: ${verdict.outcome.toUpperCase()} — ${verdict.reasons[0] ?? ""}`;
    if (verdict.outcome === "pass") log.ok(line);
    else log.error(line);
    log.info(`report: ${relative(process.cwd(), written.markdown ?? join(runDir, "report.md"))}`);
    return { runId, runDir, verdict, exitCode, reportPath: join(runDir, "report.md") };
  }, { keep: config.keep });
}

/**
 * Connection errors of requests that were still in flight when the harness
 * stopped k6 (sent within one request timeout before the stop, ended at it).
 */
export function dropCancelledAtStop(samples: Sample[], stopAt: number | null, timeoutMs: number): { kept: Sample[]; cancelled: number } {
  if (!stopAt) return { kept: samples, cancelled: 0 };
  const kept = samples.filter((s) => !(s.s === 0 && s.t >= stopAt - timeoutMs && s.t + s.d >= stopAt - 50));
  return { kept, cancelled: samples.length - kept.length };
}

/** Resolves once k6's samples cover `ms` more milliseconds from now (the load really ran that long). */
async function waitLoadFor(k6: K6Run, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  let exited = false;
  void k6.exited.then(() => (exited = true));
  await waitFor(`${what}: load samples up to ${new Date(until).toISOString()}`, () => (k6.counts().lastT ?? 0) >= until, {
    timeoutMs: ms + 30_000,
    intervalMs: 100,
    fatal: () => (exited ? `k6 exited during the run (see ${k6.files.log})` : undefined),
  });
}
