// The numbers a night is judged by, from a run's verdict:
//   failed             every failed request of the run (Verdict.requests.failed);
//   disruptionSeconds  the sum of the run's outage durations (first to last
//                      failed request of each outage), s, to the millisecond;
//   rollouts           the same per deploy window, in window order: an outage
//                      belongs to the first window whose [start, end] holds its
//                      start (outages outside every window count for the run only).
//                      Each rollout also carries p99Ms: the p99 of the requests
//                      the latency rule judged in that window (the new
//                      version's; verdict/latency.ts), absent when none answered.
//   headline           the verdict's first reason.
import type { Outcome, Verdict } from "../verdict/types.ts";

export interface RolloutNumbers {
  label: string;
  failed: number;
  disruptionSeconds: number;
  /** The judged p99 of the window, ms (absent: no answered request judged, or a record from before it was kept). */
  p99Ms?: number;
}

export interface NightNumbers {
  verdict: Outcome;
  exitCode: number;
  requests: number;
  failed: number;
  disruptionSeconds: number;
  rollouts: RolloutNumbers[];
  /** The verdict's first reason. */
  headline: string;
}

/** ms -> s, rounded to the millisecond (no float noise such as 1.2000000000000002). */
const secs = (ms: number) => Math.round(ms) / 1000;

export function numbersFrom(v: Pick<Verdict, "outcome" | "requests" | "outages" | "windows" | "reasons"> & Partial<Pick<Verdict, "latency">>, exitCode: number): NightNumbers {
  const rollouts: RolloutNumbers[] = v.windows.map((w) => ({ label: w.label, failed: 0, disruptionSeconds: 0 }));
  const ms = rollouts.map(() => 0);
  for (const o of v.outages) {
    const i = v.windows.findIndex((w) => o.start >= w.start && o.start <= w.end);
    if (i < 0) continue;
    rollouts[i]!.failed += o.failed;
    ms[i]! += o.durationMs;
  }
  rollouts.forEach((r, i) => {
    r.disruptionSeconds = secs(ms[i]!);
    const judged = v.latency?.windows[i]?.judged;
    if (judged && judged.requests > 0) r.p99Ms = judged.p99;
  });
  return {
    verdict: v.outcome,
    exitCode,
    requests: v.requests.total,
    failed: v.requests.failed,
    disruptionSeconds: secs(v.outages.reduce((n, o) => n + o.durationMs, 0)),
    rollouts,
    headline: v.reasons[0] ?? "",
  };
}
