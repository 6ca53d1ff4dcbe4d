import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../harness/config.ts";
import { loadExperiment, parseExperiment, parseExperimentText, type Experiment } from "../../harness/experiment/design.ts";
import { experimentReport, PASSED_ALL_MARK } from "../../harness/experiment/report.ts";
import { aggregate, csvField, resultRow, spread, toCsv, type RunRow, type VerdictLike } from "../../harness/experiment/results.ts";
import { experimentHash, planRuns, remaining, roundOrder, RUN_ID_PATTERN } from "../../harness/experiment/schedule.ts";
import type { Outage, Outcome, ProbeStats } from "../../harness/verdict/types.ts";

const FILE = "prestop.yaml";

function expectConfigError(f: () => unknown, ...patterns: RegExp[]): string {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ConfigError);
  const msg = (err as Error).message;
  for (const p of patterns) expect(msg).toMatch(p);
  return msg;
}

/** Three factors' worth of a typical preStop experiment. */
const PRESTOP_DOC = {
  name: "prestop",
  base: { shutdown: "abrupt", rollouts: 3 },
  factors: { preStopSleep: [0, 5, 10], shutdown: ["abrupt", "graceful"] },
  repeat: 5,
};

/** An experiment with `n` variants (base + preStopSleep = 1..n-1), for the schedule tests. */
function withVariants(n: number, name = "sched", repeat = 6): Experiment {
  return parseExperiment({ name, base: {}, factors: { preStopSleep: Array.from({ length: n }, (_, i) => i) }, repeat }, "sched.yaml");
}

