// load=operator: the scenario runs as N k6 runners on the cluster, through
// Grafana's k6-operator, and nodrop judges every request of all of them.
// startOperatorLoad installs the operator in the run's namespace, creates the
// TestRun, follows every runner's log, and returns the same K6Run a local k6
// gives: live samples (merged from all runners; each tagged with its runner),
// stop through each runner's REST API (via the API server's service proxy),
// dropped iterations summed over the runners. A runner that ends before it is
// asked to is reported by `exited` (the watchdog then ends the run, and the
// verdict is inconclusive, naming it).
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { KubernetesObject } from "@kubernetes/client-node";
import type { ClusterProvider } from "../../cluster/provider.ts";
import type { Kube } from "../../kube.ts";
import { log } from "../../log.ts";
import { parseSampleLine } from "../../verdict/samples.ts";
import type { Sample } from "../../verdict/types.ts";
import { type LoggingShape, unloggedRequests } from "../../verdict/unlogged.ts";
import { waitFor } from "../../wait.ts";
import { K6_EXIT, type K6Exit, type K6Run, type K6StopResult } from "../k6-types.ts";
import { DroppedIterationsPoller, droppedFromAnswer } from "../k6-metrics.ts";
import { addSample, copyCounts, emptyCounts, SampleFeed } from "../sample-feed.ts";
import { apiRequest, serviceProxyPath } from "../../api-http.ts";
import { ensureOperatorCrds } from "./crds.ts";
import { operatorImages } from "./images.ts";
import { OPERATOR_NAME, operatorDeployment, operatorRbac, runnerSelector, scenarioConfigMap, TESTRUN_NAME, testRun, type OperatorParams } from "./manifests.ts";
import { openAppend, Runner, startedRunners, type RunnerReport } from "./runners.ts";

export interface OperatorLoadOptions {
  kube: Kube;
  provider: ClusterProvider;
  namespace: string;
  runId: string;
  runDir: string;
  /** The bundled scenario (bundleScenario's output). */
  script: string;
  /** The scenario's __ENV, TARGET a ClusterIP and TARGET_SCOPE=cluster. */
  env: Record<string, string>;
  runners: number;
  /** Applies objects and keeps them in manifests.yaml (applyAll). */
  apply: (objects: object[], note: string) => Promise<void>;
  /** Registers a cleanup step (runs on success, failure and Ctrl-C). */
  defer: (name: string, fn: () => Promise<void>) => void;
  /** How the scenario logs its requests, to hold each runner's samples against k6's counts (verdict/unlogged.ts). */
  logging: LoggingShape;
  /** How long the operator may take from the TestRun to every runner sending. Default 180 s. */
  readyTimeoutMs?: number;
}

export interface OperatorRun extends K6Run {
  /** Each runner's share and state (final once `exited` resolved). */
  runners(): RunnerReport[];
}

/** Runners that ended unasked → the end of the last request each logged (see dropCancelledByRunnerEnds). */
export function unaskedEnds(reports: RunnerReport[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of reports) if (r.endedUnasked && r.lastEnd !== undefined) out[r.runner] = r.lastEnd;
  return out;
}

const STOP_BODY = JSON.stringify({ data: { type: "status", id: "default", attributes: { stopped: true } } });
const runnerService = (i: string) => `${TESTRUN_NAME}-service-${i}`;

