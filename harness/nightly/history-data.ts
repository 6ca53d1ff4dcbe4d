// What history.html draws for one scenario, as plain data: one point per
// recorded night (oldest first) with its failed requests, disruption and
// per-rollout p99, the limits the baseline of the nights *before* it set
// (the same rules as baseline.ts: a night is never its own baseline), the
// tools that changed since the night before, and where its run folder is.
// Pure: the caller says where run folders are (and whether one is still there).
import { baselineOf, latencyLimit, p99, summarize } from "./baseline.ts";
import type { NightRecord, Result } from "./history.ts";
import { toolChanges } from "../run-versions.ts";

export interface HistoryNight {
  night: string;
  /** Epoch seconds the record was written (the chart's x). */
  x: number;
  runId: string;
  result: Result;
  verdict: string;
  headline: string;
  failed: number;
  requests: number;
  disruptionSeconds: number;
  /** The disruption limit of the baseline before this night (P99 + max(5 s, 20 %)); null: no baseline yet. */
  disruptionLimit: number | null;
  /** p99 latency per rollout label, ms (null: none judged that night). */
  p99Ms: Record<string, number | null>;
  /** The p99 limit per rollout label from the baseline nights before this one; null: none recorded. */
  p99LimitMs: Record<string, number | null>;
  /** Tools that differ from the night before ("k6: v1.8.1 → v1.9.0"). */
  toolsChanged: string[];
  /** Link to the night's run folder (its report.html), or null when the folder is gone. */
  href: string | null;
}

export interface HistoryChartData {
  scenario: string;
  /** Accepted failed requests a night (the suite's maxFailedRequests; 0: none). */
  budget: number;
  /** Rollout labels in order of first appearance. */
  rollouts: string[];
  nights: HistoryNight[];
}

/** Results that the page marks as a bad night. */
export const BAD_RESULTS: readonly Result[] = ["failed", "regression"];

export function historyChartData(scenario: string, records: readonly NightRecord[], opts: { budget?: number; href: (runId: string) => string | null }): HistoryChartData {
  const rollouts: string[] = [];
  for (const r of records) for (const w of r.rollouts) if (!rollouts.includes(w.label)) rollouts.push(w.label);
  const nights = records.map((r, i): HistoryNight => {
    const base = baselineOf(records.slice(0, i));
    const p99Ms: Record<string, number | null> = {};
    const p99LimitMs: Record<string, number | null> = {};
    rollouts.forEach((label, k) => {
      p99Ms[label] = r.rollouts.find((w) => w.label === label)?.p99Ms ?? null;
      // baseline.ts compares rollout i with rollout i of the baseline nights.
      const lat = (base ?? []).flatMap((b) => (b.rollouts[k]?.p99Ms === undefined ? [] : [b.rollouts[k]!.p99Ms!]));
      p99LimitMs[label] = lat.length ? latencyLimit(p99(lat)) : null;
    });
    const previous = records[i - 1];
    return {
      night: r.night,
      x: Date.parse(r.at) / 1000,
      runId: r.runId,
      result: r.result,
      verdict: r.verdict,
      headline: r.headline,
      failed: r.failed,
      requests: r.requests,
      disruptionSeconds: r.disruptionSeconds,
      disruptionLimit: base ? summarize(base).limit : null,
      p99Ms,
      p99LimitMs,
      toolsChanged: previous ? toolChanges(r.ranOn, [previous.ranOn]) : [],
      href: opts.href(r.runId),
    };
  });
  return { scenario, budget: opts.budget ?? 0, rollouts, nights };
}