describe("experiment design", () => {
  it("one-at-a-time: the base plus one variant per factor value that differs from the base", () => {
    const e = parseExperiment(PRESTOP_DOC, FILE);
    expect(e.design).toBe("one-at-a-time");
    expect(e.variants.map((v) => v.id)).toEqual(["base", "preStopSleep=5", "preStopSleep=10", "shutdown=graceful"]);
    expect(e.variants.map((v) => v.index)).toEqual([0, 1, 2, 3]);
    expect(e.variants[1]!.overrides).toEqual({ preStopSleep: 5 });
    expect(e.variants[1]!.config).toMatchObject({ preStopSleep: 5, shutdown: "abrupt", rollouts: 3, replicas: 4 });
    expect(e.variants[3]!.config).toMatchObject({ preStopSleep: 0, shutdown: "graceful", rollouts: 3 });
    expect(e.variants[0]!.overrides).toEqual({});
  });

  it("one-at-a-time compares with the base's resolved value (a default counts as the base's value)", () => {
    // shutdown defaults to graceful: only abrupt differs.
    const e = parseExperiment({ base: {}, factors: { shutdown: ["graceful", "abrupt"], maxSurge: [1, "25%", 2] }, repeat: 1 }, FILE);
    expect(e.variants.map((v) => v.id)).toEqual(["base", "shutdown=abrupt", "maxSurge=25%", "maxSurge=2"]);
  });

  it("grid: the cartesian product, first factor slowest, ids naming every factor", () => {
    const e = parseExperiment({ ...PRESTOP_DOC, design: "grid" }, FILE);
    expect(e.variants).toHaveLength(6);
    expect(e.variants.map((v) => v.id)).toEqual([
      "preStopSleep=0,shutdown=abrupt",
      "preStopSleep=0,shutdown=graceful",
      "preStopSleep=5,shutdown=abrupt",
      "preStopSleep=5,shutdown=graceful",
      "preStopSleep=10,shutdown=abrupt",
      "preStopSleep=10,shutdown=graceful",
    ]);
    expect(e.variants[3]!.overrides).toEqual({ preStopSleep: 5, shutdown: "graceful" });
    expect(e.variants[3]!.config).toMatchObject({ preStopSleep: 5, shutdown: "graceful", rollouts: 3 });
  });

  it("counts: one-at-a-time = 1 + Σ(values ≠ base); grid = Π values", () => {
    const factors = { replicas: [2, 4, 6], maxUnavailable: [0, 1], preStopSleep: [0, 3, 5, 8] };
    // Base: replicas 4, maxUnavailable 0, preStopSleep 0 (defaults) -> 1 + 2 + 1 + 3.
    expect(parseExperiment({ base: {}, factors, repeat: 2 }, FILE).variants).toHaveLength(7);
    expect(parseExperiment({ base: {}, factors, repeat: 2, design: "grid" }, FILE).variants).toHaveLength(24);
  });

  it("formats list values without ',' or '=' (canarySteps)", () => {
    const e = parseExperiment({ base: { strategy: "canary" }, factors: { canarySteps: [[25, 50, 100], [10, 100]] }, repeat: 1 }, FILE);
    expect(e.variants.map((v) => v.id)).toEqual(["base", "canarySteps=10/100"]);
  });

  it("reads YAML and JSON; the name defaults to the file name", async () => {
    const yaml = "base:\n  rollouts: 2\nfactors:\n  preStopSleep: [0, 5]\nrepeat: 3\ndesign: grid\n";
    const e = parseExperimentText(yaml, "/tmp/x/prestop-sweep.yaml");
    expect([e.name, e.repeat, e.design, e.variants.length]).toEqual(["prestop-sweep", 3, "grid", 2]);

    const dir = await mkdtemp(join(tmpdir(), "nodrop-exp-"));
    const file = join(dir, "shutdown.json");
    await writeFile(file, JSON.stringify({ factors: { shutdown: ["graceful", "abrupt"] }, repeat: 2 }));
    const j = await loadExperiment(file);
    expect([j.name, j.design, j.variants.map((v) => v.id)]).toEqual(["shutdown", "one-at-a-time", ["base", "shutdown=abrupt"]]);
    await expect(loadExperiment(join(dir, "missing.yaml"))).rejects.toThrow(/experiment file '.*missing.yaml' cannot be read/);
  });

  it("an invalid variant names the file, the variant and the field", () => {
    const msg = expectConfigError(
      () => parseExperiment({ base: { terminationGracePeriod: 30 }, factors: { preStopSleep: [0, 40] }, repeat: 3 }, FILE),
      /^experiment file 'prestop.yaml'/,
      /1 of 2 variants are invalid \(nothing was run\):\n/,
      /variant 'preStopSleep=40' is invalid:\n\s+preStopSleep: must be shorter than terminationGracePeriod \(30 s\)/,
    );
    expect(msg).not.toMatch(/variant 'base'/);
  });

  it("an invalid enum value names the allowed values", () => {
    expectConfigError(
      () => parseExperiment({ base: {}, factors: { shutdown: ["graceful", "sudden"] }, repeat: 1 }, FILE),
      /variant 'shutdown=sudden' is invalid/,
      /shutdown: .*\(allowed: graceful, abrupt\)/,
    );
  });

  it("an invalid base is named as the base, before any variant", () => {
    expectConfigError(
      () => parseExperiment({ base: { strategy: "teleport" }, factors: { preStopSleep: [0, 5] }, repeat: 1 }, FILE),
      /variant 'base' is invalid:\n\s+strategy: .*rolling, blue-green, canary/,
    );
    expectConfigError(() => parseExperiment({ base: { teleport: 1 }, factors: { preStopSleep: [0, 5] }, repeat: 1 }, FILE), /variant 'base'.*\n.*unknown field.*'teleport'/);
  });

  it("grid: lists only the invalid combinations", () => {
    const msg = expectConfigError(
      () =>
        parseExperiment({ base: {}, factors: { terminationGracePeriod: [10, 30], preStopSleep: [0, 20] }, repeat: 1, design: "grid" }, FILE),
      /1 of 4 variants are invalid/,
      /variant 'terminationGracePeriod=10,preStopSleep=20' is invalid:\n\s+preStopSleep: must be shorter than terminationGracePeriod \(10 s\)/,
    );
    expect(msg.match(/is invalid:/g)).toHaveLength(1);
  });

  it.each([
    [{ factors: { preStopSleep: [0] }, repeat: 0 }, /repeat: an integer from 1 to 50/],
    [{ factors: { preStopSleep: [0] }, repeat: 51 }, /repeat: an integer from 1 to 50/],
    [{ factors: { preStopSleep: [0] }, repeat: 2.5 }, /repeat: an integer from 1 to 50/],
    [{ factors: { preStopSleep: [0] } }, /repeat: an integer from 1 to 50/],
    [{ factors: { preStopSleep: [0] }, repeat: 2, design: "random" }, /design: one of one-at-a-time, grid/],
    [{ factors: { preStopSleep: [0] }, repeat: 2, runs: 3 }, /unknown key\(s\) 'runs' \(allowed: name, base, factors, repeat, design\)/],
    [{ factors: { teleport: [1, 2] }, repeat: 2 }, /factors.teleport: unknown field 'teleport' \(allowed: .*preStopSleep/],
    [{ factors: { runId: ["a", "b"] }, repeat: 2 }, /factors.runId: cannot be a factor/],
    [{ factors: { provider: ["local", "kind"] }, repeat: 2 }, /factors.provider: cannot be a factor/],
    [{ factors: { preStopSleep: [] }, repeat: 2 }, /factors.preStopSleep: a non-empty list of values/],
    [{ factors: { preStopSleep: 5 }, repeat: 2 }, /factors.preStopSleep: a list of values/],
    [{ factors: {}, repeat: 2 }, /factors: at least one factor/],
    [{ factors: { preStopSleep: [0, 5, 5] }, repeat: 2 }, /factors.preStopSleep: the value 5 is listed twice/],
    [{ base: { runId: "mine" }, factors: { preStopSleep: [0, 5] }, repeat: 2 }, /base.runId: not allowed/],
    [[1, 2], /must hold a mapping/],
  ])("rejects %j", (doc, pattern) => {
    expectConfigError(() => parseExperiment(doc, FILE), /^experiment file 'prestop.yaml':/, pattern);
  });

  it("rejects text that is not YAML", () => {
    expectConfigError(() => parseExperimentText("factors: [unclosed", FILE), /experiment file 'prestop.yaml': not valid YAML or JSON/);
  });
});

describe("experiment schedule", () => {
  it("runs every variant once per round, `repeat` rounds", () => {
    const e = withVariants(4, "sched", 6);
    const plan = planRuns(e);
    expect(plan.runs).toHaveLength(24);
    for (let r = 1; r <= 6; r++) {
      const round = plan.runs.filter((x) => x.round === r);
      expect(round.map((x) => x.variantIndex).sort()).toEqual([0, 1, 2, 3]);
      expect(round.every((x) => x.repetition === r)).toBe(true);
    }
    // Rounds are contiguous: round r occupies positions 4(r-1) .. 4r-1.
    expect(plan.runs.map((x) => x.round)).toEqual(plan.runs.map((_, i) => Math.floor(i / 4) + 1));
    expect(plan.runs.map((x) => x.seq)).toEqual(plan.runs.map((_, i) => i));
  });

  it("interleaves: no variant twice in a row, and (≥ 3 variants) no round repeats the order of the one before", () => {
    for (const n of [2, 3, 4, 5, 7]) {
      for (const name of ["a", "b", "prestop", "grid-1", "x".repeat(40)]) {
        const plan = planRuns(withVariants(n, name, 12));
        const seq = plan.runs.map((x) => x.variantIndex);
        for (let i = 1; i < seq.length; i++) expect(seq[i], `${name}/${n} at ${i}`).not.toBe(seq[i - 1]);
        if (n >= 3) {
          for (let r = 1; r < 12; r++) expect(seq.slice(r * n, (r + 1) * n)).not.toEqual(seq.slice((r - 1) * n, r * n));
        }
      }
    }
  });

  it("shuffles: with ≥ 3 variants the rounds do not all share one order, and the first run is not always the base", () => {
    const plan = planRuns(withVariants(4, "prestop", 10));
    const orders = new Set(Array.from({ length: 10 }, (_, r) => plan.runs.slice(r * 4, r * 4 + 4).map((x) => x.variantIndex).join("")));
    expect(orders.size).toBeGreaterThan(2);
    const firsts = new Set(Array.from({ length: 10 }, (_, r) => plan.runs[r * 4]!.variantIndex));
    expect(firsts.size).toBeGreaterThan(1);
  });

  it("is deterministic: same experiment, same plan; the order is seeded by the name and the round", () => {
    expect(planRuns(withVariants(5, "same"))).toEqual(planRuns(withVariants(5, "same")));
    expect(roundOrder(6, "same", 3, null)).toEqual(roundOrder(6, "same", 3, null));
    const a = planRuns(withVariants(6, "name-a", 4)).runs.map((x) => x.variantIndex);
    const b = planRuns(withVariants(6, "name-b", 4)).runs.map((x) => x.variantIndex);
    expect(a).not.toEqual(b);
  });

  it("gives every run a deterministic, valid, unique runId", () => {
    const e = parseExperiment(PRESTOP_DOC, FILE);
    const plan = planRuns(e);
    const hash = experimentHash(e);
    expect(hash).toMatch(/^[0-9a-f]{6}$/);
    expect(plan.hash).toBe(hash);
    for (const r of plan.runs) {
      expect(r.runId).toBe(`x${hash}-v${r.variantIndex}-r${r.repetition}`);
      expect(r.runId).toMatch(RUN_ID_PATTERN);
      expect(r.runId.length).toBeLessThanOrEqual(32);
      expect(r.variantId).toBe(e.variants[r.variantIndex]!.id);
    }
    expect(new Set(plan.runs.map((r) => r.runId)).size).toBe(plan.runs.length);
    // Parsed again (another process, a resumed experiment): the same ids.
    expect(planRuns(parseExperiment(structuredClone(PRESTOP_DOC), "elsewhere/prestop.yaml")).runs.map((r) => r.runId)).toEqual(plan.runs.map((r) => r.runId));
  });

  it("keeps run ids and the first rounds when `repeat` grows; changes them when a variant or the name changes", () => {
    const five = planRuns(parseExperiment(PRESTOP_DOC, FILE));
    const eight = planRuns(parseExperiment({ ...PRESTOP_DOC, repeat: 8 }, FILE));
    expect(eight.runs.slice(0, five.runs.length)).toEqual(five.runs);
    const changed = planRuns(parseExperiment({ ...PRESTOP_DOC, base: { ...PRESTOP_DOC.base, rate: 200 } }, FILE));
    expect(changed.hash).not.toBe(five.hash);
    expect(planRuns(parseExperiment({ ...PRESTOP_DOC, name: "other" }, FILE)).hash).not.toBe(five.hash);
  });

  it("remaining() leaves out the complete runs, in plan order", () => {
    const plan = planRuns(withVariants(3, "resume", 3));
    const done = new Set(plan.runs.slice(0, 4).map((r) => r.runId));
    done.add(plan.runs[6]!.runId);
    const left = remaining(plan, (id) => done.has(id));
    expect(left.map((r) => r.seq)).toEqual([4, 5, 7, 8]);
    expect(remaining(plan, () => false)).toEqual(plan.runs);
    expect(remaining(plan, () => true)).toEqual([]);
  });

  it("handles a single variant", () => {
    const e = parseExperiment({ base: {}, factors: { preStopSleep: [0] }, repeat: 3 }, FILE);
    expect(planRuns(e).runs.map((r) => r.variantId)).toEqual(["base", "base", "base"]);
  });
});

// ---------------------------------------------------------------------------
// Results

function probe(conn: "new" | "reuse", requests: number, failed: number): ProbeStats {
  return { conn, requests, failed, inDeployWindow: requests, failedInDeployWindow: failed, histogram: {}, errorsByCode: [] };
}

function outage(start: number, durationMs: number, failed: number): Outage {
  return { start, end: start + durationMs, durationMs, failed, requests: failed, histogram: { "0": failed }, errorsByCode: [] };
}

function verdict(outcome: Outcome, failedNew: number, failedReuse: number, outages: Outage[] = [], requests = 1000): VerdictLike {
  const failed = failedNew + failedReuse;
  return {
    outcome,
    requests: { total: requests, inDeployWindow: requests / 2, failed, failedInDeployWindow: failed },
    probes: [probe("new", requests / 2, failedNew), probe("reuse", requests / 2, failedReuse)],
    outages,
  };
}

const EXIT: Record<Outcome, number> = { pass: 0, fail: 1, inconclusive: 3, "rolled-back": 4 };

function row(variantId: string, repetition: number, v: VerdictLike): RunRow {
  return resultRow({ variantId, repetition, runId: `xabc123-v0-r${repetition}` }, v, EXIT[v.outcome]);
}

describe("experiment results", () => {
  it("makes a row from a verdict: totals, probes, disruption, isolated failures", () => {
    const r = resultRow(
      { variantId: "preStopSleep=5", repetition: 2, runId: "xabc123-v1-r2" },
      verdict("fail", 3, 4, [outage(1000, 1500, 5), outage(5000, 0, 1), outage(9000, 250, 1)]),
      1,
    );
    expect(r).toEqual({
      variant: "preStopSleep=5",
      repetition: 2,
      runId: "xabc123-v1-r2",
      outcome: "fail",
      exitCode: 1,
      requests: 1000,
      requestsInWindows: 500,
      failed: 7,
      failedInWindows: 7,
      requestsNew: 500,
      failedNew: 3,
      requestsReuse: 500,
      failedReuse: 4,
      outages: 3,
      disruptionSeconds: 1.75,
      isolatedFailures: 2,
      overheadSeconds: null,
      note: "2 isolated failures counted as 0 s of disruption",
    });
  });

  it("counts a missing probe as 0 of 0, and a run without failures as 0 s", () => {
    const v: VerdictLike = { ...verdict("pass", 0, 0), probes: [probe("reuse", 800, 0)] };
    const r = row("base", 1, v);
    expect([r.requestsNew, r.failedNew, r.requestsReuse, r.disruptionSeconds, r.isolatedFailures, r.note]).toEqual([0, 0, 800, 0, 0, ""]);
  });

  it("escapes CSV fields as RFC 4180 says", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField(12.5)).toBe("12.5");
    expect(csvField("")).toBe("");
    expect(csvField(null)).toBe("");
    expect(csvField("preStopSleep=5,shutdown=abrupt")).toBe('"preStopSleep=5,shutdown=abrupt"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('a,"b"')).toBe('"a,""b"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField("cr\rhere")).toBe('"cr\rhere"');
  });

  it("writes a CSV with a header and one CRLF line per run", () => {
    const a = row("preStopSleep=5,shutdown=abrupt", 1, verdict("fail", 1, 0, [outage(0, 0, 1)]));
    const b = { ...row("base", 2, verdict("pass", 0, 0)), overheadSeconds: 3.4, note: 'said "ok", then left' };
    const csv = toCsv([a, b]);
    const lines = csv.split("\r\n");
    expect(lines).toHaveLength(4); // header, 2 rows, "" after the last CRLF
    expect(lines[0]).toBe(
      "variant,repetition,runId,outcome,exitCode,requests,requestsInWindows,failed,failedInWindows,requestsNew,failedNew,requestsReuse,failedReuse,outages,disruptionSeconds,isolatedFailures,overheadSeconds,note",
    );
    expect(lines[1]).toBe('"preStopSleep=5,shutdown=abrupt",1,xabc123-v0-r1,fail,1,1000,500,1,1,500,1,500,0,1,0,1,,1 isolated failure counted as 0 s of disruption');
    expect(lines[2]).toBe('base,2,xabc123-v0-r2,pass,0,1000,500,0,0,500,0,500,0,0,0,0,3.4,"said ""ok"", then left"');
    expect(lines[3]).toBe("");
  });

  it("spread: min, median (mean of the middle two for an even count), max", () => {
    expect(spread([])).toBeNull();
    expect(spread([7])).toEqual({ min: 7, median: 7, max: 7 });
    expect(spread([9, 1, 5])).toEqual({ min: 1, median: 5, max: 9 });
    expect(spread([10, 0, 3, 4])).toEqual({ min: 0, median: 3.5, max: 10 });
  });
});

