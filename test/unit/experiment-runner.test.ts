import type { RunVersions } from "../../harness/run-versions.ts";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, type RunConfig } from "../../harness/config.ts";
import { parseExperiment } from "../../harness/experiment/design.ts";
import { formatDuration, loadWindowMs, readRunState, rowFromSummary, runExperiment } from "../../harness/experiment/runner.ts";
import { planRuns } from "../../harness/experiment/schedule.ts";
import type { RunResult } from "../../harness/run.ts";
import type { Outcome, Verdict } from "../../harness/verdict/types.ts";

const RAN_ON: RunVersions = { nodrop: "0.1.0", kubernetes: "v1.34.4", nodes: [], k6: "v1.8.1", kind: null, app: [] };

// base + preStopSleep=5, 2 repetitions: 4 runs.
const EXP = parseExperiment({ name: "runner", base: {}, factors: { preStopSleep: [0, 5] }, repeat: 2 }, "runner.yaml");
const PLAN = planRuns(EXP);
const EXIT: Record<Outcome, number> = { pass: 0, fail: 1, inconclusive: 3, "rolled-back": 4 };

interface Call {
  config: RunConfig;
  label: string;
}

/**
 * A pipeline without cluster or k6: each run takes `wallMs` on the fake clock
 * (60 s by default), its load window is 52.8 s (overhead 7.2 s), and it writes
 * a minimal summary.json. preStopSleep=5 fails with 3 failures, base passes.
 */
function fake(runsDir: string, o: { interruptAt?: number; signal?: "SIGINT" | "SIGTERM"; wallMs?: (n: number) => number; before?: (n: number) => Promise<void>; brokenAt?: number[] } = {}) {
  let now = 1_000_000;
  const calls: Call[] = [];
  const pipeline = async (config: RunConfig, runOpts: { label: string }): Promise<RunResult> => {
    calls.push({ config, label: runOpts.label });
    const n = calls.length;
    await o.before?.(n);
    const runId = config.runId!;
    const interrupted = n === o.interruptAt ? (o.signal ?? "SIGINT") : undefined;
    const broken = o.brokenAt?.includes(n) ? `deployments.apps "app" is forbidden: unable to create new content in namespace nodrop-${config.runId} because it is being terminated (HTTP 403)` : undefined;
    const outcome: Outcome = interrupted || broken ? "inconclusive" : config.preStopSleep === 5 ? "fail" : "pass";
    const failed = outcome === "fail" ? 3 : 0;
    const startedAt = now;
    now += o.wallMs?.(n) ?? 60_000;
    const verdict = {
      outcome,
      requests: { total: 1000, inDeployWindow: 400, failed, failedInDeployWindow: failed },
      probes: [{ conn: "new", requests: 1000, failed, inDeployWindow: 400, failedInDeployWindow: failed, histogram: {}, errorsByCode: [] }],
      outages: failed ? [{ start: 0, end: 1500, durationMs: 1500, failed, requests: 10, histogram: {}, errorsByCode: [] }] : [],
      startedAt,
      // k6 sends from 5 s after the start to 57.8 s: a 52.8 s load window.
      phases: [{ name: "warmup", start: startedAt + 5_000, end: startedAt + 20_000, requests: 0, failed: 0, histogram: {} }],
      endedAt: startedAt + 57_800,
      interrupted: interrupted ?? null,
    } as unknown as Verdict;
    const runDir = join(runsDir, runId);
    await mkdir(runDir, { recursive: true });
    const { outcome: verdictField, ...rest } = verdict;
    await writeFile(join(runDir, "summary.json"), JSON.stringify({ runId, verdict: verdictField, exitCode: EXIT[outcome], error: broken ?? null, ...rest }));
    return { runId, runDir, verdict, exitCode: interrupted ? (interrupted === "SIGINT" ? 130 : 143) : EXIT[outcome], reportPath: join(runDir, "report.md"), ranOn: RAN_ON, ...(interrupted ? { interrupted } : {}), ...(broken ? { broken } : {}) };
  };
  return { pipeline, calls, clock: () => now };
}

