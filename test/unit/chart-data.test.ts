import { describe, expect, it } from "vitest";
import { judge } from "../../harness/verdict/analyze.ts";
import type { RunEvent, Sample } from "../../harness/verdict/types.ts";
import { chartBucketMs, chartData, MAX_CHART_BUCKETS } from "../../reports/chart/data.ts";

const T = 1_700_000_000_000;
const ok = (t: number, v = "v1"): Sample => ({ t: T + t, d: 1, s: 200, e: 0, v, p: "app-a", ph: "deploy" });
const refused = (t: number): Sample => ({ t: T + t, d: 1, s: 0, e: 1212, v: "", p: "", ph: "deploy" });

// 10 requests/s for 3 s, one refused at +1.25 s; app-a deleted at +1.0 s,
// its endpoint terminating at +1.03, gone at +1.28, its container out at +1.27.
const samples: Sample[] = [...Array.from({ length: 30 }, (_, i) => ok(i * 100, i < 15 ? "v1" : "v2")), refused(1250)];
const events: RunEvent[] = [
  { t: T - 1000, kind: "endpoints", slice: "app-x", endpoints: [{ pod: "app-a", ready: true }] },
  { t: T + 1000, kind: "pod", pod: "app-a", phase: "Running", terminating: true },
  { t: T + 1030, kind: "endpoints", slice: "app-x", endpoints: [{ pod: "app-a", ready: false, terminating: true }] },
  { t: T + 1270, kind: "pod", pod: "app-a", phase: "Succeeded", terminating: true },
  { t: T + 1280, kind: "endpoints", slice: "app-x", endpoints: [] },
  { t: T + 500, kind: "window-start", label: "rollout-1" },
  { t: T + 2500, kind: "window-end", label: "rollout-1" },
];
const input = () => ({
  samples,
  events,
  evidence: { podsReplaced: true, k6ExitCode: 0 },
  config: { minRequestsInWindow: 1, targetRate: 10 },
  startedAt: T,
  endedAt: T + 3000,
  dropped: { total: 0, series: [] },
});
const verdict = judge(input());

describe("chart data", () => {
  const d = chartData(verdict, samples, events);

  it("uses 100 ms buckets on seconds since the first request, rates in requests/s", () => {
    expect(d.bucketMs).toBe(100);
    expect(d.x.slice(0, 3)).toEqual([0, 0.1, 0.2]);
    expect(d.versions).toEqual(["v1", "v2"]);
    // One request per 100 ms bucket = 10 requests/s.
    expect(d.perVersion[0]![0]).toBe(10);
    expect(d.perVersion[1]![0]).toBe(0);
    expect(d.perVersion[1]![20]).toBe(10);
  });

  it("counts failures per bucket on their own series, and keeps each one's millisecond", () => {
    expect(d.failed[12]).toBe(1);
    expect(d.failedAt).toEqual([1.25]);
    expect(d.failed.reduce((a, b) => a + b, 0)).toBe(1);
  });

  it("marks each step of the deleted pod's way out at its millisecond", () => {
    expect(d.marks).toEqual([
      { t: 1, kind: "deleted", pod: "app-a" },
      { t: 1.03, kind: "endpoint not ready", pod: "app-a" },
      { t: 1.27, kind: "exited", pod: "app-a" },
      { t: 1.28, kind: "endpoint removed", pod: "app-a" },
    ]);
  });

  it("marks each schema migration step on the same axis, with its SQL", () => {
    const withStep = judge({ ...input(), events: [...events, { t: T + 600, kind: "migration", step: "expand", sql: "ALTER TABLE items ADD COLUMN label text" }] });
    const m = chartData(withStep, samples, events).marks.filter((x) => x.kind === "migration");
    expect(m).toEqual([{ t: 0.6, kind: "migration", pod: "expand (ALTER TABLE items ADD COLUMN label text)" }]);
    expect(d.marks.some((x) => x.kind === "migration")).toBe(false);
  });

  it("puts the outages with their explanation and the windows on the same axis", () => {
    expect(d.windows).toEqual([{ label: "rollout-1", start: 0.5, end: 2.5 }]);
    expect(d.outages).toHaveLength(1);
    expect(d.outages[0]).toMatchObject({ start: 1.25, end: 1.25, failed: 1 });
    expect(d.outages[0]!.why).toMatch(/app-a/);
  });

  it("without samples, falls back to the verdict's 1 s timeline", () => {
    const coarse = chartData(verdict);
    expect(coarse.bucketMs).toBe(1000);
    expect(coarse.x).toEqual([0, 1, 2]);
    expect(coarse.marks).toEqual([]);
  });

  it("widens buckets 1-2-5 so that a long run stays under the cap", () => {
    expect(chartBucketMs(60_000)).toBe(100);
    expect(chartBucketMs(2_000_000)).toBe(100);
    expect(chartBucketMs(2_000_001)).toBe(200);
    expect(chartBucketMs(8 * 3600_000)).toBe(2000);
    for (const ms of [1e6, 1e7, 1e8]) expect(ms / chartBucketMs(ms)).toBeLessThanOrEqual(MAX_CHART_BUCKETS);
  });
});
