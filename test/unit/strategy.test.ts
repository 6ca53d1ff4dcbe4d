import { describe, expect, it } from "vitest";
import { analyzeVersion, guard, AnalysisFailedError, type DeployContext } from "../../harness/deploy/strategy.ts";
import { canaryReplicas } from "../../harness/deploy/canary.ts";
import { validateConfig } from "../../harness/config.ts";
import type { SampleCounts } from "../../harness/load/k6.ts";
import { dropCancelledAtStop } from "../../harness/run.ts";

function counts(byVersion: Record<string, [number, number]>): SampleCounts {
  const bv: SampleCounts["byVersion"] = {};
  for (const [v, [total, failed]] of Object.entries(byVersion)) bv[v] = { total, ok: total - failed, failed, byStatus: {} };
  return { total: 0, ok: 0, failed: 0, byStatus: {}, byVersion: bv, malformedLines: 0, firstT: null, lastT: null };
}

const cfg = { analysisMinRequests: 50, analysisMaxErrorRate: 0 };

describe("live analysis", () => {
  it("fails as soon as the new version's error ratio exceeds the limit, with the numbers", () => {
    const a = analyzeVersion(counts({ v2: [20, 3] }), counts({}), "v2", cfg);
    expect(a.verdict).toBe("fail");
    expect(a.reason).toMatch(/3 of 20 responses from v2 failed \(15.00 %\)/);
  });
  it("is pending below the minimum and passes above it without errors", () => {
    expect(analyzeVersion(counts({ v2: [10, 0] }), undefined, "v2", cfg).verdict).toBe("pending");
    expect(analyzeVersion(counts({ v2: [100, 0] }), undefined, "v2", cfg).verdict).toBe("pass");
  });
  it("counts only what happened since the baseline", () => {
    expect(analyzeVersion(counts({ v2: [100, 5] }), counts({ v2: [50, 5] }), "v2", cfg).verdict).toBe("pass");
  });
  it("tolerates errors up to the configured ratio", () => {
    expect(analyzeVersion(counts({ v2: [100, 1] }), undefined, "v2", { ...cfg, analysisMaxErrorRate: 0.05 }).verdict).toBe("pass");
  });

  it("guard rejects with AnalysisFailedError while the guarded wait is still running", async () => {
    let current = counts({ v2: [0, 0] });
    const clock = { now: () => 0, sleep: async () => { current = counts({ v2: [10, 2] }); } };
    const ctx = { config: validateConfig({}), load: { counts: () => current }, clock } as unknown as DeployContext;
    await expect(guard(ctx, "v2", new Promise(() => {}))).rejects.toBeInstanceOf(AnalysisFailedError);
  });
  it("guard resolves with the guarded value once the analysis has passed", async () => {
    let current = counts({ v2: [0, 0] });
    let t = 0;
    const clock = { now: () => t, sleep: async (ms: number) => { t += ms; current = counts({ v2: [Math.min(100, t / 10), 0] }); } };
    const ctx = { config: validateConfig({}), load: { counts: () => current }, clock } as unknown as DeployContext;
    await expect(guard(ctx, "v2", Promise.resolve(42))).resolves.toBe(42);
    // It waited (baked) until 50 responses from v2 had been seen, not longer.
    expect(t).toBeGreaterThanOrEqual(500);
    expect(t).toBeLessThan(1000);
  });
  it("guard fails the gate when the new version got too little traffic to judge (no evidence is no pass)", async () => {
    let t = 0;
    const clock = { now: () => t, sleep: async (ms: number) => { t += ms; } };
    let current = counts({});
    const ctx = { config: validateConfig({}), load: { counts: () => current }, clock } as unknown as DeployContext;
    const guarded = guard(ctx, "v2", Promise.resolve("ok"), 5_000).catch((e) => e);
    current = counts({ v2: [3, 0] });
    const err = await guarded;
    expect(err).toBeInstanceOf(AnalysisFailedError);
    expect(err.message).toMatch(/analysis inconclusive after 5 s: 3 < 50 responses from v2/);
    expect(t).toBeGreaterThanOrEqual(5_000);
  });
  it("guard passes the guarded promise's rejection through", async () => {
    const ctx = { config: validateConfig({}), load: { counts: () => counts({}) } } as unknown as DeployContext;
    await expect(guard(ctx, "v2", Promise.reject(new Error("deadline")))).rejects.toThrow("deadline");
  });
});

describe("canary replicas", () => {
  it("maps percentages to replicas, at least one canary", () => {
    expect([10, 25, 50, 100].map((p) => canaryReplicas(4, p))).toEqual([1, 1, 2, 4]);
  });
});

describe("requests cancelled by the k6 stop", () => {
  it("drops only connection errors in flight at the stop", () => {
    const s = (t: number, d: number, st: number) => ({ t, d, s: st, e: st ? 0 : 1000, v: "", p: "", ph: "" });
    const samples = [s(1000, 5, 0), s(9990, 12, 0), s(9995, 1, 200), s(9000, 20, 0)];
    const r = dropCancelledAtStop(samples, 10_000, 5_000);
    expect(r.cancelled).toBe(1);
    expect(r.kept).toHaveLength(3);
  });
});
