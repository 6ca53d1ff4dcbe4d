import { describe, expect, it } from "vitest";
import { analyzeVersion, guard, AnalysisFailedError, type DeployContext } from "../../harness/deploy/strategy.ts";
import { canaryReplicas } from "../../harness/deploy/canary.ts";
import { validateConfig } from "../../harness/config.ts";
import type { SampleCounts } from "../../harness/load/sample-feed.ts";

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

  // Connection errors carry no X-App-Version (v ""): during a step the harness
  // cannot tell which version a reset or refused connection was meant for, so
  // the ones since the baseline count against the version under analysis.
  it("fails a version whose pods reset connections (failures with no version count against it)", () => {
    // v2's pods reset most connections: few answers from v2, many status-0 samples with no version.
    const now = counts({ v1: [400, 0], v2: [60, 0], "": [40, 40] });
    now.byVersion[""]!.byStatus = { "0": 40 };
    const base = counts({ v1: [300, 0], "": [2, 2] });
    base.byVersion[""]!.byStatus = { "0": 2 };
    const a = analyzeVersion(now, base, "v2", cfg);
    expect(a.verdict).toBe("fail");
    expect(a.reason).toMatch(/0 of 60 responses from v2 failed, plus 38 connection errors with no version counted against v2 \(38 of 98 = 38.78 %\), limit 0.00 %/);
    // Above the minimum, with errors: still a failure at a 5 % limit, a pass at 50 %.
    expect(analyzeVersion(now, base, "v2", { ...cfg, analysisMaxErrorRate: 0.05 }).verdict).toBe("fail");
    expect(analyzeVersion(now, base, "v2", { ...cfg, analysisMaxErrorRate: 0.5 }).verdict).toBe("pass");
  });
  it("fails on connection errors alone, before any response from the version (nothing answers)", () => {
    const a = analyzeVersion(counts({ v1: [100, 0], "": [5, 5] }), counts({ v1: [50, 0] }), "v2", cfg);
    expect(a.verdict).toBe("fail");
    expect(a.reason).toMatch(/0 of 0 responses from v2 failed, plus 5 failures with no version counted against v2/);
  });
  it("counts only no-version failures since the baseline, and adds them to the version's own", () => {
    const a = analyzeVersion(counts({ v2: [100, 3], "": [10, 10] }), counts({ "": [10, 10] }), "v2", cfg);
    expect(a.verdict).toBe("fail");
    expect(a.reason).toMatch(/^analysis failed: 3 of 100 responses from v2 failed \(3.00 %\), limit 0.00 %$/);
    expect(analyzeVersion(counts({ v2: [100, 0], "": [10, 10] }), counts({ "": [10, 10] }), "v2", cfg).verdict).toBe("pass");
  });
  it("guard fails the gate when the new version's pods reset connections", async () => {
    let current = counts({ v1: [0, 0] });
    let t = 0;
    // The guarded step ends after 10 s (fake time): a gate that let this pass would resolve.
    let endStep!: () => void;
    const step = new Promise<string>((r) => (endStep = () => r("step done")));
    // Every 250 ms: 20 answers from v1, 5 from v2, and 5 reset connections (status 0, no version).
    const clock = {
      now: () => t,
      sleep: async (ms: number) => {
        t += ms;
        const n = t / 250;
        current = counts({ v1: [20 * n, 0], v2: [5 * n, 0], "": [5 * n, 5 * n] });
        if (t >= 10_000) endStep();
      },
    };
    const ctx = { config: validateConfig({}), load: { counts: () => current }, clock } as unknown as DeployContext;
    const err = await guard(ctx, "v2", step).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AnalysisFailedError);
    expect((err as Error).message).toMatch(/connection errors|failures with no version/);
    expect((err as Error).message).toMatch(/counted against v2/);
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
