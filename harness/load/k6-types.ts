// What a k6 run is to its users, whether one local k6 (k6.ts) or the
// k6-operator's runners (operator/load.ts): k6's exit codes, startK6's options,
// the K6Run handle, and what its exit and stop report.
import type { ChildProcess, SpawnOptions } from "node:child_process";
import type { Sample } from "../verdict/types.ts";
import type { DroppedIterations } from "./k6-metrics.ts";
import type { K6RestStatus } from "./k6-rest.ts";
import type { SampleCounts, SampleFeed } from "./sample-feed.ts";

/** k6 exit codes (go.k6.io/k6/errext/exitcodes); the ones marked "measured" were checked against k6 v1.8.1. */
export const K6_EXIT = {
  OK: 0, // measured: duration cap reached
  THRESHOLDS_FAILED: 99,
  STOPPED_FROM_REST_API: 103, // measured
  INVALID_CONFIG: 104,
  EXTERNAL_ABORT: 105, // measured: SIGINT
  CANNOT_START_REST_API: 106, // measured: --address in use
  SCRIPT_EXCEPTION: 107, // measured: throw in the init context
  SCRIPT_ABORTED: 108,
} as const;

export interface K6Files {
  samples: string;
  summary: string;
  log: string;
}

/** The subset of child_process.spawn that startK6 uses; unit tests may inject a fake. */
export type ProcessRunner = (file: string, args: readonly string[], opts: SpawnOptions) => ChildProcess;

export interface StartK6Options {
  /** The bundled scenario (see bundleScenario). */
  script: string;
  /** Gets samples.ndjson, k6-summary.json and k6.log. Created if missing. */
  runDir: string;
  /** Passed as `-e KEY=VALUE` (the scenario's __ENV; see scenarios/lib/params.ts scenarioEnv()). */
  env: Record<string, string>;
  /** Port of k6's REST API (on 127.0.0.1, or netns.restHost). Default: a free port (retried if taken meanwhile). */
  restPort?: number;
  /**
   * Run k6 inside another network namespace (cluster/provider.ts
   * LoadPlacement): `enter` is put before k6 on its command line, and its REST
   * API listens on restHost, where this machine reaches it.
   */
  netns?: { enter: string[]; restHost: string };
  k6Path: string;
  /** Called for every sample as it is read, before it is counted: may fill in its version (verdict/attribution.ts). */
  attribute?: (s: Sample) => void;
  /** Called for every sample as it is read, before the 'sample' event. */
  onSample?: (s: Sample) => void;
  /** How long k6 may take to report running. Default 60 s. */
  readyTimeoutMs?: number;
  /** How often samples.ndjson is polled for new lines. Default 50 ms. */
  tailIntervalMs?: number;
  /** How often dropped_iterations is read through the REST API. Default 1000 ms. */
  droppedIntervalMs?: number;
  /** Gets the whole command line: setpriv (parent-death signal), then netns.enter if set, then k6 and its arguments. */
  spawn?: ProcessRunner;
}

export interface K6Exit {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** What ended early, in words, when the load is several processes (load=operator: which runner). */
  detail?: string;
}

export interface K6StopResult extends K6Exit {
  /** True when the harness asked k6 to stop before it exited by itself. */
  stoppedByUs: boolean;
  /** Epoch ms of the stop request (null if k6 had already exited). Requests in flight then were cancelled. */
  stopRequestedAt: number | null;
  /** What ended k6: the REST API, SIGINT, SIGKILL, or nothing ("none": it had exited by itself). */
  via: "rest" | "sigint" | "sigkill" | "none";
  /** Exit 0, or 103/105 after a stop we asked for: a normal end, not a k6 failure. */
  clean: boolean;
  /** Why the end was not clean, when there is more to say than an exit code (load=operator: the runner). */
  problem?: string;
}

export interface StopOptions {
  /** How long to wait for the exit after the REST stop, and again after SIGINT. Default 10 s. */
  timeoutMs?: number;
}

export interface K6Run extends AsyncDisposable {
  readonly pid: number;
  readonly restPort: number;
  /** Where k6's REST API listens: 127.0.0.1 unless it runs in another network namespace. */
  readonly restHost: string;
  readonly files: K6Files;
  /** Epoch ms when k6's REST API first reported running. */
  readonly startedAt: number;
  /**
   * Every sample from the first line on, for listeners attached synchronously
   * after `await startK6()` (the first read of the file happens on a timer).
   */
  readonly samples: SampleFeed;
  /** Running totals of the samples read so far (a copy). */
  counts(): SampleCounts;
  /** Asks k6 to stop (REST API, then SIGINT, then SIGKILL); resolves after the exit and the last samples. Idempotent. */
  stop(opts?: StopOptions): Promise<K6StopResult>;
  /** Resolves when k6 has exited and samples.ndjson has been read to its end ('end' was emitted). */
  readonly exited: Promise<K6Exit>;
  /** k6's REST status, or undefined if it does not answer. */
  restStatus(): Promise<K6RestStatus | undefined>;
  /**
   * k6's dropped_iterations (planned requests never sent for want of a free
   * VU): `series` is read live about once a second through the REST API (a
   * point only when k6 answered; count 0 when k6 reports no drops yet);
   * `total` is k6's final count from k6-summary.json, known once `exited`
   * resolved, and null before that or when k6 wrote no summary (SIGKILL, crash).
   */
  dropped(): DroppedIterations;
}
