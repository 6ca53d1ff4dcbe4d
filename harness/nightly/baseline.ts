// Tonight against the baseline. The baseline is the last BASELINE_NIGHTS
// records of the scenario that were conclusive and not regressions (a
// regression never becomes the new normal). Tonight regresses when:
//   (a) it had failed requests and the baseline's median was 0 failed;
//   (b) its disruption is above the baseline's P99 + max(5 s, 20 %), the
//       grace OpenShift's disruption monitor uses;
//   (c) the same per rollout (rollout i against the baseline's rollout i);
//   (d) it was rolled back and no baseline night was.
// No baseline: "new" (tonight starts the history). Inconclusive: never "ok".
import type { Result, NightRecord } from "./history.ts";
import type { NightNumbers } from "./numbers.ts";

export const BASELINE_NIGHTS = 14;

export interface BaselineSummary {
  nights: number;
  failedMedian: number;
  disruptionP99: number;
  /** Disruption above this is a regression, s. */
  limit: number;
  rolledBack: number;
}

export interface Judgement {
  result: Result;
  problems: string[];
  baseline: BaselineSummary | null;
}

/** Nearest rank: the ceil(0.99 n)-th smallest. */
export function p99(values: readonly number[]): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(0.99 * sorted.length) - 1)]!;
}

export function median(values: readonly number[]): number {
  if (!values.length) return 0;
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export const disruptionLimit = (p99s: number): number => p99s + Math.max(5, 0.2 * p99s);

export function baselineOf(history: readonly NightRecord[]): NightRecord[] {
  return history.filter((r) => r.verdict !== "inconclusive" && r.result !== "regression" && r.result !== "inconclusive").slice(-BASELINE_NIGHTS);
}

const s1 = (n: number) => `${n.toFixed(1)} s`;
const reqs = (n: number) => `${n} failed request${n === 1 ? "" : "s"}`;

function rules(what: string, failed: number, disruption: number, base: Array<{ failed: number; disruptionSeconds: number }>): string[] {
  const out: string[] = [];
  const p = p99(base.map((b) => b.disruptionSeconds));
  const limit = disruptionLimit(p);
  if (failed > 0 && median(base.map((b) => b.failed)) === 0) out.push(`${what}${reqs(failed)}; the baseline (${base.length} night${base.length === 1 ? "" : "s"}) had none`);
  if (disruption > limit) out.push(`${what}disruption ${s1(disruption)} above the limit ${s1(limit)} (baseline P99 ${s1(p)} + max(5 s, 20 %))`);
  return out;
}

export function judgeNight(tonight: NightNumbers, history: readonly NightRecord[]): Judgement {
  const base = baselineOf(history);
  const summary: BaselineSummary | null = base.length
    ? {
        nights: base.length,
        failedMedian: median(base.map((b) => b.failed)),
        disruptionP99: p99(base.map((b) => b.disruptionSeconds)),
        limit: disruptionLimit(p99(base.map((b) => b.disruptionSeconds))),
        rolledBack: base.filter((b) => b.verdict === "rolled-back").length,
      }
    : null;
  if (tonight.verdict === "inconclusive") return { result: "inconclusive", problems: [`inconclusive: ${tonight.headline}`], baseline: summary };
  if (!summary) return { result: "new", problems: [], baseline: null };
  const problems = rules("", tonight.failed, tonight.disruptionSeconds, base);
  for (const [i, r] of tonight.rollouts.entries()) {
    const same = base.flatMap((b) => (b.rollouts[i] ? [b.rollouts[i]!] : []));
    if (same.length) problems.push(...rules(`${r.label}: `, r.failed, r.disruptionSeconds, same));
  }
  if (tonight.verdict === "rolled-back" && summary.rolledBack === 0) problems.push(`rolled back; no baseline night (${summary.nights}) was`);
  return { result: problems.length ? "regression" : "ok", problems, baseline: summary };
}
