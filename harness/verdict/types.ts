// The data contract between the k6 scenario, the harness and the verdict.
//
// samples.ndjson: one Sample per line, written by the k6 scenario
//   (console output with `--log-format raw`).
// events.ndjson: one RunEvent per line, written by the harness.
//
// All times are epoch milliseconds.
import type { SampleRecord } from "../../scenarios/lib/sample.ts";
import type { LoadCounts, LoggingShape } from "./unlogged.ts";
import type {
  AttributionStats,
  DatabaseErrors,
  Histogram,
  IngressLag,
  LagStats,
  LatencyRule,
  LatencyVerdict,
  MigrationStep,
  OutageCause,
  ProxyLag,
  RequestNameStats,
  StepShare,
} from "./records.ts";

/**
 * One HTTP request as seen by k6. The scenario produces it, so the format is
 * defined once, in scenarios/lib/sample.ts; the harness reads `ph` as free text.
 */
/** `r`: the load runner that sent it (load=operator: the TestRun's runner index); absent with local load. */
export type Sample = Omit<SampleRecord, "ph"> & { ph: string; r?: string };

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
  /** When the last of its failed requests ended (send time + duration); absent in outages recorded before it was kept. */
  doneAt?: number;
  durationMs: number;
  failed: number;
  /** All requests sent in [start, end] (failed + ok). */
  requests: number;
  histogram: Histogram;
  errorsByCode: ErrorCodeCount[];
  /** Failed requests that got an HTTP answer, by the pod that answered (pod header); none when all were connection errors. */
  answeredBy?: Record<string, number>;
  /** Why, from the pod and EndpointSlice events around it (verdict/outage-causes.ts); absent when judged without events. */
  cause?: OutageCause;
}

export type Outcome = "pass" | "fail" | "inconclusive" | "rolled-back";

export interface Evidence {
  /** Every pod serving before the deploy was replaced by a new one. */
  podsReplaced: boolean;
  /** k6 exit code; null when the harness stopped k6 on purpose (no code). */
  k6ExitCode: number | null;
  k6Error?: string;
  rolledBack?: { at: number; reason: string };
  /** The signal that ended the run early (e.g. "SIGINT"); the run did not finish. */
  interrupted?: string;
  /** A cluster component that died mid-run (when the watchdog saw it). */
  fault?: { at: number; component: string; message: string };
}

/**
 * k6's dropped_iterations: planned requests the load generator could not send
 * (constant-arrival-rate fell behind). They were never judged.
 */
export interface DroppedIterationsInput {
  /** The final count from k6's end-of-test summary; null = unknown. */
  total: number | null;
  /** The cumulative counter, polled about once a second while k6 ran (t = epoch ms of the poll). */
  series: { t: number; count: number }[];
}

export interface JudgeInput {
  samples: Sample[];
  events: RunEvent[];
  evidence: Evidence;
  /** latency: how slow the new version may answer (verdict/latency.ts); absent = DEFAULT_LATENCY_RULE. */
  config: { minRequestsInWindow: number; targetRate: number; latency?: LatencyRule };
  /** Epoch ms. */
  startedAt: number;
  endedAt: number;
  /** From readSamples(); any malformed line makes a would-be pass inconclusive. */
  malformedLines?: number;
  dropped: DroppedIterationsInput;
  /** Requests cancelled by the harness's stop of k6 (left out of `samples`): k6 error code -> count. */
  cancelledAtStop?: Record<string, number>;
  /** How the samples' versions were known when the app sends no version header (verdict/attribution.ts). */
  attribution?: AttributionStats;
  /** k6's own counts against the sample lines recorded (cancelled ones included); absent: not compared. */
  recorded?: RecordedInput;
}

/** What recordedEvidence compares (verdict/unlogged.ts), and when the harness stopped the load. */
export interface RecordedInput extends LoadCounts, LoggingShape {
  /** k6's failed requests (http_req_failed's count, by the requests' success statuses; null: no summary). */
  failed: number | null;
  /** Failed requests among the lines, as k6 counts them (its success statuses; the stop's cancelled ones left out). */
  loggedFailed: number;
  /** When the harness asked k6 to stop (null: it did not). */
  stopAt: number | null;
  /** How long a request could have been in flight at the stop (the request timeout, or a stream's length). */
  inFlightMs: number;
}

export interface BlastRadius {
  failed: number;
  byVersion: Record<string, number>;
  byPhase: Record<string, number>;
  firstFailure: number | null;
  lastFailure: number | null;
  durationMs: number;
}

