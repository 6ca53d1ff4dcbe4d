// The live gate for an app whose responses name no version (issue 24): it
// judges every request sent while the new version's pods serve, and a good
// deploy is never rolled back for "0 responses from v2".
import { describe, expect, it } from "vitest";
import { analyzeAll, guard, AnalysisFailedError, versionsNamed, type DeployContext } from "../../harness/deploy/strategy.ts";
import { validateConfig } from "../../harness/config.ts";
import type { SampleCounts } from "../../harness/load/sample-feed.ts";

/** Totals where nothing names a version: `total` requests, `failed` of them failed (`conn` with status 0). */
function unnamed(total: number, failed: number, conn = 0): SampleCounts {
  const byStatus: Record<string, number> = { "200": total - failed };
  if (failed - conn > 0) byStatus["503"] = failed - conn;
  if (conn > 0) byStatus["0"] = conn;
  return { total, ok: total - failed, failed, byStatus, byVersion: { "": { total, ok: total - failed, failed, byStatus } }, malformedLines: 0, firstT: 0, lastT: 0 };
}

const cfg = { analysisMinRequests: 50, analysisMaxErrorRate: 0 };

describe("analyzeAll (no version named)", () => {
  it("passes on enough clean requests since the new pods served, with the numbers and why every request counts", () => {
    const a = analyzeAll(unnamed(1000, 0), unnamed(400, 0), "v2", cfg);
    expect(a.verdict).toBe("pass");
    expect(a.reason).toBe("analysis passed: 0 of 600 requests sent while v2's pods were serving failed (0.00 %), limit 0.00 %; no response names its version, so every request counts");
  });
  it("fails on any failure since then, naming connection errors; failures before do not count", () => {
    const a = analyzeAll(unnamed(1000, 7, 2), unnamed(400, 5), "v2", cfg);
    expect(a.verdict).toBe("fail");
    expect(a.reason).toMatch(/^analysis failed: 2 of 600 requests sent while v2's pods were serving failed \(2 connection errors\)/);
    expect(analyzeAll(unnamed(1000, 5), unnamed(400, 5), "v2", cfg).verdict).toBe("pass");
  });
  it("is pending below the minimum", () => {
    expect(analyzeAll(unnamed(440, 0), unnamed(400, 0), "v2", cfg)).toEqual({ verdict: "pending", reason: "analysis pending: 40 < 50 requests sent while v2's pods were serving" });
  });
  it("versionsNamed: only a successful response with a version counts", () => {
    expect(versionsNamed(unnamed(10, 0))).toBe(false);
    const c = unnamed(10, 0);
    c.byVersion["v1"] = { total: 1, ok: 0, failed: 1, byStatus: { "0": 1 } };
    expect(versionsNamed(c)).toBe(false);
    c.byVersion["v1"] = { total: 1, ok: 1, failed: 0, byStatus: { "200": 1 } };
    expect(versionsNamed(c)).toBe(true);
  });
});

describe("guard with an app that names no version", () => {
  /** 100 requests per 250 ms of fake time; the new version serves from `servingAt` ms on; `failFrom` ms on, 1 in 10 fails. */
  function world(servingAt: number, failFrom = Infinity) {
    let t = 0;
    let total = 1000;
    let failed = 0;
    const clock = {
      now: () => t,
      sleep: async (ms: number) => {
        t += ms;
        total += 100;
        if (t >= failFrom) failed += 10;
      },
    };
    const ctx = {
      config: validateConfig({}),
      load: { counts: () => unnamed(total, failed) },
      clock,
      isServing: async () => t >= servingAt,
    } as unknown as DeployContext;
    return { ctx, now: () => t };
  }

  it("a good deploy passes (before: 'analysis inconclusive after 30 s: 0 < 50 responses from v2')", async () => {
    const w = world(1000);
    await expect(guard(w.ctx, "v2", Promise.resolve("done"))).resolves.toBe("done");
    // It waited for the new pods to serve, then for 50 requests after that.
    expect(w.now()).toBeGreaterThanOrEqual(1000);
    expect(w.now()).toBeLessThan(2000);
  });

  it("fails on failures once the new version's pods serve", async () => {
    const w = world(1000, 1500);
    const err = await guard(w.ctx, "v2", new Promise(() => {})).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AnalysisFailedError);
    expect((err as Error).message).toMatch(/^analysis failed: 10 of \d+ requests sent while v2's pods were serving failed/);
  });

  it("stays shut when the new version never serves: no evidence is no pass", async () => {
    const w = world(Infinity);
    const err = await guard(w.ctx, "v2", Promise.resolve("done"), 5_000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AnalysisFailedError);
    expect((err as Error).message).toBe("analysis inconclusive after 5 s: v2's pods are not serving yet");
  });
});

describe("the gate's passed analyses in the verdict", () => {
  it("records the mode so the report can say the gate judged every request", async () => {
    const { judge } = await import("../../harness/verdict/analyze.ts");
    const v = judge({
      samples: [],
      events: [{ t: 1, kind: "analysis", version: "v2", outcome: "pass", mode: "every-request", reason: "analysis passed: 0 of 600 requests …" }],
      evidence: { podsReplaced: true, k6ExitCode: 0 },
      config: { minRequestsInWindow: 1, targetRate: 1 },
      startedAt: 0,
      endedAt: 10,
      dropped: { total: 0, series: [] },
    });
    expect(v.gates).toEqual([{ version: "v2", mode: "every-request", reason: "analysis passed: 0 of 600 requests …" }]);
  });
});
