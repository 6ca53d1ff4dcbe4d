// The data contract between the k6 scenario, the harness and the verdict.
//
// samples.ndjson: one Sample per line, written by the k6 scenario
//   (console output with `--log-format raw`).
// events.ndjson: one RunEvent per line, written by the harness.
//
// All times are epoch milliseconds.
import type { SampleRecord } from "../../scenarios/lib/sample.ts";

/**
 * One HTTP request as seen by k6. The scenario produces it, so the format is
 * defined once, in scenarios/lib/sample.ts; the harness reads `ph` as free text.
 */
export type Sample = Omit<SampleRecord, "ph"> & { ph: string };

/** Event kinds the verdict understands. Unknown kinds are kept and ignored. */
export type KnownEventKind = "window-start" | "window-end" | "phase-start" | "rollback" | "pods";

/**
 * One harness event. Fields beyond `t` and `kind` depend on the kind:
 * - window-start / window-end: `label` (e.g. "rollout-1")
 * - phase-start: `name` (warmup, rollout-1, swap, canary-25, rollback, cooldown, ...)
 * - rollback: `reason`
 * - pods: `before` / `after` (pod names serving before and after a window), optional `label`
 */
export interface RunEvent {
  t: number;
  kind: KnownEventKind | (string & {});
  label?: string;
  name?: string;
  reason?: string;
  before?: string[];
  after?: string[];
  [key: string]: unknown;
}

export interface ReadSamplesResult {
  samples: Sample[];
  /** Non-empty lines that yielded no sample (junk, truncated JSON, wrong fields). */
  malformedLines: number;
  /** Lines with junk before the first `{` whose JSON was still a valid sample (kept, not malformed). */
  recoveredLines: number;
  /** All lines read, including empty ones. */
  totalLines: number;
  /** True when the file did not exist (samples is then empty). */
  missing: boolean;
}

export interface ReadEventsResult {
  events: RunEvent[];
  malformedLines: number;
  missing: boolean;
}

/** status (as a string; "0" = connection error) -> count */
export type Histogram = Record<string, number>;

export interface ErrorCodeCount {
  code: number;
  name: string;
  count: number;
}

export interface DeployWindow {
  label: string;
  start: number;
  end: number;
  /** false when no window-end was recorded and the end was taken from the last sample/event. */
  closed: boolean;
}

export interface PhaseStats {
  name: string;
  start: number;
  end: number;
  requests: number;
  failed: number;
  histogram: Histogram;
}

export interface VersionStats {
  /** "" = responses without an X-App-Version header (all connection errors land here). */
  version: string;
  requests: number;
  ok: number;
  failed: number;
  histogram: Histogram;
  /** Send time of the first / last request answered by this version. */
  first: number;
  last: number;
}

export interface TimelineBucket {
  /** Bucket start, epoch ms. */
  t: number;
  total: number;
  ok: number;
  failed: number;
  /** Successful (200) responses per version; failures are counted only in `failed`. */
  byVersion: Record<string, number>;
}

export interface Outage {
  /** Send time of the first failed request of the run. */
  start: number;
  /** Send time of the last failed request of the run. */
  end: number;
  durationMs: number;
  failed: number;
  /** All requests sent in [start, end] (failed + ok). */
  requests: number;
  histogram: Histogram;
  errorsByCode: ErrorCodeCount[];
}

export type Outcome = "pass" | "fail" | "inconclusive" | "rolled-back";

export interface Evidence {
  /** Every pod serving before the deploy was replaced by a new one. */
  podsReplaced: boolean;
  /** k6 exit code; null when the harness stopped k6 on purpose (no code). */
  k6ExitCode: number | null;
  k6Error?: string;
  rolledBack?: { at: number; reason: string };
}

export interface JudgeInput {
  samples: Sample[];
  events: RunEvent[];
  evidence: Evidence;
  config: { minRequestsInWindow: number; targetRate: number };
  /** Epoch ms. */
  startedAt: number;
  endedAt: number;
  /** From readSamples(); reported as a note, never changes the outcome. */
  malformedLines?: number;
}

export interface BlastRadius {
  failed: number;
  byVersion: Record<string, number>;
  byPhase: Record<string, number>;
  firstFailure: number | null;
  lastFailure: number | null;
  durationMs: number;
}

export interface Verdict {
  outcome: Outcome;
  /** Human-readable, each with the numbers. The first one is the headline. */
  reasons: string[];
  histogram: Histogram;
  errorsByCode: ErrorCodeCount[];
  requests: { total: number; inDeployWindow: number; failed: number; failedInDeployWindow: number };
  rate: { target: number; achieved: number };
  windows: DeployWindow[];
  phases: PhaseStats[];
  versions: VersionStats[];
  outages: Outage[];
  timeline: TimelineBucket[];
  rollback: { happened: boolean; at: number | null; reason: string | null };
  /** Present when rolled back: failed requests by version and phase, first/last failure. */
  blastRadius: BlastRadius | null;
  startedAt: number;
  endedAt: number;
  malformedLines: number;
}
