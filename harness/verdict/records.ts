// The records of the verdict that its modules compute (attribution.ts,
// request-names.ts, lag.ts, proxy-lag.ts, ingress-lag.ts, traffic-share.ts,
// outage-causes.ts, latency.ts, database.ts) and types.ts's Verdict holds.
// A leaf: it imports nothing, so types.ts and those modules can all import it
// without an import circle.

/** status (as a string; "0" = connection error) -> count */
export type Histogram = Record<string, number>;

export interface AttributionStats {
  /** How the rest were attributed. */
  method: "conntrack";
  /** Requests that carried the version header already. */
  byHeader: number;
  /** Requests attributed from their connection. */
  byConnection: number;
  /** Requests with neither (no connection found, or a pod address nobody knew). */
  unattributed: number;
}

export interface RequestNameStats {
  /** The request's name (its `name`, or METHOD path) as the load recorded it. */
  name: string;
  requests: number;
  ok: number;
  failed: number;
  /** Statuses of every request of this name (0 = no response). */
  histogram: Histogram;
  /** Send time of its first failed request; null when none failed. */
  firstFailure: number | null;
}

export interface PodLag {
  pod: string;
  /** Last send time of a request this pod answered, minus its deletion time (ms; ≥ 0). */
  ms: number;
}

export interface LagStats {
  /** Which requests were counted: those on a new connection each ("new"), or all ("all": no new-connection probe ran). */
  requests: "new" | "all";
  /** Deleted pods that answered at least one request before or after their deletion. */
  pods: PodLag[];
  minMs: number;
  medianMs: number;
  maxMs: number;
}

export interface ProxyLag {
  /** Per deleted pod whose endpoint was seen leaving service and a sync followed on every node. */
  pods: Array<{ pod: string; ms: number }>;
  minMs: number;
  medianMs: number;
  maxMs: number;
  /** kube-proxy's network-programming histogram over the run: changes programmed and their mean (ms), summed over nodes. */
  programming: { count: number; meanMs: number | null } | null;
}

export interface IngressLag {
  controller: string;
  /** Per deleted pod seen leaving service that answered a request around it. */
  pods: Array<{ pod: string; ms: number }>;
  minMs: number;
  medianMs: number;
  maxMs: number;
  /** Measured pods an outage names (they stopped while the controller still sent to them): their figure is a lower bound. */
  cutShort: number;
}

export interface StepShare {
  /** The weight the route gave the canary, percent. */
  percent: number;
  canaryVersion: string;
  start: number;
  end: number;
  /** 200s naming a version in the step's interval. */
  requests: number;
  /** Of those, the share answered by the canary version, percent. */
  canaryShare: number;
  withinTolerance: boolean;
}

export interface OutageCause {
  /** The rule that matched, or null. */
  rule: "app-answered-errors" | "database-error" | "proxy-upstream-closed" | "stopped-before-traffic" | "no-ready-endpoint" | null;
  /** The pods the explanation names (that answered with errors, or were being deleted around the outage). */
  pods: string[];
  text: string;
}

export interface LatencyStats {
  /** Phase name, window label, or version. */
  name: string;
  /** Answered (200) requests counted. */
  requests: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface LatencyWindow {
  label: string;
  /** Every answered request of the window, whichever version served it (shown, not judged). */
  all: LatencyStats;
  /** Per version answering in the window. */
  byVersion: LatencyStats[];
  /** The versions judged: new in this window; empty = none new, so all requests were judged. */
  judgedVersions: string[];
  /** The judged requests' figures. */
  judged: LatencyStats;
  /** The old versions' answered requests in the same window (versions that answered before it); null when none answered or nothing new was judged. */
  old: LatencyStats | null;
  /** The median the new version had to exceed to be slower than the old one at the same time; null without enough old requests. */
  oldMedianLimitMs: number | null;
  /** Over the warm-up's limits, but no slower than the old version in the same window: a note, not a failure. */
  slowForAll: boolean;
  /** The p99 above which the window fails (with the median over its own limit); null when it was not judged. */
  limitMs: number | null;
  /** The median above which the window fails (with the p99 over its limit); null when it was not judged. */
  medianLimitMs: number | null;
  over: boolean;
}

export interface LatencyRule {
  /** A window fails when its judged p99 exceeds the warm-up's p99 × factor … (0 = latency is shown, never judged) */
  factor: number;
  /** … and is at least this many ms above it … */
  floorMs: number;
  /** … and the median too: above the warm-up's median × factor and at least this many ms above it. */
  medianFloorMs: number;
  /** Fewer answered requests than this (warm-up, or the judged ones of a window): not judged, and said so. */
  minRequests?: number;
}

export interface LatencyVerdict {
  phases: LatencyStats[];
  /** The warm-up's figures the windows are judged against; null when there were too few to judge. */
  baseline: LatencyStats | null;
  windows: LatencyWindow[];
  factor: number;
  floorMs: number;
  medianFloorMs: number;
  /** Reported, not failed: a p99 over its limit with the median within its own (a tail), or a window slow for the old version as well. */
  tails: string[];
  /** Why latency (or a window) was not judged; empty when everything was. */
  notJudged: string[];
  /** One line per window over its limit, each starting with "latency:" and giving the figures. */
  breaches: string[];
}

export interface DatabaseErrorGroup {
  version: string;
  message: string;
  count: number;
  first: number;
  last: number;
}

export interface DatabaseErrors {
  /** Failed requests whose answer said the database failed. */
  failed: number;
  byVersion: Record<string, number>;
  /** One per (version, message), most frequent first. */
  groups: DatabaseErrorGroup[];
}

export interface MigrationStep {
  step: string;
  sql: string;
  /** When the harness began the step, and when the database had applied it (null: no end recorded). */
  at: number;
  doneAt: number | null;
  /** Answers (any status) by version in the second before the step: who was serving when the schema changed. */
  servingBefore: Record<string, number>;
  /** Database errors by version from the step until the next one (or the end of the run). */
  dbErrorsAfter: Record<string, number>;
}
