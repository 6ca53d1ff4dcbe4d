// The numbers a night is judged by, from a run's verdict: failed requests and
// disruption (the sum of outage durations) for the whole run and per rollout
// (an outage belongs to the deploy window its first failure falls in).
import type { Outcome, Verdict } from "../verdict/types.ts";

export interface RolloutNumbers {
  label: string;
  failed: number;
  disruptionSeconds: number;
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

const secs = (ms: number) => Math.round(ms) / 1000;

export function numbersFrom(v: Pick<Verdict, "outcome" | "requests" | "outages" | "windows" | "reasons">, exitCode: number): NightNumbers {
  const rollouts = v.windows.map((w) => {
    const mine = v.outages.filter((o) => o.start >= w.start && o.start <= w.end);
    return { label: w.label, failed: mine.reduce((n, o) => n + o.failed, 0), disruptionSeconds: secs(mine.reduce((n, o) => n + o.durationMs, 0)) };
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
