import { describe, expect, it } from "vitest";
import { judge } from "../../harness/verdict/analyze.ts";
import { judgeLatency, latencyStats, percentile } from "../../harness/verdict/latency.ts";
import type { Sample } from "../../harness/verdict/types.ts";
import { T0 } from "../fixtures/make-fixtures.ts";
import { input, judgeFixture, loadFixture, WINDOW_EVENTS } from "./verdict-helpers.ts";

const at = (t: number, d: number, v = "v1", s = 200, c?: Sample["c"]): Sample => ({ t, d, s, e: 0, v, p: `pod-${v}`, ph: "", ...(c ? { c } : {}) });

describe("percentile (nearest rank)", () => {
  it("takes the value at rank ceil(q × n)", () => {
    const xs = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 0.5)).toBe(50);
    expect(percentile(xs, 0.99)).toBe(99);
    expect(percentile(xs, 1)).toBe(100);
    expect(percentile(Float64Array.from([7]), 0.99)).toBe(7);
    expect(percentile(new Float64Array(0), 0.99)).toBe(0);
  });
});

describe("latencyStats", () => {
  it("counts only 200 answers that are not streams, inside [from, to]", () => {
    const s = [at(0, 10), at(1, 20), at(2, 9999, "v1", 503), at(3, 9999, "v1", 200, "stream-end"), at(50, 9999)];
    expect(latencyStats("x", s, 0, 10)).toEqual({ name: "x", requests: 2, p50: 10, p95: 20, p99: 20, max: 20 });
  });
});

describe("latency rule (fixtures)", () => {
  it("fails a run whose new version answers 200 ms slower, with the p99 figures in the reason", async () => {
    const v = judgeFixture(await loadFixture("slow-new-version"));
    expect(v.outcome).toBe("fail");
    expect(v.requests.failed).toBe(0);
    const line = v.reasons[0]!;
    expect(line).toMatch(/^latency: rollout-1: the new version v2 answered with p99 2\d\d(\.\d)? ms and median 2\d\d(\.\d)? ms/);
    expect(line).toContain(`against the warm-up's p99 ${v.latency.baseline!.p99} ms and median ${v.latency.baseline!.p50} ms`);
    expect(v.latency.baseline!.p99).toBeLessThan(10);
    const w = v.latency.windows[0]!;
    expect(w.judgedVersions).toEqual(["v2"]);
    expect(w.over).toBe(true);
    expect(w.limitMs).toBe(Math.round((v.latency.baseline!.p99 + 150) * 10) / 10);
  });

  it("passes the same run when the old version, not the new one, is slow while it terminates (shown, not judged)", async () => {
    const v = judgeFixture(await loadFixture("slow-old-version"));
    expect(v.outcome).toBe("pass");
    const w = v.latency.windows[0]!;
    expect(w.all.p99).toBeGreaterThan(250);
    expect(w.judged.p99).toBeLessThan(15);
    expect(w.byVersion.map((x) => x.name)).toEqual(["v1", "v2"]);
  });

  it("passes a good release, and reports per phase p50/p95/p99/max", async () => {
    const v = judgeFixture(await loadFixture("valid-pass"));
    expect(v.outcome).toBe("pass");
    expect(v.latency.breaches).toEqual([]);
    expect(v.latency.phases.map((p) => p.name)).toEqual(["warmup", "rollout-1", "cooldown"]);
    for (const p of v.latency.phases) {
      expect(p.p50).toBeLessThanOrEqual(p.p95);
      expect(p.p95).toBeLessThanOrEqual(p.p99);
      expect(p.p99).toBeLessThanOrEqual(p.max);
    }
  });

  it("adds the latency breach to a run that already fails on errors", async () => {
    const f = await loadFixture("slow-new-version");
    f.samples[f.samples.length - 1] = { ...f.samples[f.samples.length - 1]!, s: 0, e: 1212, v: "" };
    const v = judgeFixture(f);
    expect(v.outcome).toBe("fail");
    expect(v.reasons.some((r) => r.startsWith("latency: rollout-1"))).toBe(true);
  });

  it("honours latencyFactor=0 (shown, never judged) and a higher floor", async () => {
    const f = await loadFixture("slow-new-version");
    const off = judgeFixture(f, { config: { minRequestsInWindow: 1000, targetRate: 80, latency: { factor: 0, floorMs: 150, medianFloorMs: 50 } } });
    expect(off.outcome).toBe("pass");
    expect(off.latency.windows[0]!.judged.p99).toBeGreaterThan(200);
    const lax = judgeFixture(f, { config: { minRequestsInWindow: 1000, targetRate: 80, latency: { factor: 3, floorMs: 500, medianFloorMs: 50 } } });
    expect(lax.outcome).toBe("pass");
  });
});

