// Runs an experiment: every planned run (see schedule.ts) through the
// pipeline, in plan order, one at a time. After every run it rewrites
// results.csv, report.md, report.html and experiment.json in the output folder, so an
// interrupt loses nothing; `resume` picks up the runs that have no complete
// summary.json yet. A run that an error ended before any request failed (a
// refused API call, an image that would not import: summary.json `error`) is
// no result: it is set aside and run again, up to MAX_ATTEMPTS times, and
// never counted as a repetition. The exit code says whether every run
// finished (0), some run kept breaking (3), or a signal stopped the
// experiment (130/143), not how the runs came out: an experiment compares,
// it does not judge.
import { access, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { signalExitCode } from "../cleanup.ts";
import { ConfigError, type RunConfig } from "../config.ts";
import { log } from "../log.ts";
import type { RunResult } from "../run.ts";
import type { Verdict } from "../verdict/types.ts";
import type { Experiment } from "./design.ts";
import { experimentHtml } from "./html.ts";
import { experimentReport } from "./report.ts";
import { aggregate, resultRow, spread, toCsv, type RunRow, type VerdictLike } from "./results.ts";
import { planRuns, remaining, type Plan, type PlannedRun } from "./schedule.ts";

/** Attempts at a planned run whose every attempt broke (RunResult.broken) before it is left without a result. */
export const MAX_ATTEMPTS = 3;

export const OUTPUT_FILES = { csv: "results.csv", report: "report.md", html: "report.html", experiment: "experiment.json" } as const;

export interface ExperimentOptions {
  outDir: string;
  resume: boolean;
  pipeline: (config: RunConfig, runOpts: { label: string }) => Promise<RunResult>;
  /** Where the pipeline writes <runId>/summary.json (RUNS_DIR for the real one). */
  runsDir: string;
  clock?: () => number;
  log?: (line: string) => void;
}

export interface ExperimentResult {
  /** Rows of every complete run (resumed ones included), in plan order. */
  rows: RunRow[];
  exitCode: number;
  interrupted?: "SIGINT" | "SIGTERM";
  /** Median of (wall time − load window) over the runs timed here, s; null when none was. */
  overheadSeconds: number | null;
  /** Planned runs left without a result: every attempt broke ("<runId>: <error>"). */
  broken: string[];
}

// ---------------------------------------------------------------------------
// A run folder read back

/** The summary.json fields a result row needs (resultRow reads no others). */
const SummaryFields = z.object({
  verdict: z.enum(["pass", "fail", "inconclusive", "rolled-back"]),
  exitCode: z.number(),
  requests: z.object({ total: z.number(), inDeployWindow: z.number(), failed: z.number(), failedInDeployWindow: z.number() }),
  probes: z.array(z.object({ conn: z.enum(["new", "reuse", ""]), requests: z.number(), failed: z.number() })).default([]),
  outages: z.array(z.object({ durationMs: z.number(), failed: z.number() })),
  interrupted: z.string().nullable().optional(),
});

export type RunState = { state: "absent" } | { state: "complete"; row: RunRow } | { state: "incomplete"; why: string };

/** A RunRow from a parsed summary.json; throws naming the missing or wrong fields. */
export function rowFromSummary(run: PlannedRun, summary: unknown): RunRow {
  const s = SummaryFields.safeParse(summary);
  if (!s.success) throw new Error(s.error.issues.map((i) => `${i.path.join(".") || "(file)"}: ${i.message}`).join("; "));
  const v = { outcome: s.data.verdict, requests: s.data.requests, probes: s.data.probes, outages: s.data.outages } as VerdictLike;
  return resultRow(run, v, s.data.exitCode);
}

/** What `<runsDir>/<runId>` holds: nothing, a complete run (its row), or a run that never finished. */
export async function readRunState(runsDir: string, run: PlannedRun): Promise<RunState> {
  const dir = join(runsDir, run.runId);
  if (!(await exists(dir))) return { state: "absent" };
  let text: string;
  try {
    text = await readFile(join(dir, "summary.json"), "utf8");
  } catch {
    return { state: "incomplete", why: "no summary.json" };
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { state: "incomplete", why: "summary.json is not valid JSON" };
  }
  const interrupted = (doc as { interrupted?: unknown } | null)?.interrupted;
  if (typeof interrupted === "string" && interrupted) return { state: "incomplete", why: `the run was interrupted (${interrupted})` };
  const error = (doc as { error?: unknown } | null)?.error;
  if (typeof error === "string" && error) return { state: "incomplete", why: `an error ended it, so it is no result (${error})` };
  try {
    return { state: "complete", row: rowFromSummary(run, doc) };
  } catch (e) {
    return { state: "incomplete", why: `summary.json: ${(e as Error).message}` };
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Renames an unfinished run folder to `<runId>.incomplete-<n>` (kept, never deleted); returns the new name. */
async function moveAside(runsDir: string, runId: string): Promise<string> {
  for (let n = 1; ; n++) {
    const name = `${runId}.incomplete-${n}`;
    if (!(await exists(join(runsDir, name)))) {
      await rename(join(runsDir, runId), join(runsDir, name));
      return name;
    }
  }
}

// ---------------------------------------------------------------------------
// Timing

/** 45 s -> "45s", 192 s -> "3m12s", 3900 s -> "1h05m". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

/** A rough estimate: "45s", "9m", "1h05m". */
function roughDuration(ms: number): string {
  const m = Math.round(ms / 60_000);
  return ms < 60_000 ? formatDuration(ms) : m < 60 ? `${m}m` : formatDuration(m * 60_000);
}

/**
 * The run's load window, ms: from its first phase (k6 sending) to the stop of
 * k6 (verdict.endedAt). Verdict.startedAt is taken when the pipeline starts,
 * before the cluster check, image and deploy, so it is only the fallback for a
 * run without phases.
 */
export function loadWindowMs(v: Pick<Verdict, "startedAt" | "endedAt" | "phases">): number {
  const start = v.phases.length ? Math.min(...v.phases.map((p) => p.start)) : v.startedAt;
  return Math.max(0, v.endedAt - start);
}

// ---------------------------------------------------------------------------

function experimentJson(exp: Experiment, plan: Plan): string {
  const { name, source, design, repeat, base, factors } = exp;
  const variants = exp.variants.map((v) => ({ index: v.index, id: v.id, overrides: v.overrides }));
  const runs = plan.runs.map((r) => ({ seq: r.seq, runId: r.runId, variant: r.variantId, repetition: r.repetition }));
  return JSON.stringify({ name, source, design, repeat, base, factors, hash: plan.hash, variants, runs }, null, 2) + "\n";
}

/** Write to a temporary file, then rename: an interrupt never leaves half a file. */
async function writeAtomic(path: string, text: string): Promise<void> {
  await writeFile(`${path}.tmp`, text);
  await rename(`${path}.tmp`, path);
}

async function writeOutputs(exp: Experiment, plan: Plan, rows: RunRow[], outDir: string): Promise<void> {
  await writeAtomic(join(outDir, OUTPUT_FILES.csv), toCsv(rows));
  const md = experimentReport(aggregate(exp, rows));
  await writeAtomic(join(outDir, OUTPUT_FILES.report), md);
  await writeAtomic(join(outDir, OUTPUT_FILES.html), experimentHtml(exp.name, md));
  await writeAtomic(join(outDir, OUTPUT_FILES.experiment), experimentJson(exp, plan));
}

export async function runExperiment(exp: Experiment, opts: ExperimentOptions): Promise<ExperimentResult> {
  const clock = opts.clock ?? Date.now;
  const say = opts.log ?? log.info;
  const t0 = clock();
  const plan = planRuns(exp);
  const total = plan.runs.length;
  const states = new Map<string, RunState>();
  for (const r of plan.runs) states.set(r.runId, await readRunState(opts.runsDir, r));

  if (!opts.resume) {
    const found = plan.runs.filter((r) => states.get(r.runId)!.state !== "absent");
    if (found.length) {
      const complete = found.filter((r) => states.get(r.runId)!.state === "complete").length;
      const ids = found.slice(0, 3).map((r) => r.runId).join(", ") + (found.length > 3 ? ", ..." : "");
      throw new ConfigError(
        `experiment '${exp.name}': ${found.length} of its ${total} runs already have a folder in ${opts.runsDir} ` +
          `(${complete} complete, ${found.length - complete} unfinished: ${ids}). Pass --resume to continue the experiment ` +
          `(complete runs are kept, the others run), or give the experiment another name. Nothing was run or overwritten.`,
      );
    }
  }

  const rows = new Map<string, RunRow>();
  for (const [id, s] of states) if (s.state === "complete") rows.set(id, s.row);
  const ordered = () => plan.runs.flatMap((r) => rows.get(r.runId) ?? []);
  const todo = remaining(plan, (id) => rows.has(id));
  if (opts.resume) say(`resume: ${rows.size} of ${total} runs of '${exp.name}' complete, ${todo.length} to run`);
  await mkdir(opts.outDir, { recursive: true });
  await writeOutputs(exp, plan, ordered(), opts.outDir);

  const wall: number[] = [];
  const broken: string[] = [];
  const overheads: number[] = [];
  const overhead = (): number | null => {
    const m = spread(overheads)?.median;
    if (m === undefined) return null;
    say(`overhead per run beyond the load window: median ${(m / 1000).toFixed(1)} s (${overheads.length} run${overheads.length === 1 ? "" : "s"})`);
    return Math.round(m) / 1000;
  };

  for (const [k, run] of todo.entries()) {
    const label = `${run.variantId} #${run.repetition}`;
    const state = states.get(run.runId)!;
    if (state.state === "incomplete") {
      const moved = await moveAside(opts.runsDir, run.runId);
      say(`run ${run.runId} (${label}) did not finish before (${state.why}): its folder is now ${moved}; running it again`);
    }
    const mean = wall.length ? wall.reduce((a, b) => a + b, 0) / wall.length : null;
    say(
      `variant ${run.variantIndex + 1}/${exp.variants.length} (${run.variantId}), run ${run.seq + 1}/${total}, ` +
        `elapsed ${formatDuration(clock() - t0)}, left ${mean === null ? "?" : `~${roughDuration(mean * (todo.length - k))}`}`,
    );

    let result: RunResult | undefined;
    let took = 0;
    for (let attempt = 1; ; attempt++) {
      const start = clock();
      result = await opts.pipeline({ ...exp.variants[run.variantIndex]!.config, runId: run.runId }, { label });
      took = clock() - start;
      if (result.runId !== run.runId) throw new Error(`internal: the pipeline ran '${result.runId}' instead of the planned run '${run.runId}'`);
      if (result.interrupted || !result.broken) break;
      const moved = await moveAside(opts.runsDir, run.runId);
      if (attempt >= MAX_ATTEMPTS) {
        broken.push(`${run.runId}: ${result.broken}`);
        say(`run ${run.runId} (${label}) broke ${attempt} times (${result.broken}): no result for it, not counted; folders kept, the last as ${moved}`);
        break;
      }
      say(`run ${run.runId} (${label}) broke (${result.broken}): no result, not counted; its folder is now ${moved}; attempt ${attempt + 1} of ${MAX_ATTEMPTS}`);
    }

    if (!result.interrupted && !result.broken) {
      const overheadMs = took - loadWindowMs(result.verdict);
      rows.set(run.runId, resultRow(run, result.verdict, result.exitCode, overheadMs / 1000));
      wall.push(took);
      overheads.push(overheadMs);
    }
    await writeOutputs(exp, plan, ordered(), opts.outDir);

    if (result.interrupted) {
      say(`${result.interrupted}: experiment '${exp.name}' stopped in run ${run.seq + 1}/${total}; ${rows.size} of ${total} runs complete. Run it again with --resume to continue.`);
      return { rows: ordered(), exitCode: signalExitCode(result.interrupted), interrupted: result.interrupted, overheadSeconds: overhead(), broken };
    }
  }

  const overheadSeconds = overhead();
  if (broken.length) {
    say(`experiment '${exp.name}': ${total - broken.length} of ${total} runs complete; ${broken.length} kept breaking and have no result (--resume tries them again): ${broken.join("; ")}`);
    return { rows: ordered(), exitCode: 3, overheadSeconds, broken };
  }
  say(`experiment '${exp.name}': all ${total} runs complete (${total - todo.length} from before); results in ${join(opts.outDir, OUTPUT_FILES.csv)}`);
  return { rows: ordered(), exitCode: 0, overheadSeconds, broken };
}
