// Tonight against the baseline of its scenario.
//
// Baseline: the last BASELINE_NIGHTS (14) records of the scenario whose verdict
// was not inconclusive and whose result was neither a regression nor a
// failure (neither ever becomes the new normal). No such record: no baseline.
//
// Judgement, in this order:
//   - tonight inconclusive -> "inconclusive" (never a pass, never "new");
//   - "failed": tonight's run failed requests beyond the scenario's budget
//     (maxFailedRequests, 0 unless the suite declares one: an accepted risk,
//     never learned from history), or failed on another rule (latency) —
//     with or without a baseline, whatever the baseline nights did;
//   - no baseline          -> "new" (tonight starts the history);
//   - "regression" when any of what a passing run can still get worse at:
//     (b) tonight's disruption is above the limit P99 + max(5 s, 20 %) of the
//         baseline's disruption (P99 by nearest rank; the grace is the one
//         OpenShift's disruption monitor uses);
//     (c) (b) for rollout i against rollout i of the baseline nights
//         that had one; the problem starts with the rollout's label + ": ";
//     (d) tonight was rolled back and no baseline night was;
//     (e) rollout i's p99 latency (the requests the latency rule judged) is
//         above P99 + max(50 ms, 50 %) of rollout i's p99 on the baseline
//         nights that recorded one (deploy windows are noisy: the grace is
//         wide, and a version 200 ms slower is still far above it);
//   - else "ok".
// Every problem carries its numbers; seconds have 1 decimal (more when needed
// to tell a value from its limit).
import { spread } from "../experiment/results.ts";
import type { NightRecord, Result } from "./history.ts";
import type { NightNumbers } from "./numbers.ts";

export const BASELINE_NIGHTS = 14;

export interface BaselineSummary {
  nights: number;
  failedMedian: number;
  disruptionP99: number;
  /** Disruption above this is a regression, s. */
  limit: number;
  /** Baseline nights that were rolled back. */
  rolledBack: number;
}

export interface Judgement {
  result: Result;
  problems: string[];
  baseline: BaselineSummary | null;
}

/** Nearest rank: the ceil(0.99 n)-th smallest; 0 for no values. */
export function p99(values: readonly number[]): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(0.99 * sorted.length) - 1)]!;
}

export const median = (values: readonly number[]): number => spread(values)?.median ?? 0;

/** P99 + max(50 ms, 50 %), for the rollouts' p99 latency. */
export const latencyLimit = (p99ms: number): number => Math.round((p99ms + Math.max(50, 0.5 * p99ms)) * 10) / 10;

/** P99 + max(5 s, 20 %). */
export const disruptionLimit = (p99s: number): number => p99s + Math.max(5, 0.2 * p99s);

/** The baseline within a scenario's history (oldest first); null when there is none. */
export function baselineOf(history: readonly NightRecord[]): NightRecord[] | null {
  const good = history.filter((r) => r.verdict !== "inconclusive" && r.result !== "regression" && r.result !== "inconclusive" && r.result !== "failed");
  return good.length ? good.slice(-BASELINE_NIGHTS) : null;
}

export function summarize(base: readonly NightRecord[]): BaselineSummary {
  const p = p99(base.map((b) => b.disruptionSeconds));
  return {
    nights: base.length,
    failedMedian: median(base.map((b) => b.failed)),
    disruptionP99: p,
    limit: disruptionLimit(p),
    rolledBack: base.filter((b) => b.verdict === "rolled-back").length,
  };
}

/** Seconds with 1 decimal, or as many (up to 3) as it takes for `x` not to read like `limit`. */
function secondsPair(x: number, limit: number): [string, string] {
  let d = 1;
  while (d < 3 && x !== limit && x.toFixed(d) === limit.toFixed(d)) d++;
  return [`${x.toFixed(d)} s`, `${limit.toFixed(d)} s`];
}

const nights = (n: number) => `${n} night${n === 1 ? "" : "s"}`;
const reqs = (n: number) => `${n} failed request${n === 1 ? "" : "s"}`;

/** Rule (b) for the whole run (what = "") or one rollout (what = "rollout-1: "). */
function rules(what: string, disruption: number, base: ReadonlyArray<{ disruptionSeconds: number }>): string[] {
  const out: string[] = [];
  const p = p99(base.map((b) => b.disruptionSeconds));
  const limit = disruptionLimit(p);
  if (disruption > limit) {
    const [x, l] = secondsPair(disruption, limit);
    out.push(`${what}disruption ${x} above the limit ${l} (baseline P99 ${p.toFixed(1)} s + max(5 s, 20 %))`);
  }
  return out;
}

/** Why tonight's run failed on its own, whatever the history: failed requests beyond the budget (per rollout too), or another rule's fail. */
function failures(tonight: NightNumbers, budget: number): string[] {
  const within = budget > 0 ? ` (budget ${budget})` : "";
  if (tonight.failed > budget) {
    const per = tonight.rollouts.filter((r) => r.failed > 0).map((r) => `${r.label}: ${reqs(r.failed)}`);
    return [`${reqs(tonight.failed)} of ${tonight.requests}${within}${tonight.headline ? `: ${tonight.headline}` : ""}`, ...per];
  }
  // A fail with no failed request is another rule's (latency); one within the budget is the accepted risk.
  if (tonight.verdict === "fail" && tonight.failed === 0) return [`failed: ${tonight.headline}`];
  return [];
}

/**
 * Judges tonight against a baseline (baselineOf). A whole history may be
 * passed as well: the baseline rule is applied to it again (it is idempotent).
 */
export function judgeNight(tonight: NightNumbers, baseline: readonly NightRecord[] | null, maxFailedRequests = 0): Judgement {
  const base = baseline && baselineOf(baseline);
  const summary = base ? summarize(base) : null;
  if (tonight.verdict === "inconclusive") return { result: "inconclusive", problems: [`inconclusive: ${tonight.headline}`], baseline: summary };
  const failedProblems = failures(tonight, maxFailedRequests);
  if (failedProblems.length) return { result: "failed", problems: failedProblems, baseline: summary };
  if (!base || !summary) return { result: "new", problems: [], baseline: null };
  const problems = rules("", tonight.disruptionSeconds, base);
  for (const [i, r] of tonight.rollouts.entries()) {
    const same = base.flatMap((b) => (b.rollouts[i] ? [b.rollouts[i]!] : []));
    if (same.length) problems.push(...rules(`${r.label}: `, r.disruptionSeconds, same));
    const lat = same.flatMap((b) => (b.p99Ms === undefined ? [] : [b.p99Ms]));
    if (r.p99Ms !== undefined && lat.length) {
      const p = p99(lat);
      if (r.p99Ms > latencyLimit(p)) problems.push(`${r.label}: p99 latency ${r.p99Ms} ms above the limit ${latencyLimit(p)} ms (baseline P99 ${p} ms over ${nights(lat.length)} + max(50 ms, 50 %))`);
    }
  }
  if (tonight.verdict === "rolled-back" && summary.rolledBack === 0) problems.push(`rolled back; no baseline night (${summary.nights}) was`);
  return { result: problems.length ? "regression" : "ok", problems, baseline: summary };
}