describe("latency rule (edge cases)", () => {
  const warm = Array.from({ length: 150 }, (_, i) => at(T0 + i * 6, 5));
  const win = (d: number, v: string, n = 150) => Array.from({ length: n }, (_, i) => at(T0 + 1000 + i * 13, d, v));

  it("does not judge (and says why) when the warm-up answered too few requests", () => {
    const few = warm.slice(0, 20);
    const l = judgeLatency([...few, ...win(900, "v2")], [{ name: "warmup", start: T0, end: T0 + 999, requests: 0, failed: 0, histogram: {} }], [{ label: "rollout-1", start: T0 + 1000, end: T0 + 3000, closed: true }], { factor: 3, floorMs: 150, medianFloorMs: 50 });
    expect(l.baseline).toBeNull();
    expect(l.breaches).toEqual([]);
    expect(l.notJudged[0]).toContain("the warm-up had 20 answered requests (fewer than 100)");
  });

  it("does not judge a window whose new version answered too few requests", () => {
    const l = judgeLatency([...warm, ...win(900, "v2", 30)], [{ name: "warmup", start: T0, end: T0 + 999, requests: 0, failed: 0, histogram: {} }], [{ label: "rollout-1", start: T0 + 1000, end: T0 + 3000, closed: true }], { factor: 3, floorMs: 150, medianFloorMs: 50 });
    expect(l.windows[0]!.over).toBe(false);
    expect(l.notJudged[0]).toContain("30 answered requests from v2 (fewer than 100)");
  });

  it("judges every request of a window with no new version (a drain)", () => {
    const v = judge(input({ samples: [...warm, ...win(400, "v1")], events: WINDOW_EVENTS }));
    expect(v.latency.windows[0]!.judgedVersions).toEqual([]);
    expect(v.outcome).toBe("fail");
    expect(v.reasons[0]).toMatch(/^latency: rollout-1: all versions answered with p99 400 ms and median 400 ms/);
  });

  it("a slow tail with the median where it was is a note, not a failure (the machine, not the version)", () => {
    const tail = Array.from({ length: 300 }, (_, i) => at(T0 + 1000 + i * 10, i % 25 === 0 ? 600 : 5, "v2"));
    const v = judge(input({ samples: [...warm, ...tail], events: WINDOW_EVENTS }));
    expect(v.outcome).toBe("pass");
    expect(v.latency.windows[0]!.judged.p99).toBe(600);
    expect(v.latency.breaches).toEqual([]);
    expect(v.reasons).toContain(
      "note: latency: rollout-1: the new version v2's p99 600 ms was above its limit of 155 ms, but its median 5 ms was within 55 ms: a slow tail (the machine or the proxy during the deploy), not a slower version, so not a failure",
    );
  });

  // Measured: one core taken by a busy loop, a good rolling update of the database app had v2 at
  // median 96 ms and v1, in the same window, at 102 ms, against a warm-up median of 5.1 ms.
  const both = (v1: number, v2: number) =>
    Array.from({ length: 300 }, (_, i) => at(T0 + 1000 + i * 6, i < 150 ? v1 : v2, i < 150 ? "v1" : "v2"));

  it("a window slow for the old version as well is a note with both versions' figures, not a failure (the machine)", () => {
    const v = judge(input({ samples: [...warm, ...both(300, 290)], events: WINDOW_EVENTS }));
    expect(v.outcome).toBe("pass");
    const w = v.latency.windows[0]!;
    expect([w.over, w.slowForAll, w.old?.p50, w.oldMedianLimitMs]).toEqual([false, true, 300, 900]);
    expect(v.latency.breaches).toEqual([]);
    expect(v.reasons).toContain(
      "note: latency: rollout-1: the new version v2 answered with p99 290 ms and median 290 ms, above the warm-up's limits of 155 ms and 55 ms, but the old version v1, answering in the same window, was as slow (p99 300 ms, median 300 ms; the new version's median had to exceed 900 ms): the machine or a shared dependency was slow for every version, not a slower version, so not a failure",
    );
  });

  it("a new version slower than the old one in the same window still fails, even when the old one was slow too", () => {
    const v = judge(input({ samples: [...warm, ...both(60, 400)], events: WINDOW_EVENTS }));
    expect(v.outcome).toBe("fail");
    const w = v.latency.windows[0]!;
    expect([w.over, w.slowForAll, w.oldMedianLimitMs]).toEqual([true, false, 180]);
    expect(v.reasons[0]).toMatch(/^latency: rollout-1: the new version v2 answered with p99 400 ms and median 400 ms/);
  });

  it("stays within the limit at 3 × a slow warm-up even above the floor", () => {
    const slowWarm = Array.from({ length: 150 }, (_, i) => at(T0 + i * 6, 100));
    const l = judgeLatency([...slowWarm, ...win(290, "v2")], [{ name: "warmup", start: T0, end: T0 + 999, requests: 0, failed: 0, histogram: {} }], [{ label: "rollout-1", start: T0 + 1000, end: T0 + 3000, closed: true }], { factor: 3, floorMs: 150, medianFloorMs: 50 });
    expect(l.windows[0]!.limitMs).toBe(300);
    expect(l.windows[0]!.over).toBe(false);
  });
});