/** A connection kind of the scenario: "new" connection per request, "reuse" (keep-alive), "" = not recorded. */
export type ProbeKind = "new" | "reuse" | "stream-end" | "stream-goodbye" | "stream-cut" | "";

/** The requests of one connection kind, so the two probes can be read side by side. */
export interface ProbeStats {
  conn: ProbeKind;
  requests: number;
  failed: number;
  inDeployWindow: number;
  failedInDeployWindow: number;
  histogram: Histogram;
  errorsByCode: ErrorCodeCount[];
}

/** One item of the evidence checklist: what a pass needs, whether the run has it, with the numbers. */
export interface EvidenceCheck {
  check: string;
  ok: boolean;
  detail: string;
}

/** Requests sent inside one deploy window against what the target rate planned. */
export interface WindowRate {
  label: string;
  start: number;
  end: number;
  durationMs: number;
  sent: number;
  /** target rate × duration */
  expected: number;
  /** sent / duration, req/s */
  achieved: number;
  /** sent >= 0.95 × expected − 1 */
  ok: boolean;
}

/** A stretch inside a deploy window with no request sent. */
export interface EvidenceGap {
  window: string;
  start: number;
  end: number;
  durationMs: number;
  /** The longest silence allowed: max(1000 ms, 5000 / rate ms). */
  limitMs: number;
}

/** Dropped iterations attributed to deploy windows (conservatively: a poll interval touching a window counts in it). */
export interface DroppedStats {
  /** k6's final count, else the last poll; null = unknown. */
  total: number | null;
  inWindows: number;
  outsideWindows: number;
  byWindow: Record<string, number>;
  /** False when drops inside a window may have gone uncounted (no final count and no poll after the last window). */
  complete: boolean;
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
  /** Per request of a mixed load (nodrop-app.yaml `requests:`), most sent first; absent when the load sends one request. */
  byRequest?: RequestNameStats[];
  outages: Outage[];
  /** How long after their deletion pods still answered requests (verdict/lag.ts); null: no deleted pod answered any. */
  lag: LagStats | null;
  /** EndpointSlice removal → kube-proxy synced, per deleted pod (verdict/proxy-lag.ts); null: kube-proxy not observed. */
  proxyLag: ProxyLag | null;
  /** path=ingress: endpoint out of service → the controller's last request to the pod (verdict/ingress-lag.ts); null: no ingress. */
  ingressLag?: IngressLag | null;
  /** canaryBy=weight: per step, the canary's share of the answered requests against the route's weight (verdict/traffic-share.ts). */
  trafficShares?: StepShare[];
  /** Per phase and per deploy window p50/p95/p99/max, and the new version's p99 judged against the warm-up's (verdict/latency.ts). */
  latency: LatencyVerdict;
  /** Failed requests the app said its database failed (sample field `db`), by version and message (verdict/database.ts). */
  database: DatabaseErrors;
  /** migration=…: each schema change step, when it ran, who was serving, and the database errors after it. */
  migrations: MigrationStep[];
  timeline: TimelineBucket[];
  rollback: { happened: boolean; at: number | null; reason: string | null };
  /** Present when rolled back: failed requests by version and phase, first/last failure. */
  blastRadius: BlastRadius | null;
  startedAt: number;
  endedAt: number;
  malformedLines: number;
  /** One per connection kind present: new, reuse, "" (in that order). */
  probes: ProbeStats[];
  dropped: DroppedStats;
  /** k6 error code -> requests cancelled by the harness's stop of k6. */
  cancelledAtStop: Record<string, number>;
  /** Requests k6 counted in iterations the harness's stop cut before their sample was written (all sent after the last deploy window). */
  unloggedAtStop: number;
  windowRates: WindowRate[];
  gaps: EvidenceGap[];
  interrupted: string | null;
  /** Everything a pass needs, checked, in a fixed order (reports show it as is). */
  evidence: EvidenceCheck[];
  /** Versions from the requests' connections (conntrack) where the app named none; absent: not tracked. */
  attribution?: AttributionStats;
  /** The live gate's passed analyses ("analysis" events): by version, or every request where no response named one. */
  gates?: GateRecord[];
}

/** A live gate's passed analysis: by version, or every request where no response named one. */
export interface GateRecord {
  version: string;
  mode: "by-version" | "every-request";
  reason: string;
}
