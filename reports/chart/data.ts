// What report.html's chart draws, as plain data: requests/s by version and
// failed requests per bucket on a fine time grid, deploy windows and outages
// as bands, and every deleted pod's way out (deletion, endpoint not ready,
// endpoint removed, kube-proxy synced, exit) as marks. Times are seconds since `origin` with
// millisecond precision, so the chart can zoom to single requests' spacing.
import { isFailed } from "../../harness/verdict/counting.ts";
import { timeline } from "../../harness/verdict/timeline.ts";
import { versionLabel } from "../../harness/verdict/versions.ts";
import { podExits } from "../../harness/verdict/outage-causes.ts";
import type { RunEvent, Sample, TimelineBucket, Verdict } from "../../harness/verdict/types.ts";

export type MarkKind = "deleted" | "endpoint not ready" | "endpoint removed" | "kube-proxy synced" | "exited" | "migration";

export interface ChartData {
  /** Epoch ms of x = 0 (the first request). */
  origin: number;
  /** Width of one bucket, ms. */
  bucketMs: number;
  /** Bucket starts, seconds since origin. */
  x: number[];
  /** Series labels, one per version that answered 200. */
  versions: string[];
  /** requests/s answered 200 by each version, per bucket (same order as `versions`). */
  perVersion: number[][];
  /** Failed requests (non-200 or no response) per bucket. */
  failed: number[];
  windows: Array<{ label: string; start: number; end: number }>;
  outages: Array<{ start: number; end: number; failed: number; why: string }>;
  /** `pod` names the pod, or for a "migration" mark the step and its SQL. */
  marks: Array<{ t: number; kind: MarkKind; pod: string }>;
  /** Send time of each failed request (seconds, ms precision), the first MAX_FAILED_POINTS: ticks along the top, for zooms below a bucket. */
  failedAt: number[];
}

export const MAX_FAILED_POINTS = 20_000;

/** Fine buckets: 100 ms, widened (1-2-5 steps) so that a long run stays under this many. */
export const MAX_CHART_BUCKETS = 20_000;

export function chartBucketMs(durationMs: number): number {
  for (let p = 100; ; p *= 10) for (const m of [1, 2, 5]) if (durationMs / (m * p) <= MAX_CHART_BUCKETS) return m * p;
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

/**
 * The chart of one run. With the run's samples, buckets are fine (chartBucketMs);
 * without them, the verdict's own timeline is used. Events give the pod marks.
 */
export function chartData(v: Verdict, samples?: readonly Sample[], events: readonly RunEvent[] = []): ChartData {
  const origin = v.timeline[0]?.t ?? v.startedAt;
  const span = v.timeline.length > 0 ? v.timeline[v.timeline.length - 1]!.t + 1000 - origin : 0;
  const bucketMs = samples && samples.length > 0 ? chartBucketMs(span) : v.timeline.length > 1 ? v.timeline[1]!.t - v.timeline[0]!.t : 1000;
  const tl: TimelineBucket[] = samples && samples.length > 0 ? timeline(samples, bucketMs, origin) : v.timeline;
  const versions = [...new Set(tl.flatMap((b) => Object.keys(b.byVersion)))].sort(
    (a, b) => v.versions.findIndex((x) => x.version === a) - v.versions.findIndex((x) => x.version === b),
  );
  const sec = (t: number) => round3((t - origin) / 1000);
  const perS = 1000 / bucketMs;
  const marks: ChartData["marks"] = [];
  for (const e of podExits(events)) {
    const add = (t: number | null, kind: MarkKind) => {
      if (t !== null) marks.push({ t: sec(t), kind, pod: e.pod });
    };
    add(e.deletedAt, "deleted");
    add(e.endpointNotReadyAt, "endpoint not ready");
    add(e.endpointRemovedAt, "endpoint removed");
    add(e.programmedAt, "kube-proxy synced");
    add(e.exitedAt, "exited");
  }
  for (const m of v.migrations ?? []) marks.push({ t: sec(m.at), kind: "migration", pod: `${m.step} (${m.sql})` });
  marks.sort((a, b) => a.t - b.t);
  const failedAt: number[] = [];
  for (const x of samples ?? []) if (isFailed(x)) failedAt.push(x.t);
  failedAt.sort((a, b) => a - b);
  return {
    origin,
    bucketMs,
    x: tl.map((b) => sec(b.t)),
    versions: versions.map(versionLabel),
    perVersion: versions.map((ver) => tl.map((b) => round3((b.byVersion[ver] ?? 0) * perS))),
    failed: tl.map((b) => b.failed),
    windows: v.windows.map((w) => ({ label: w.label, start: sec(w.start), end: sec(w.end) })),
    outages: v.outages.map((o) => ({ start: sec(o.start), end: sec(o.end), failed: o.failed, why: o.cause?.text ?? "no explanation recorded" })),
    marks,
    failedAt: failedAt.slice(0, MAX_FAILED_POINTS).map(sec),
  };
}
