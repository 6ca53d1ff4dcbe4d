// A deploy strategy moves traffic from one app version to the next while the
// load runs. One file per strategy; pipeline/deploy.ts picks one with strategyFor().
import type { ClusterProvider } from "../cluster/provider.ts";
import type { RunConfig } from "../config.ts";
import { LABEL_RUN, LABEL_VERSION, type Kube } from "../kube.ts";
import { LABELS } from "./manifests.ts";
import type { SampleCounts } from "../load/sample-feed.ts";
import type { EventLog } from "../observe/events.ts";
import type { UserApp } from "../userapp/load.ts";
import { type Clock, realClock } from "../wait.ts";

export interface DeployContext {
  config: RunConfig;
  kube: Kube;
  provider: ClusterProvider;
  namespace: string;
  runId: string;
  image: string;
  /** The user's app (--app); absent: the sample app. */
  app?: UserApp;
  events: EventLog;
  /** The run's folder: rendered manifests are recorded there. */
  runDir?: string;
  /** The weighted route in front of the app (canaryBy=weight; set once the ingress is up). */
  router?: TrafficRouter;
  /** Live totals of the running load (set once k6 runs); analyses read it. */
  load?: { counts(): SampleCounts };
  /** Whether some pod of `version` is ready and serving (default: asks the API; tests fake it). */
  isServing?: (version: string) => Promise<boolean>;
  clock?: Clock;
  /** database / migration: the URL the sample app's pods use (set once the database is up). */
  databaseUrl?: string;
  /** migration=…: the schema change's steps, run by the strategy at these points of its rollout. */
  migration?: MigrationHooks;
  /** Registers an undo that runs however the run ends (success, failure, Ctrl-C). */
  defer?: (name: string, fn: () => Promise<void>) => void;
}

/** Where a migration's steps go in a rollout (harness/deploy/migration.ts). */
export interface MigrationHooks {
  /** Inside the window, before the new version is applied. */
  atRolloutStart(label: string): Promise<void>;
  /** Inside the window, once the last pod of the old version is gone. */
  afterOldGone(label: string): Promise<void>;
}

export interface RolloutResult {
  rolledBack?: { at: number; reason: string };
}

export interface DeployStrategy {
  readonly name: RunConfig["strategy"] | "drain";
  /** True when a window disrupts the pods without a new version (scenario=drain). */
  readonly keepsVersion?: boolean;
  /** Deploys `version` and the user-facing Service; resolves with its NodePort once every replica is ready. */
  setup(ctx: DeployContext, version: string): Promise<{ nodePort: number }>;
  /** Moves traffic from `from` to `to` (deploy window `rollout-<index>`), rolling back on a failed gate. */
  rollout(ctx: DeployContext, from: string, to: string, index: number): Promise<RolloutResult>;
}

export const APP_NAME = "sample-app";
export const SERVICE_NAME = "app";
/** canaryBy=weight: the canary track's own Service, the route's second backend. */
export const CANARY_SERVICE_NAME = "app-canary";

/** Sets the route's weights (path=ingress with canaryBy=weight): percent to SERVICE_NAME and to CANARY_SERVICE_NAME. */
export interface TrafficRouter {
  setWeights(stable: number, canary: number): Promise<void>;
}

/** {a: "1", b: "2"} → "a=1,b=2" (a Kubernetes label selector). */
export function labelSelector(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
}

export function runSelector(runId: string, extra: Record<string, string> = {}): string {
  return labelSelector({ [LABEL_RUN]: runId, ...extra });
}

export function versionSelector(runId: string, version: string): string {
  return runSelector(runId, { [LABEL_VERSION]: version });
}