export async function startOperatorLoad(o: OperatorLoadOptions): Promise<OperatorRun> {
  const { kube, namespace } = o;
  const images = await operatorImages();
  for (const img of [images.manager, images.runner, images.starter]) await o.provider.loadImage(img.archive, img.name);
  const crds = await ensureOperatorCrds(kube, o.runId);
  if (crds.installed.length) o.defer(`remove the k6-operator CRDs (${crds.installed.join(", ")})`, () => crds.remove());

  const p: OperatorParams = { runId: o.runId, namespace, managerImage: images.manager.name, runnerImage: images.runner.name, starterImage: images.starter.name, runners: o.runners, env: o.env };
  const operatorLog = () => kube.podLogs(namespace, `app.kubernetes.io/name=${OPERATOR_NAME}`, 30).catch((e: Error) => `(unavailable: ${e.message})`);
  o.defer("keep the k6-operator's log", async () => writeFile(join(o.runDir, "k6-operator.log"), await kube.podLogs(namespace, `app.kubernetes.io/name=${OPERATOR_NAME}`).catch((e: Error) => `(unavailable: ${e.message})`)));
  await o.apply([...operatorRbac(p), operatorDeployment(p)], `k6-operator ${images.version}`);
  await kube.waitRollout(namespace, OPERATOR_NAME, 120_000).catch(async (e: Error) => {
    throw new Error(`${e.message}\nthe k6-operator's log:\n${await operatorLog()}`);
  });

  const files = { samples: join(o.runDir, "samples.ndjson"), summary: join(o.runDir, "k6-summary.json"), log: join(o.runDir, "k6.log") };
  await mkdir(o.runDir, { recursive: true });
  await Promise.all([writeFile(files.samples, ""), writeFile(files.log, ""), rm(files.summary, { force: true })]);
  const samplesOut = openAppend(files.samples);
  const logOut = openAppend(files.log);
  const feed = new SampleFeed();
  const counts = emptyCounts();
  const follow = new AbortController();
  const onSample = (s: Sample) => {
    addSample(counts, s);
    feed.emit("sample", s);
  };

  await o.apply([scenarioConfigMap(p, await readFile(o.script, "utf8")), testRun(p) as KubernetesObject], `k6-operator TestRun: ${o.runners} runner(s)`);

  // The runners, as their k6 containers start (the operator creates them paused,
  // and its starter un-pauses them once all are up).
  const runners = new Map<string, Runner>();
  const diagnose = async () => {
    const tr = await kube.objects.read({ apiVersion: "k6.io/v1alpha1", kind: "TestRun", metadata: { name: TESTRUN_NAME, namespace } }).catch(() => undefined);
    const pods = await kube.core.listNamespacedPod({ namespace, labelSelector: `k6_cr=${TESTRUN_NAME}` }).catch(() => undefined);
    const podLines = (pods?.items ?? []).map((x) => `  ${x.metadata?.name}: ${x.status?.phase} ${JSON.stringify(x.status?.containerStatuses?.[0]?.state ?? {})}`);
    return [`TestRun status: ${JSON.stringify((tr as { status?: unknown } | undefined)?.status ?? "none")}`, "pods:", ...podLines, "the k6-operator's log:", await operatorLog()].join("\n");
  };
  const readyTimeoutMs = o.readyTimeoutMs ?? 180_000;
  await waitFor(
    `the k6-operator to start ${o.runners} runner(s)`,
    async () => {
      const pods = (await kube.core.listNamespacedPod({ namespace, labelSelector: runnerSelector() })).items;
      for (const [i, pod] of startedRunners(pods, TESTRUN_NAME)) {
        if (!runners.has(i)) runners.set(i, new Runner(kube, namespace, pod, i, { samples: samplesOut, log: logOut, onSample, signal: follow.signal }));
      }
      return runners.size >= o.runners;
    },
    { timeoutMs: readyTimeoutMs, intervalMs: 500, diagnose },
  );
  // Sending: every runner's first sample read.
  await waitFor(`every runner's first request (${o.runners} runner(s))`, () => [...runners.values()].every((r) => r.report.samples > 0), {
    timeoutMs: 60_000,
    intervalMs: 100,
    diagnose,
  });
  const startedAt = Date.now();
  log.info(`k6-operator ${images.version}: ${o.runners} runner(s) sending (${[...runners.values()].map((r) => `runner ${r.report.runner} on pod ${r.report.pod}`).join(", ")})`);

  // Dropped iterations, summed over the runners (a point only when all answered).
  const readDropped = async (): Promise<number | undefined> => {
    const all = await Promise.all(
      [...runners.keys()].map((i) =>
        apiRequest(kube.kc, "GET", serviceProxyPath(namespace, runnerService(i), 6565, "/v1/metrics/dropped_iterations"), undefined, 1000).then(
          (r) => droppedFromAnswer(r.status, r.text),
          () => undefined,
        ),
      ),
    );
    return all.some((x) => x === undefined) ? undefined : all.reduce<number>((a, b) => a + (b ?? 0), 0);
  };
  const poller = new DroppedIterationsPoller(0, { read: readDropped });
  poller.start();

  let stopRequestedAt: number | null = null;
  let died: RunnerReport | undefined;
  const allDone = Promise.all([...runners.values()].map((r) => r.done));
  // A runner ending before it was asked to: noticed within a second.
  const watch = setInterval(() => {
    if (stopRequestedAt !== null || died) return;
    for (const r of runners.values()) {
      if (r.report.exitCode !== null || r.report.error || r.report.gone) {
        r.report.endedUnasked = true;
        died ??= r.report;
      }
    }
    if (died) feed.emit("end");
  }, 1000);
  watch.unref();
  const ended = new Promise<void>((resolve) => {
    void allDone.then(() => resolve());
    feed.once("end", () => resolve());
  });
  const exited: Promise<K6Exit> = ended.then(async () => {
    const rs = [...runners.values()].map((r) => r.report);
    const bad = died ?? rs.find((r) => endedBadly(r, false));
    const exitCode = bad?.exitCode ?? rs.find((r) => r.exitCode !== null)?.exitCode ?? null;
    return { exitCode, signal: null, ...(bad ? { detail: describeRunner(bad, stopRequestedAt === null) } : {}) };
  });

  let stopping: Promise<K6StopResult> | undefined;
  const stop = (): Promise<K6StopResult> =>
    (stopping ??= (async () => {
      const askedBeforeExit = !died;
      stopRequestedAt = Date.now();
      await Promise.all(
        [...runners.keys()].map((i) =>
          apiRequest(kube.kc, "PATCH", serviceProxyPath(namespace, runnerService(i), 6565, "/v1/status"), STOP_BODY, 5000).catch((e: Error) =>
            log.warn(`runner ${i}: the stop request failed (${e.message}); waiting for it to end`),
          ),
        ),
      );
      const finished = await Promise.race([allDone.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 30_000).unref())]);
      if (!finished) follow.abort();
      clearInterval(watch);
      await poller.stop();
      await new Promise<void>((r) => samplesOut.end(r));
      await new Promise<void>((r) => logOut.end(r));
      await sortSamplesByTime(files.samples);
      feed._end();
      const rs = [...runners.values()].map((r) => r.report);
      const bad = died ?? rs.find((r) => endedBadly(r, true));
      // Every request a runner counted must be in its log: else lines were lost.
      const unread = bad ? undefined : rs.map((r) => unreadSamples(r, o.logging)).find((x) => x !== undefined);
      if (unread) {
        return { exitCode: K6_EXIT.STOPPED_FROM_REST_API, signal: null, stoppedByUs: askedBeforeExit, stopRequestedAt, via: "rest", clean: false, problem: unread } satisfies K6StopResult;
      }
      return {
        exitCode: bad ? (bad.exitCode ?? -1) : K6_EXIT.STOPPED_FROM_REST_API,
        signal: null,
        stoppedByUs: askedBeforeExit,
        stopRequestedAt,
        via: "rest",
        clean: !bad,
        ...(bad ? { problem: describeRunner(bad, askedBeforeExit) } : {}),
      } satisfies K6StopResult;
    })());

  const runnersReport = () => [...runners.values()].map((r) => ({ ...r.report }));
  return {
    pid: 0,
    restPort: 0,
    restHost: "",
    files,
    startedAt,
    samples: feed,
    counts: () => copyCounts(counts),
    stop,
    exited,
    restStatus: async () => {
      const first = [...runners.keys()][0];
      if (!first) return undefined;
      const r = await apiRequest(kube.kc, "GET", serviceProxyPath(namespace, runnerService(first), 6565, "/v1/status"), undefined, 2000).catch(() => undefined);
      try {
        return r && r.status === 200 ? (JSON.parse(r.text) as { data: { attributes: never } }).data.attributes : undefined;
      } catch {
        return undefined;
      }
    },
    dropped: () => {
      const rs = runnersReport();
      const done = stopping !== undefined && rs.every((r) => r.summary.dropped !== null);
      return { series: poller.series(), total: done ? rs.reduce((a, r) => a + (r.summary.dropped ?? 0), 0) : null };
    },
    runners: runnersReport,
    [Symbol.asyncDispose]: async () => {
      await stop();
    },
  };
}