async function dirs() {
  const root = await mkdtemp(join(tmpdir(), "nodrop-exp-"));
  return { runsDir: join(root, "runs"), outDir: join(root, "out") };
}

const csvRows = async (outDir: string) => (await readFile(join(outDir, "results.csv"), "utf8")).split("\r\n").filter(Boolean).slice(1);

describe("runExperiment", () => {
  it("runs every planned run in plan order with the variant's config, its runId and a label", async () => {
    const d = await dirs();
    const f = fake(d.runsDir);
    const res = await runExperiment(EXP, { ...d, resume: false, pipeline: f.pipeline, clock: f.clock, log: () => {} });
    expect(f.calls.map((c) => c.config.runId)).toEqual(PLAN.runs.map((r) => r.runId));
    expect(f.calls.map((c) => c.label)).toEqual(PLAN.runs.map((r) => `${r.variantId} #${r.repetition}`));
    for (const [i, c] of f.calls.entries()) {
      expect(c.config).toMatchObject({ ...EXP.variants[PLAN.runs[i]!.variantIndex]!.config, runId: PLAN.runs[i]!.runId });
    }
    expect(res.exitCode).toBe(0); // a failed run is a result, not an error of the experiment
    expect(res.interrupted).toBeUndefined();
    expect(res.rows.map((r) => [r.runId, r.variant, r.outcome, r.failed])).toEqual(
      PLAN.runs.map((r) => [r.runId, r.variantId, r.variantId === "base" ? "pass" : "fail", r.variantId === "base" ? 0 : 3]),
    );
    const json = JSON.parse(await readFile(join(d.outDir, "experiment.json"), "utf8"));
    expect(json).toMatchObject({ name: "runner", design: "one-at-a-time", repeat: 2, hash: PLAN.hash });
    expect(json.variants).toEqual([
      { index: 0, id: "base", overrides: {} },
      { index: 1, id: "preStopSleep=5", overrides: { preStopSleep: 5 } },
    ]);
  });

  it("rewrites results.csv and report.md after every run", async () => {
    const d = await dirs();
    const seen: Array<{ rows: string[]; report: string }> = [];
    const f = fake(d.runsDir, {
      before: async () => {
        seen.push({ rows: await csvRows(d.outDir), report: await readFile(join(d.outDir, "report.md"), "utf8") });
      },
    });
    await runExperiment(EXP, { ...d, resume: false, pipeline: f.pipeline, clock: f.clock, log: () => {} });
    expect(seen.map((s) => s.rows.length)).toEqual([0, 1, 2, 3]);
    // At the start of the 3rd run: the first two are on disk.
    expect(seen[2]!.rows.map((l) => l.split(",")[2])).toEqual(PLAN.runs.slice(0, 2).map((r) => r.runId));
    expect(seen[2]!.report).toContain("= 4 runs, interleaved (2 finished).");
    expect(await csvRows(d.outDir)).toHaveLength(4);
    expect(await readFile(join(d.outDir, "report.md"), "utf8")).toContain("(4 finished)");
  });

  it("stops after an interrupted run: 130 for SIGINT, 143 for SIGTERM, the interrupted run not counted", async () => {
    for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
      const d = await dirs();
      const lines: string[] = [];
      const f = fake(d.runsDir, { interruptAt: 2, signal });
      const res = await runExperiment(EXP, { ...d, resume: false, pipeline: f.pipeline, clock: f.clock, log: (l) => lines.push(l) });
      expect(f.calls).toHaveLength(2);
      expect([res.exitCode, res.interrupted]).toEqual([code, signal]);
      expect(res.rows.map((r) => r.runId)).toEqual([PLAN.runs[0]!.runId]);
      expect(await csvRows(d.outDir)).toHaveLength(1);
      expect(lines.join("\n")).toMatch(new RegExp(`${signal}: experiment 'runner' stopped in run 2/4; 1 of 4 runs complete.*--resume`));
    }
  });

  it("a run an error broke is no result: set aside, run again, never counted; after 3 broken attempts the experiment exits 3 naming it", async () => {
    const d = await dirs();
    const lines: string[] = [];
    // Run 2's first attempt broke (its namespace was still being deleted), the second one worked.
    const f = fake(d.runsDir, { brokenAt: [2] });
    const res = await runExperiment(EXP, { ...d, resume: false, pipeline: f.pipeline, clock: f.clock, log: (l) => lines.push(l) });
    expect(f.calls.map((c) => c.config.runId)).toEqual([PLAN.runs[0]!.runId, PLAN.runs[1]!.runId, PLAN.runs[1]!.runId, PLAN.runs[2]!.runId, PLAN.runs[3]!.runId]);
    expect([res.exitCode, res.broken, res.rows.length]).toEqual([0, [], 4]);
    expect(lines.join("\n")).toMatch(new RegExp(`run ${PLAN.runs[1]!.runId} \\(.*\\) broke \\(deployments.apps "app" is forbidden: .* being terminated \\(HTTP 403\\)\\): no result, not counted; its folder is now ${PLAN.runs[1]!.runId}.incomplete-1; attempt 2 of 3`));
    expect(existsSync(join(d.runsDir, `${PLAN.runs[1]!.runId}.incomplete-1`, "summary.json"))).toBe(true);

    const d2 = await dirs();
    const lines2: string[] = [];
    const g = fake(d2.runsDir, { brokenAt: [1, 2, 3] });
    const res2 = await runExperiment(EXP, { ...d2, resume: false, pipeline: g.pipeline, clock: g.clock, log: (l) => lines2.push(l) });
    expect(res2.exitCode).toBe(3);
    expect(res2.rows.map((r) => r.runId)).toEqual(PLAN.runs.slice(1).map((r) => r.runId));
    expect(res2.broken).toEqual([`${PLAN.runs[0]!.runId}: deployments.apps "app" is forbidden: unable to create new content in namespace nodrop-${PLAN.runs[0]!.runId} because it is being terminated (HTTP 403)`]);
    expect(lines2.join("\n")).toMatch(/3 of 4 runs complete; 1 kept breaking and have no result \(--resume tries them again\)/);
    // --resume takes it up again: a summary with an error is no result.
    expect(await readRunState(d2.runsDir, PLAN.runs[0]!)).toEqual({ state: "absent" });
  });

  it("resume: keeps complete runs, reruns interrupted and half-written ones (moved aside, logged)", async () => {
    const d = await dirs();
    const first = fake(d.runsDir, { interruptAt: 3 });
    await runExperiment(EXP, { ...d, resume: false, pipeline: first.pipeline, clock: first.clock, log: () => {} });
    // Run 4: a folder without summary.json (the harness died mid-run).
    const half = PLAN.runs[3]!.runId;
    await mkdir(join(d.runsDir, half));
    await writeFile(join(d.runsDir, half, "config.json"), "{}");

    const lines: string[] = [];
    const second = fake(d.runsDir);
    const res = await runExperiment(EXP, { ...d, resume: true, pipeline: second.pipeline, clock: second.clock, log: (l) => lines.push(l) });
    expect(second.calls.map((c) => c.config.runId)).toEqual(PLAN.runs.slice(2).map((r) => r.runId));
    expect(res.exitCode).toBe(0);
    expect(res.rows.map((r) => r.runId)).toEqual(PLAN.runs.map((r) => r.runId));
    // Rows read back from summary.json equal the rows of the runs as they ended,
    // but for the overhead, measured only by the process that ran them.
    expect(res.rows.map((r) => r.overheadSeconds === null)).toEqual([true, true, false, false]);
    const readBack = await runExperiment(EXP, { ...d, resume: true, pipeline: second.pipeline, clock: second.clock, log: () => {} });
    expect(second.calls).toHaveLength(2); // nothing left to run
    expect(readBack.rows).toEqual(res.rows.map((r) => ({ ...r, overheadSeconds: null })));
    expect(await csvRows(d.outDir)).toHaveLength(4);

    const text = lines.join("\n");
    expect(text).toContain("resume: 2 of 4 runs of 'runner' complete, 2 to run");
    expect(text).toContain(`run ${PLAN.runs[2]!.runId} (${PLAN.runs[2]!.variantId} #${PLAN.runs[2]!.repetition}) did not finish before (the run was interrupted (SIGINT))`);
    expect(text).toContain(`run ${half} (${PLAN.runs[3]!.variantId} #${PLAN.runs[3]!.repetition}) did not finish before (no summary.json): its folder is now ${half}.incomplete-1; running it again`);
    expect(existsSync(join(d.runsDir, `${half}.incomplete-1`, "config.json"))).toBe(true);
    expect(existsSync(join(d.runsDir, half, "summary.json"))).toBe(true);
    expect(text).toContain("all 4 runs complete (2 from before)");
  });

  it("refuses to run over existing run folders without --resume (complete or not), touching nothing", async () => {
    const d = await dirs();
    const f = fake(d.runsDir);
    await runExperiment(EXP, { ...d, resume: false, pipeline: f.pipeline, clock: f.clock, log: () => {} });
    const again = fake(d.runsDir);
    const err = await runExperiment(EXP, { ...d, resume: false, pipeline: again.pipeline, clock: again.clock, log: () => {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/experiment 'runner': 4 of its 4 runs already have a folder .*\(4 complete, 0 unfinished: .*Pass --resume .*another name/);
    expect(again.calls).toHaveLength(0);

    const d2 = await dirs();
    await mkdir(join(d2.runsDir, PLAN.runs[1]!.runId), { recursive: true });
    const err2 = await runExperiment(EXP, { ...d2, resume: false, pipeline: again.pipeline, log: () => {} }).catch((e: unknown) => e);
    expect((err2 as Error).message).toMatch(/1 of its 4 runs .*\(0 complete, 1 unfinished: .*--resume/);
    expect(await readdir(d2.runsDir)).toEqual([PLAN.runs[1]!.runId]);
    expect(again.calls).toHaveLength(0);
  });

  it("logs a progress line per run: variant, run, elapsed and an estimate of the time left", async () => {
    const d = await dirs();
    const lines: string[] = [];
    const f = fake(d.runsDir, { wallMs: (n) => (n === 3 ? 70_000 : 60_000) });
    await runExperiment(EXP, { ...d, resume: false, pipeline: f.pipeline, clock: f.clock, log: (l) => lines.push(l) });
    const progress = lines.filter((l) => l.startsWith("variant "));
    const v = (i: number) => `variant ${PLAN.runs[i]!.variantIndex + 1}/2 (${PLAN.runs[i]!.variantId}), run ${i + 1}/4`;
    expect(progress).toEqual([
      `${v(0)}, elapsed 0s, left ?`,
      `${v(1)}, elapsed 1m00s, left ~3m`,
      `${v(2)}, elapsed 2m00s, left ~2m`,
      `${v(3)}, elapsed 3m10s, left ~1m`, // mean of 60, 60, 70 s, rounded to minutes
    ]);
  });

  it("reports the median overhead per run beyond the load window", async () => {
    const d = await dirs();
    const lines: string[] = [];
    // Overheads 7.2, 7.2, 17.2, 9.2 s: median 8.2 s.
    const f = fake(d.runsDir, { wallMs: (n) => [60_000, 60_000, 70_000, 62_000][n - 1]! });
    const res = await runExperiment(EXP, { ...d, resume: false, pipeline: f.pipeline, clock: f.clock, log: (l) => lines.push(l) });
    expect(res.overheadSeconds).toBe(8.2);
    expect(lines).toContain("overhead per run beyond the load window: median 8.2 s (4 runs)");
    // Each run's own, in results.csv and report.md, and their spread in the report's head.
    expect(res.rows.map((r) => r.overheadSeconds)).toEqual([7.2, 7.2, 17.2, 9.2]);
    const md = await readFile(join(d.outDir, "report.md"), "utf8");
    expect(md).toContain("Overhead per run beyond its load window (set-up before the load, teardown after it), min / median / max: 7.2 / 8.2 / 17.2 s.");
    expect(md).toMatch(/\| 17\.2 \| [^|]* \|$/m);

    const d2 = await dirs();
    const g = fake(d2.runsDir);
    expect((await runExperiment(EXP, { ...d2, resume: false, pipeline: g.pipeline, clock: g.clock, log: () => {} })).overheadSeconds).toBe(7.2);
  });
});

describe("experiment runner helpers", () => {
  const run = PLAN.runs[0]!;

  it("rebuilds a result row from summary.json fields", () => {
    const row = rowFromSummary(run, {
      verdict: "fail",
      exitCode: 1,
      requests: { total: 900, inDeployWindow: 300, failed: 4, failedInDeployWindow: 4 },
      probes: [
        { conn: "new", requests: 450, failed: 3 },
        { conn: "reuse", requests: 450, failed: 1 },
      ],
      outages: [
        { durationMs: 2500, failed: 3 },
        { durationMs: 0, failed: 1 },
      ],
      reasons: ["ignored"],
    });
    expect(row).toMatchObject({ runId: run.runId, variant: run.variantId, outcome: "fail", exitCode: 1, requests: 900, failed: 4, failedNew: 3, failedReuse: 1 });
    expect([row.outages, row.disruptionSeconds, row.isolatedFailures]).toEqual([2, 2.5, 1]);
    expect(() => rowFromSummary(run, { exitCode: 0 })).toThrow(/verdict/);
  });

  it("tells absent, complete and unfinished run folders apart", async () => {
    const { runsDir } = await dirs();
    const dir = join(runsDir, run.runId);
    expect(await readRunState(runsDir, run)).toEqual({ state: "absent" });
    await mkdir(dir, { recursive: true });
    expect(await readRunState(runsDir, run)).toEqual({ state: "incomplete", why: "no summary.json" });
    await writeFile(join(dir, "summary.json"), '{"verdict": "pa');
    expect(await readRunState(runsDir, run)).toEqual({ state: "incomplete", why: "summary.json is not valid JSON" });
    await writeFile(join(dir, "summary.json"), JSON.stringify({ runId: run.runId }));
    expect(await readRunState(runsDir, run)).toMatchObject({ state: "incomplete", why: expect.stringMatching(/^summary\.json: .*verdict/) });
    const ok = { verdict: "pass", exitCode: 0, requests: { total: 1, inDeployWindow: 1, failed: 0, failedInDeployWindow: 0 }, outages: [], interrupted: null };
    await writeFile(join(dir, "summary.json"), JSON.stringify(ok));
    expect(await readRunState(runsDir, run)).toMatchObject({ state: "complete", row: { outcome: "pass", requestsNew: 0 } });
    await writeFile(join(dir, "summary.json"), JSON.stringify({ ...ok, verdict: "inconclusive", interrupted: "SIGTERM" }));
    expect(await readRunState(runsDir, run)).toEqual({ state: "incomplete", why: "the run was interrupted (SIGTERM)" });
    await writeFile(join(dir, "summary.json"), JSON.stringify({ ...ok, verdict: "inconclusive", error: "namespace is being terminated (HTTP 403)" }));
    expect(await readRunState(runsDir, run)).toEqual({ state: "incomplete", why: "an error ended it, so it is no result (namespace is being terminated (HTTP 403))" });
  });

  it("measures the load window from the first phase, else from the start", () => {
    expect(loadWindowMs({ startedAt: 0, endedAt: 60_000, phases: [] })).toBe(60_000);
    const phase = (start: number) => ({ name: "p", start, end: start + 1, requests: 0, failed: 0, histogram: {} });
    expect(loadWindowMs({ startedAt: 0, endedAt: 60_000, phases: [phase(20_000), phase(12_000)] })).toBe(48_000);
  });

  it("formats durations", () => {
    expect([0, 45_400, 60_000, 192_000, 3_900_000].map(formatDuration)).toEqual(["0s", "45s", "1m00s", "3m12s", "1h05m"]);
  });
});