/** Names of the app's pods that are ready and not terminating: the ones serving (the ingress controller's pod, with no workload label, is not one). */
export async function servingPods(ctx: DeployContext, extra: Record<string, string> = {}): Promise<string[]> {
  const pods = await ctx.kube.pods(ctx.namespace, `${runSelector(ctx.runId, extra)},${LABELS.workload}`);
  return pods
    .filter((p) => !p.metadata?.deletionTimestamp && p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"))
    .map((p) => p.metadata!.name!)
    .sort();
}

/**
 * Live analysis of one version from the running load: fails when, after at
 * least `minRequests` responses from that version since `since`, its error
 * ratio exceeds `maxErrorRate`. Returns a reason string on failure.
 *
 * Failed samples with no version (v "": a connection refused, reset or timed
 * out before any response header) that arrived since the baseline count
 * against the version under analysis: during a step the harness cannot tell
 * which version such a request was meant for, and a gate must not open
 * because the new version's failures carry no name. They are added to both
 * the failures and the requests of the ratio; the minimum counts responses
 * from the version only (errors alone can fail a gate, never pass it).
 */
export function analyzeVersion(
  counts: SampleCounts,
  baseline: SampleCounts | undefined,
  version: string,
  cfg: { analysisMinRequests: number; analysisMaxErrorRate: number },
): { verdict: "pass" | "fail" | "pending"; reason: string } {
  const none = { total: 0, ok: 0, failed: 0, byStatus: {} as Record<string, number> };
  const now = counts.byVersion[version] ?? none;
  const base = baseline?.byVersion[version] ?? none;
  const total = now.total - base.total;
  const failed = now.failed - base.failed;
  // Failures nobody can attribute, since the baseline (never negative).
  const noVersionNow = version === "" ? none : (counts.byVersion[""] ?? none);
  const noVersionBase = version === "" ? none : (baseline?.byVersion[""] ?? none);
  const unattributed = Math.max(0, noVersionNow.failed - noVersionBase.failed);
  const connErrors = Math.max(0, (noVersionNow.byStatus["0"] ?? 0) - (noVersionBase.byStatus["0"] ?? 0));
  const allFailed = failed + unattributed;
  const all = total + unattributed;
  const ratio = all > 0 ? allFailed / all : 0;
  const pct = (r: number) => `${(r * 100).toFixed(2)} %`;
  const limit = `limit ${pct(cfg.analysisMaxErrorRate)}`;
  let numbers: string;
  // Connection errors traced to the version's pods (verdict/attribution.ts) are the version's own.
  const ownConn = Math.max(0, (now.byStatus["0"] ?? 0) - (base.byStatus["0"] ?? 0));
  const own = ownConn > 0 ? `, ${ownConn} of them connection errors traced to ${version}'s pods` : "";
  if (unattributed === 0) {
    numbers = `${failed} of ${total} responses from ${version} failed${own} (${pct(ratio)}), ${limit}`;
  } else {
    const what =
      connErrors === unattributed
        ? `${unattributed} connection error${unattributed === 1 ? "" : "s"} with no version`
        : `${unattributed} failure${unattributed === 1 ? "" : "s"} with no version${connErrors > 0 ? ` (${connErrors} connection error${connErrors === 1 ? "" : "s"})` : ""}`;
    numbers = `${failed} of ${total} responses from ${version} failed${own}, plus ${what} counted against ${version} (${allFailed} of ${all} = ${pct(ratio)}), ${limit}`;
  }
  if (allFailed > 0 && ratio > cfg.analysisMaxErrorRate) return { verdict: "fail", reason: `analysis failed: ${numbers}` };
  if (total < cfg.analysisMinRequests) return { verdict: "pending", reason: `analysis pending: ${total} < ${cfg.analysisMinRequests} responses from ${version}` };
  return { verdict: "pass", reason: `analysis passed: ${numbers}` };
}

/**
 * The live analysis when no response names its version (the app sends no
 * version header and its connections cannot be traced, e.g. through an
 * ingress proxy, behind docker-proxy or with in-cluster runners): every request sent
 * since `since` (taken when the new version's pods were first ready and
 * serving) counts, whichever pod answered. Stricter than analyzeVersion (the
 * old version's failures count too), never looser: errors alone can fail it,
 * and it passes only on `minRequests` requests.
 */
export function analyzeAll(
  counts: SampleCounts,
  since: SampleCounts,
  version: string,
  cfg: { analysisMinRequests: number; analysisMaxErrorRate: number },
): { verdict: "pass" | "fail" | "pending"; reason: string } {
  const total = counts.total - since.total;
  const failed = counts.failed - since.failed;
  const conn = (counts.byStatus["0"] ?? 0) - (since.byStatus["0"] ?? 0);
  const ratio = total > 0 ? failed / total : 0;
  const pct = (r: number) => `${(r * 100).toFixed(2)} %`;
  const numbers = `${failed} of ${total} requests sent while ${version}'s pods were serving failed${conn > 0 ? ` (${conn} connection error${conn === 1 ? "" : "s"})` : ""} (${pct(ratio)}), limit ${pct(cfg.analysisMaxErrorRate)}; no response names its version, so every request counts`;
  if (failed > 0 && ratio > cfg.analysisMaxErrorRate) return { verdict: "fail", reason: `analysis failed: ${numbers}` };
  if (total < cfg.analysisMinRequests) return { verdict: "pending", reason: `analysis pending: ${total} < ${cfg.analysisMinRequests} requests sent while ${version}'s pods were serving` };
  return { verdict: "pass", reason: `analysis passed: ${numbers}` };
}

/** True when some successful response named a version (a header, or a connection traced to a pod). */
export function versionsNamed(c: SampleCounts): boolean {
  return Object.entries(c.byVersion).some(([v, x]) => v !== "" && x.ok > 0);
}

/**
 * Runs the live analysis every 250 ms while `until` is pending, and after it
 * settles keeps going until the analysis has passed (enough responses from
 * `version`, error ratio within the limit). Rejects with AnalysisFailedError
 * as soon as the analysis fails, or when it has not passed `bakeTimeoutMs`
 * after `until` settled: a gate never opens on missing data. Used by every
 * strategy.
 *
 * When the load so far answered but never named a version, the analysis is
 * analyzeAll from the moment `version`'s pods are ready and serving: a good
 * deploy of an app without a version header is never rolled back for
 * "0 responses from v2".
 */
export async function guard<T>(ctx: DeployContext, version: string, until: Promise<T>, bakeTimeoutMs = 30_000): Promise<T> {
  const clock = ctx.clock ?? realClock;
  const baseline = ctx.load?.counts();
  const unnamed = !!baseline && baseline.ok > 0 && !versionsNamed(baseline);
  const serving = ctx.isServing ?? ((v: string) => servingPods(ctx, { [LABEL_VERSION]: v }).then((p) => p.length > 0));
  let since: SampleCounts | undefined;
  let done = false;
  let abandoned = false;
  let bakeStart: number | undefined;
  const check = async () => {
    if (!ctx.load) return undefined;
    if (!unnamed) return analyzeVersion(ctx.load.counts(), baseline, version, ctx.config);
    if (!since) {
      if (!(await serving(version).catch(() => false))) return { verdict: "pending" as const, reason: `analysis pending: ${version}'s pods are not serving yet` };
      since = ctx.load.counts();
    }
    return analyzeAll(ctx.load.counts(), since, version, ctx.config);
  };
  const watcher = (async () => {
    while (!abandoned) {
      const a = await check();
      if (a?.verdict === "fail") throw new AnalysisFailedError(a.reason);
      if (done) {
        bakeStart ??= clock.now();
        if (!a || a.verdict === "pass") {
          if (a) ctx.events?.record("analysis", { version, outcome: "pass", mode: unnamed ? "every-request" : "by-version", reason: a.reason });
          return;
        }
        if (clock.now() - bakeStart >= bakeTimeoutMs) {
          // No evidence is not a pass: the gate stays shut.
          throw new AnalysisFailedError(`analysis inconclusive after ${bakeTimeoutMs / 1000} s: ${a.reason.replace(/^analysis pending: /, "")}`);
        }
      }
      await clock.sleep(250);
    }
  })();
  watcher.catch(() => {});
  try {
    const value = await Promise.race([until.finally(() => (done = true)), watcher.then(() => until)]);
    await watcher;
    return value;
  } finally {
    abandoned = true;
  }
}

export class AnalysisFailedError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "AnalysisFailedError";
  }
}
