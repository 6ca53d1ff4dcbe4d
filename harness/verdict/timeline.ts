// Requests per second (or wider bucket) of send time, split by outcome and
// answering version: the run's traffic as a time series.
import { isFailed } from "./counting.ts";
import { inc } from "./format.ts";
import { minMaxT } from "./run-span.ts";
import type { Sample, TimelineBucket } from "./types.ts";

/** Upper bound on timeline buckets; beyond it the bucket is widened (doubling). */
export const MAX_TIMELINE_BUCKETS = 100_000;

/**
 * Requests per bucket of send time, from `origin` (default: the first sample).
 * Empty buckets are included so gaps in traffic show. `byVersion` counts 200
 * responses per version; every non-200 is in `failed`.
 */
export function timeline(samples: readonly Sample[], bucketMs = 1000, origin?: number): TimelineBucket[] {
  const mm = minMaxT(samples);
  if (!mm) return [];
  let size = bucketMs > 0 && Number.isFinite(bucketMs) ? bucketMs : 1000;
  let start = origin ?? mm.min;
  if (start > mm.min) start -= Math.ceil((start - mm.min) / size) * size;
  while (Math.floor((mm.max - start) / size) + 1 > MAX_TIMELINE_BUCKETS) size *= 2;
  const n = Math.floor((mm.max - start) / size) + 1;
  const out: TimelineBucket[] = Array.from({ length: n }, (_, i) => ({
    t: start + i * size,
    total: 0,
    ok: 0,
    failed: 0,
    byVersion: {},
  }));
  for (const s of samples) {
    const b = out[Math.floor((s.t - start) / size)]!;
    b.total++;
    if (isFailed(s)) b.failed++;
    else {
      b.ok++;
      inc(b.byVersion, s.v);
    }
  }
  return out;
}