describe("experiment aggregation", () => {
  const exp = parseExperiment(PRESTOP_DOC, FILE); // base, preStopSleep=5, preStopSleep=10, shutdown=graceful; repeat 5
  const rows: RunRow[] = [
    // base: always fails, on both probes.
    row("base", 1, verdict("fail", 10, 20, [outage(0, 2000, 30)])),
    row("base", 2, verdict("fail", 4, 6, [outage(0, 1000, 9), outage(5000, 0, 1)])),
    row("base", 3, verdict("fail", 30, 10, [outage(0, 3500, 40)])),
    row("base", 4, verdict("fail", 8, 0, [outage(0, 500, 8)])),
    row("base", 5, verdict("fail", 6, 6, [outage(0, 1500, 12)])),
    // preStopSleep=5: mostly good, one fail, one inconclusive.
    row("preStopSleep=5", 1, verdict("pass", 0, 0)),
    row("preStopSleep=5", 2, verdict("fail", 0, 2, [outage(0, 0, 1), outage(3000, 0, 1)])),
    row("preStopSleep=5", 3, verdict("pass", 0, 0)),
    row("preStopSleep=5", 4, verdict("inconclusive", 0, 0)),
    row("preStopSleep=5", 5, verdict("pass", 0, 0)),
    // preStopSleep=10: passes every repetition (rows given out of order).
    ...[5, 3, 1, 2, 4].map((i) => row("preStopSleep=10", i, verdict("pass", 0, 0))),
    // shutdown=graceful: only 3 of 5 repetitions finished, all passed.
    ...[1, 2, 3].map((i) => row("shutdown=graceful", i, verdict("pass", 0, 0))),
  ];
  const agg = aggregate(exp, rows);
  const v = (id: string) => agg.variants.find((x) => x.id === id)!;

  it("summarises every variant over its repetitions", () => {
    expect(agg.variants.map((x) => x.id)).toEqual(["base", "preStopSleep=5", "preStopSleep=10", "shutdown=graceful"]);
    expect([agg.finished, agg.planned]).toEqual([18, 20]);

    const base = v("base");
    expect(base.runs).toBe(5);
    expect(base.outcomes).toEqual({ pass: 0, fail: 5, inconclusive: 0, "rolled-back": 0 });
    expect(base.passShare).toBe(0);
    expect(base.passedAll).toBe(false);
    expect(base.failed).toEqual({ min: 8, median: 12, max: 40 }); // 30, 10, 40, 8, 12
    expect(base.failedNew).toEqual({ min: 4, median: 8, max: 30 }); // 10, 4, 30, 8, 6
    expect(base.failedReuse).toEqual({ min: 0, median: 6, max: 20 }); // 20, 6, 10, 0, 6
    expect(base.disruptionSeconds).toEqual({ min: 0.5, median: 1.5, max: 3.5 }); // 2, 1, 3.5, 0.5, 1.5
    expect(base.isolatedFailures).toBe(1);

    const p5 = v("preStopSleep=5");
    expect(p5.outcomes).toEqual({ pass: 3, fail: 1, inconclusive: 1, "rolled-back": 0 });
    expect(p5.passShare).toBeCloseTo(0.6);
    expect(p5.passedAll).toBe(false);
    expect(p5.failed).toEqual({ min: 0, median: 0, max: 2 });
    expect(p5.disruptionSeconds).toEqual({ min: 0, median: 0, max: 0 });
    expect(p5.isolatedFailures).toBe(2);

    const p10 = v("preStopSleep=10");
    expect([p10.passShare, p10.passedAll]).toEqual([1, true]);
    expect(p10.rows.map((r) => r.repetition)).toEqual([1, 2, 3, 4, 5]);

    // Passed every finished run, but 2 repetitions are still missing: no mark yet.
    const g = v("shutdown=graceful");
    expect([g.runs, g.planned, g.passShare, g.passedAll]).toEqual([3, 5, 1, false]);
  });

  it("gives each factor's effect: median failures per value with the min–max spread", () => {
    const pre = agg.factors.find((f) => f.key === "preStopSleep")!;
    expect(pre.levels.map((l) => [l.label, l.isBase, l.variants, l.runs])).toEqual([
      ["0", true, ["base"], 5],
      ["5", false, ["preStopSleep=5"], 5],
      ["10", false, ["preStopSleep=10"], 5],
    ]);
    expect(pre.levels.map((l) => l.failed)).toEqual([
      { min: 8, median: 12, max: 40 },
      { min: 0, median: 0, max: 2 },
      { min: 0, median: 0, max: 0 },
    ]);
    expect(pre.levels.map((l) => l.passShare)).toEqual([0, 0.6, 1]);
    expect(pre.medianRange).toBe(12);

    // one-at-a-time: the shutdown factor compares the base with shutdown=graceful only.
    const sd = agg.factors.find((f) => f.key === "shutdown")!;
    expect(sd.levels.map((l) => [l.label, l.isBase, l.variants, l.runs, l.failed?.median])).toEqual([
      ["abrupt", true, ["base"], 5, 12],
      ["graceful", false, ["shutdown=graceful"], 3, 0],
    ]);
  });

  it("adds the base's value as a level when the factor does not list it", () => {
    const e = parseExperiment({ base: {}, factors: { preStopSleep: [5, 10] }, repeat: 1 }, FILE);
    const a = aggregate(e, [row("base", 1, verdict("fail", 2, 2)), row("preStopSleep=5", 1, verdict("pass", 0, 0))]);
    expect(a.factors[0]!.levels.map((l) => [l.label, l.isBase, l.runs])).toEqual([
      ["0", true, 1],
      ["5", false, 1],
      ["10", false, 0],
    ]);
    expect(a.factors[0]!.levels[2]!.failed).toBeNull();
    expect(a.factors[0]!.medianRange).toBe(4);
  });

  it("grid: a factor's level pools every variant with that value", () => {
    const e = parseExperiment({ ...PRESTOP_DOC, factors: { preStopSleep: [0, 5], shutdown: ["abrupt", "graceful"] }, repeat: 1, design: "grid" }, FILE);
    const a = aggregate(e, [
      row("preStopSleep=0,shutdown=abrupt", 1, verdict("fail", 20, 20)),
      row("preStopSleep=0,shutdown=graceful", 1, verdict("fail", 5, 5)),
      row("preStopSleep=5,shutdown=abrupt", 1, verdict("fail", 1, 1)),
      row("preStopSleep=5,shutdown=graceful", 1, verdict("pass", 0, 0)),
    ]);
    const pre = a.factors[0]!;
    expect(pre.levels.map((l) => [l.label, l.isBase, l.variants.length, l.failed])).toEqual([
      ["0", false, 2, { min: 10, median: 25, max: 40 }],
      ["5", false, 2, { min: 0, median: 1, max: 2 }],
    ]);
    expect(a.variants.filter((x) => x.passedAll).map((x) => x.id)).toEqual(["preStopSleep=5,shutdown=graceful"]);
  });

  it("rejects a row of an unknown variant and a repetition counted twice", () => {
    expect(() => aggregate(exp, [row("preStopSleep=7", 1, verdict("pass", 0, 0))])).toThrow(/unknown variant 'preStopSleep=7'/);
    expect(() => aggregate(exp, [row("base", 1, verdict("pass", 0, 0)), row("base", 1, verdict("pass", 0, 0))])).toThrow(/repetition 1 is counted twice/);
  });

  it("reports a table of variants (✓ for those that passed every repetition), a table per factor and every run", () => {
    const md = experimentReport(agg);
    expect(md).toBe(experimentReport(aggregate(exp, [...rows].reverse()))); // deterministic, whatever the row order
    expect(md).toMatch(/^# Experiment: prestop\n/);
    expect(md).toContain("Design: one-at-a-time, 4 variants × 5 repetitions = 20 runs, interleaved (18 finished).");
    expect(md).toContain("Base: shutdown=abrupt, rollouts=3.");
    expect(md).toContain("| ✓ | preStopSleep=10 | 5/5 | 5/5 (100%) | pass 5 | 0 / 0 / 0 | 0 / 0 / 0 | 0 / 0 / 0 | 0.0 / 0.0 / 0.0 | 500 |");
    expect(md).toContain("|  | base | 5/5 | 0/5 (0%) | fail 5 | 8 / 12 / 40 | 4 / 8 / 30 | 0 / 6 / 20 | 0.5 / 1.5 / 3.5 | 500 |");
    expect(md).toContain("|  | preStopSleep=5 | 5/5 | 3/5 (60%) | pass 3, fail 1, inconclusive 1 | 0 / 0 / 2 |");
    expect(md).toContain("|  | shutdown=graceful | 3/5 | 3/3 (100%) | pass 3 |");
    expect(md.split("\n").filter((l) => l.startsWith(`| ${PASSED_ALL_MARK} |`))).toHaveLength(1);
    expect(md).toContain("Isolated failures (one failed request, counted as 0 s of disruption): base 1, preStopSleep=5 2.");

    expect(md).toContain("## Factor: preStopSleep");
    expect(md).toContain("| 0 (base) | base | 5 | 0% | 12 | 8–40 | 1.5 |");
    expect(md).toContain("| 10 | preStopSleep=10 | 5 | 100% | 0 | 0–0 | 0.0 |");
    expect(md).toContain("Effect: the median of failed requests differs by 12 between the values of preStopSleep.");
    expect(md).toContain("## Factor: shutdown");
    expect(md).toContain("| graceful | shutdown=graceful | 3 | 100% | 0 | 0–0 | 0.0 |");

    expect(md).toContain(`### ${PASSED_ALL_MARK} preStopSleep=10`);
    expect(md).toContain("| 2 | xabc123-v0-r2 | fail | 1 | 1000 (500) | 2 (2) | 0 of 500 | 2 of 500 | 2 | 0.0 | – | 2 isolated failures counted as 0 s of disruption |");
    // The order of the sections: variants, then factors, then runs.
    expect(md.indexOf("## Variants")).toBeLessThan(md.indexOf("## Factor: preStopSleep"));
    expect(md.indexOf("## Factor: shutdown")).toBeLessThan(md.indexOf("## Runs"));
  });

  it("reports a variant without finished runs", () => {
    const md = experimentReport(aggregate(exp, []));
    expect(md).toContain("|  | base | 0/5 | – | – | – | – | – | – | – |");
    expect(md).toContain("Effect: not enough levels with finished runs to compare.");
    expect(md).toContain("No finished run yet.");
  });
});
