// One run's state: the one object the pipeline's phases share (run.ts runs
// them in order). What is known before the first phase is fixed; every other
// field is set by the phase named above it and read by the later phases and
// by the finish (stop, judge, reports), which runs however the body ended. A
// phase takes what an earlier one set with need(): run out of order, it fails
// loudly instead of reading undefined.
import type { RunAbort } from "../abort.ts";
import type { Cleanup } from "../cleanup.ts";
import { type ClusterProvider, type ComponentFault, type LoadPlacement, providerUsesKind } from "../cluster/provider.ts";
import type { RunConfig } from "../config.ts";
import type { DeployContext, DeployStrategy, RolloutResult } from "../deploy/strategy.ts";
import type { Kube } from "../kube.ts";
import type { K6Run, K6StopResult } from "../load/k6-types.ts";
import type { ConnectionTracking } from "../observe/connections.ts";
import type { EventLog } from "../observe/events.ts";
import type { ProxyWatch } from "../observe/kube-proxy.ts";
import { nodropVersion, type RunVersions } from "../run-versions.ts";
import { toolPaths } from "../tools.ts";
import type { UserApp } from "../userapp/load.ts";
import type { Verdict } from "../verdict/types.ts";
import type { ChartData } from "../../reports/index.ts";

export interface RunOptions {
  /** A provider already provisioned by the caller (the demo runs both variants on one cluster). */
  provider?: ClusterProvider;
  /** Free label for reports, e.g. "A: no preStop". */
  label?: string;
  /** The run is meant to end in a rollback (bad version): reports judge it so. */
  expectRollback?: boolean;
  /** config.app already loaded (experiments and nightly check it once, before the cluster). */
  app?: UserApp;
}

export interface RunResult {
  runId: string;
  runDir: string;
  verdict: Verdict;
  exitCode: number;
  reportPath: string;
  /** The data of report.html's chart (the demo draws A and B on one page). */
  chart?: ChartData;
  /** Set when a signal ended the run early (the caller should stop too). */
  interrupted?: "SIGINT" | "SIGTERM";
  /** What the run ran on (summary.json `ranOn`). */
  ranOn: RunVersions;
  /**
   * Set when an error, not the service, ended the run (a refused API call, an
   * image that would not import, a dead cluster component) and no request
   * failed: the run is no result (summary.json `error`). Experiments retry it;
   * it is never counted as a repetition.
   */
  broken?: string;
}

export interface RunState {
  /** The effective config (a user's app applied). */
  readonly config: RunConfig;
  readonly opts: RunOptions;
  /** The user's app (--app); absent: the sample app. */
  readonly app: UserApp | undefined;
  readonly runId: string;
  /** The run's folder: config.json, events.ndjson, the load's files, the reports. */
  readonly runDir: string;
  readonly events: EventLog;
  /** Signals, faults and a dead k6 abort the body's waits through it (abort.ts). */
  readonly abort: RunAbort;
  /** Where each phase registers the undo of what it creates, the moment it creates it. */
  readonly cleanup: Cleanup;
  readonly startedAt: number;
  /** What the run ran on; cluster.ts adds the cluster's versions and the app's images. */
  readonly ranOn: RunVersions;

  // cluster.ts
  provider?: ClusterProvider;
  /** A cluster this run did not bring up: its logs go into the run folder if the run fails. */
  logsOnFailure?: ClusterProvider;
  kube?: Kube;
  image?: string;

  // namespace.ts
  namespace?: string;
  proxyWatch?: ProxyWatch;
  /** The provider's dead components, when it can tell (FaultWatchable). */
  faultsNow?: () => Promise<ComponentFault[]>;
  watchdog?: { stop: () => void };

  // deploy.ts
  ctx?: DeployContext;
  strategy?: DeployStrategy;
  /** Where the load enters: the app's NodePort, or the ingress controller's (path=ingress). */
  nodePort?: number;
  /** The load's URL from where k6 runs (this host, or `placement`'s network namespace: the same 127.0.0.1 URL). */
  target?: string;
  /** Where k6 runs when not on this host (cluster/provider.ts LoadPlacement); null: on this host. */
  placement?: LoadPlacement | null;
  /** path=ingress: reads the ingress proxy's log into the run's events. */
  collectFront?: () => Promise<void>;
  tracking?: ConnectionTracking;

  // load.ts
  k6?: K6Run;
  /** How k6 exited, once it did (the watchdog aborts the run on an exit it did not ask for). */
  k6ExitInfo?: string;
  /** Set once, by whichever stops k6 first: stop.ts, or the cleanup load.ts registers. */
  stopResult?: K6StopResult;

  // rollouts.ts
  rolledBack?: RolloutResult["rolledBack"];

  // run.ts: what ended the body early (an error, or RunAbortedError)
  failure?: Error;
}

/** One phase of the body: reads and fills in the state, registers its own cleanups. */
export type Phase = (s: RunState) => Promise<void>;

/** The state's fixed part, and what the run runs on as far as known before the cluster. */
export function newRunState(fixed: Omit<RunState, "ranOn">): RunState {
  const tools = toolPaths().versions;
  const ranOn: RunVersions = { nodrop: nodropVersion(), kubernetes: null, nodes: [], k6: tools.k6, kind: providerUsesKind(fixed.config.provider) ? tools.kind : null, app: [] };
  return { ...fixed, ranOn };
}

/** A value an earlier phase set; throws if it did not (a phase ran out of order). */
export function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`pipeline: ${what} is not set yet (a phase ran before the one that sets it)`);
  return value;
}
