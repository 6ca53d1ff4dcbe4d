// What the outcome rules decide on: the facts `judge` (analyze.ts) computes
// once from the samples, the events and the evidence findings. Plain data, so
// a rule's test builds them by hand.
import type { FaultFinding } from "../evidence/fault.ts";
import type { Finding } from "../evidence/finding.ts";
import type { Rollback } from "../rollback.ts";
import type { DatabaseErrors, Histogram } from "../records.ts";
import type { BlastRadius, ErrorCodeCount, Outage } from "../types.ts";

/** The evidence rules' findings (harness/verdict/evidence/), by name. */
export interface Findings {
  interrupted: Finding;
  fault: FaultFinding;
  coverage: Finding;
  pods: Finding;
  k6: Finding;
  /** Malformed lines, every request recorded (when k6's count is known), dropped iterations, rate in windows, gaps. */
  extra: Finding[];
}

/** Every finding, in the order the verdict lists their checks, problems and notes. */
export function inOrder(f: Findings): Finding[] {
  return [f.interrupted, f.fault, f.coverage, f.pods, f.k6, ...f.extra];
}

export interface Facts {
  /** Time 0 of every offset in the reasons: the first request sent (else the run's start). */
  origin: number;
  /** Requests recorded. */
  total: number;
  /** Requests sent inside a deploy window, in all and by window. */
  inWindow: number;
  inWindowByLabel: Record<string, number>;
  /** Failed requests; those inside deploy windows (by window) and outside them (by phase). */
  failed: number;
  failedInWindow: number;
  failedByWindow: Record<string, number>;
  failedOutsideByPhase: Record<string, number>;
  /** Failed requests by status (failed statuses only), and the run's k6 error codes. */
  failedHistogram: Histogram;
  errorsByCode: ErrorCodeCount[];
  outages: Outage[];
  database: DatabaseErrors;
  /** The rollback and the blast radius of its failed requests, or null. */
  rollback: (Rollback & { blastRadius: BlastRadius }) | null;
  findings: Findings;
  /** The latency rule's breaches (latency.ts), one sentence each: slow answers fail a run like failed ones. */
  slow: string[];
  /** Requests per second achieved against the target, and the fewest requests a deploy window must see. */
  achieved: number;
  targetRate: number;
  minRequestsInWindow: number;
  /** 0: k6 ran to its end; null: the harness stopped it. */
  k6ExitCode: number | null;
  /** Some sample carries its request's own success rule (`ok` / `q`), rather than "200 is success". */
  successByRequest: boolean;
}
