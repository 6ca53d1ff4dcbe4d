// Outages: the intervals of send time in which requests failed, merged when
// close, with what failed and who answered. Their causes: outage-causes.ts.
import { errorsByCode, histogram, isFailed } from "./counting.ts";
import { inc } from "./format.ts";
import { byTime } from "./run-span.ts";
import { lowerBound, upperBound } from "./sorted.ts";
import type { Outage, Sample } from "./types.ts";

/**
 * Contiguous failure intervals: consecutive failed requests (by send time)
 * less than `mergeGapMs` apart belong to the same outage.
 */
export function outages(samples: readonly Sample[], mergeGapMs = 1000): Outage[] {
  const sorted = byTime(samples);
  const ts = Float64Array.from(sorted, (s) => s.t);
  const runs: Sample[][] = [];
  let cur: Sample[] | null = null;
  for (const s of sorted) {
    if (!isFailed(s)) continue;
    if (cur && s.t - cur[cur.length - 1]!.t < mergeGapMs) cur.push(s);
    else runs.push((cur = [s]));
  }
  return runs.map((run) => {
    const start = run[0]!.t;
    const end = run[run.length - 1]!.t;
    let doneAt = end;
    for (const s of run) doneAt = Math.max(doneAt, s.t + (s.d > 0 ? s.d : 0));
    return {
      start,
      end,
      doneAt,
      durationMs: end - start,
      failed: run.length,
      requests: upperBound(ts, end) - lowerBound(ts, start),
      histogram: histogram(run),
      errorsByCode: errorsByCode(run),
      answeredBy: answeredBy(run),
    };
  });
}

function answeredBy(run: readonly Sample[]): Record<string, number> {
  const by: Record<string, number> = {};
  for (const s of run) if (s.s !== 0 && s.p) inc(by, s.p);
  return by;
}