/**
 * A runner that did not end well: its log not read to the end, its pod
 * deleted, or an exit code other than k6's OK or "stopped through the REST
 * API"; once the stop was asked for (`mustHaveEnded`), also one still running.
 */
function endedBadly(r: RunnerReport, mustHaveEnded: boolean): boolean {
  if (r.error || r.gone) return true;
  if (r.exitCode === null) return mustHaveEnded;
  return r.exitCode !== K6_EXIT.OK && r.exitCode !== K6_EXIT.STOPPED_FROM_REST_API;
}

/** "runner 2 (pod load-2-abcde on node n1) ended with exit code 137 before it was asked to stop". */
export function describeRunner(r: RunnerReport, unasked: boolean): string {
  const where = `runner ${r.runner} (pod ${r.pod}${r.node ? ` on node ${r.node}` : ""})`;
  if (r.error) return `${where}: its log could not be read to the end: ${r.error}`;
  if (r.gone) return `${where}: its pod was deleted${unasked ? " before the runner was asked to stop" : ""}; what it sent until then is judged`;
  if (r.exitCode === null) return `${where} did not end after the stop request`;
  return `${where} ended with exit code ${r.exitCode}${unasked ? " before it was asked to stop" : ""}`;
}

/**
 * Why a runner's samples cannot be trusted to be all of its requests, or
 * undefined: k6's own count (http_reqs in its end-of-test summary) against
 * the samples read from its log (verdict/unlogged.ts: a request cut by the
 * stop may be logged without being counted, or, in nodrop's own scenario,
 * counted in an iteration cut before its line, at most one per VU).
 */
export function unreadSamples(r: RunnerReport, shape: LoggingShape): string | undefined {
  const where = `runner ${r.runner} (pod ${r.pod})`;
  if (!r.summary.seen || r.summary.httpReqs === null) return `${where} printed no end-of-test summary: its ${r.samples} samples cannot be checked against k6's own count`;
  const u = unloggedRequests({ httpReqs: r.summary.httpReqs, iterations: r.summary.iterations, lines: r.samples }, shape);
  return u.kind === "lost" ? `${where}: ${u.why} (${u.count} unread)` : undefined;
}

/** Rewrites samples.ndjson in send-time order (each runner's lines arrive in order, the runners interleaved by arrival). */
export async function sortSamplesByTime(file: string): Promise<void> {
  const lines = (await readFile(file, "utf8")).split("\n").filter((l) => l !== "");
  const keyed = lines.map((l, i) => ({ l, i, t: parseSampleLine(l)?.t ?? Number.POSITIVE_INFINITY }));
  keyed.sort((a, b) => a.t - b.t || a.i - b.i);
  await writeFile(file, keyed.map((k) => k.l).join("\n") + (keyed.length ? "\n" : ""));
}
