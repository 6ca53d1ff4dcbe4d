// The latency tables (per phase, per deploy window) and the rule in one sentence.
import type { LatencyStats, LatencyVerdict } from "../harness/verdict/records.ts";

const list = (xs: readonly string[]) => xs.map((x) => x || "(no version)").join(", ");

const cellsOf = (x: LatencyStats) => [x.requests, x.p50, x.p95, x.p99, x.max];

/** Report rows: phase, requests, p50, p95, p99, max (ms). */
export const LATENCY_PHASE_HEADER = ["phase", "answered", "p50 ms", "p95 ms", "p99 ms", "max ms"];
export function latencyPhaseRows(l: LatencyVerdict): (string | number)[][] {
  return l.phases.map((p) => [p.name, ...cellsOf(p)]);
}

/** Report rows per window: what was judged (the new version), its figures, the limit, and every version's p99. */
export const LATENCY_WINDOW_HEADER = ["window", "judged", "answered", "p50 ms", "p95 ms", "p99 ms", "max ms", "limits p99 / p50 ms", "over", "p99 by version"];
export function latencyWindowRows(l: LatencyVerdict): (string | number)[][] {
  return l.windows.map((w) => [
    w.label,
    w.judgedVersions.length ? `new: ${list(w.judgedVersions)}` : "all",
    ...cellsOf(w.judged),
    w.limitMs === null ? "not judged" : `${w.limitMs} / ${w.medianLimitMs}`,
    w.over ? "OVER" : "no",
    w.byVersion.map((x) => `${x.name || "(no version)"} ${x.p99}`).join(", "),
  ]);
}

/** The rule in one sentence, for reports. */
export function latencyRuleText(l: LatencyVerdict): string {
  if (l.factor === 0) return "Latency is shown, not judged (latencyFactor=0).";
  const base = l.baseline ? `the warm-up's p99 (${l.baseline.p99} ms)` : "the warm-up's p99 (too few answered requests: not judged)";
  return (
    `A deploy window fails when the p99 of its new version's answered requests exceeds the larger of ${base} × ${l.factor} and + ${l.floorMs} ms, ` +
    `and their median the larger of the warm-up's median × ${l.factor} and + ${l.medianFloorMs} ms, unless the old version answering in the same window was as slow ` +
    `(the new version's median within the larger of the old one's × ${l.factor} and + ${l.medianFloorMs} ms: a note); a window with no new version is judged on all its requests.`
  );
}
