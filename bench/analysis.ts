// Prints how long the analysis of one run takes — read samples.ndjson and
// events.ndjson, judge, write the four reports — and its peak RSS, for a run
// of ~1,000,000 requests (issue 10, goal: ≤ 2 s and ≤ 200 MB).
//
// The run is made by tiling a real one in time: a run folder given with
// --from (e.g. a demo's variant A), else the verdict fixture
// test/fixtures/valid-fail.ndjson with pod and EndpointSlice events added in
// about the proportion of a demo run (20–30 per 1,000 requests). The analysis runs in
// a child process, so that its peak RSS is the analysis's own.
//
// Usage: npx tsx bench/analysis.ts [--from RUN_DIR] [--samples N=1000000] [--repeat K=3] [--keep DIR]
// --keep writes the tiled run into DIR and leaves it there, e.g. to profile
// the analysis alone: node --cpu-prof --import tsx bench/analysis.ts --measure DIR
import { spawnSync } from "node:child_process";
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { podEvents, type Timed, tileSpan } from "../test/fixtures/tile.ts";

const HERE = fileURLToPath(import.meta.url);
const ROOT = join(HERE, "..", "..");

const { values } = parseArgs({
  options: {
    from: { type: "string" },
    samples: { type: "string", default: "1000000" },
    repeat: { type: "string", default: "3" },
    measure: { type: "string" },
    keep: { type: "string" },
  },
});

if (values.measure) {
  await measure(values.measure);
} else {
  const want = Number(values.samples);
  const repeat = Number(values.repeat);
  if (!Number.isInteger(want) || want < 1000) throw new Error(`--samples: '${values.samples}' is not allowed (an integer ≥ 1000)`);
  if (!Number.isInteger(repeat) || repeat < 1) throw new Error(`--repeat: '${values.repeat}' is not allowed (an integer ≥ 1)`);
  const dir = values.keep ?? mkdtempSync(join(tmpdir(), "nodrop-bench-analysis-"));
  mkdirSync(dir, { recursive: true });
  try {
    const shape = await tile(values.from, want, dir);
    console.log(`input: ${shape.samples.toLocaleString("en")} samples (${(shape.bytes / 1e6).toFixed(0)} MB), ${shape.events.toLocaleString("en")} events, ${shape.tiles} tiles of ${shape.source}`);
    const runs: Figures[] = [];
    for (let i = 0; i < repeat; i++) {
      // A fresh process each time: the peak RSS is this analysis's own.
      const r = spawnSync(process.execPath, [...process.execArgv, HERE, "--measure", dir], { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`analysis #${i + 1} failed (exit ${r.status}):\n${r.stderr}`);
      const f = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as Figures;
      runs.push(f);
      console.log(`#${i + 1}: total ${s(f.totalMs)} (read samples ${s(f.readSamplesMs)}, read events ${s(f.readEventsMs)}, judge ${s(f.judgeMs)}, reports ${s(f.reportsMs)}), peak RSS ${f.peakRssMb.toFixed(0)} MB`);
    }
    const med = (k: keyof Figures) => [...runs].map((r) => r[k] as number).sort((a, b) => a - b)[Math.floor(runs.length / 2)]!;
    console.log(
      `analysis of ${shape.samples.toLocaleString("en")} samples, median of ${repeat}: total ${s(med("totalMs"))} (goal ≤ 2 s), ` +
        `read ${s(med("readSamplesMs") + med("readEventsMs"))}, judge ${s(med("judgeMs"))}, reports ${s(med("reportsMs"))}; peak RSS ${med("peakRssMb").toFixed(0)} MB (goal ≤ 200 MB)`,
    );
  } finally {
    if (!values.keep) rmSync(dir, { recursive: true, force: true });
  }
}

interface Figures {
  totalMs: number;
  readSamplesMs: number;
  readEventsMs: number;
  judgeMs: number;
  reportsMs: number;
  peakRssMb: number;
  verdict: string;
}

function s(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/** The analysis as a run does it (harness/pipeline/judge.ts, reports.ts), timed step by step; prints one JSON line. */
async function measure(dir: string): Promise<void> {
  const { readEvents, readSamples } = await import("../harness/verdict/samples.ts");
  const { judge } = await import("../harness/verdict/analyze.ts");
  const { chartData, writeReports } = await import("../reports/index.ts");
  const { validateConfig } = await import("../harness/config.ts");
  const t0 = performance.now();
  const read = await readSamples(join(dir, "samples.ndjson"));
  const t1 = performance.now();
  const events = await readEvents(join(dir, "events.ndjson"));
  const t2 = performance.now();
  let startedAt = Infinity;
  let endedAt = 0;
  for (const x of read.samples) {
    if (x.t < startedAt) startedAt = x.t;
    if (x.t > endedAt) endedAt = x.t;
  }
  const verdict = judge({
    samples: read.samples,
    events: events.events,
    evidence: { podsReplaced: true, k6ExitCode: 0 },
    config: { minRequestsInWindow: 1000, targetRate: 300 },
    startedAt,
    endedAt,
    malformedLines: read.malformedLines,
    dropped: { total: 0, series: [] },
  });
  const t3 = performance.now();
  const chart = chartData(verdict, read.samples, events.events);
  await writeReports(join(dir, "reports"), { runId: "bench", config: validateConfig({}), verdict, chart });
  const t4 = performance.now();
  const figures: Figures = {
    totalMs: t4 - t0,
    readSamplesMs: t1 - t0,
    readEventsMs: t2 - t1,
    judgeMs: t3 - t2,
    reportsMs: t4 - t3,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    verdict: verdict.outcome,
  };
  console.log(JSON.stringify(figures));
}

/** Writes `want` samples (and their events) into dir by repeating the source run in time. */
async function tile(from: string | undefined, want: number, dir: string) {
  const source = from ?? join(ROOT, "test", "fixtures");
  const samplesFile = from ? join(from, "samples.ndjson") : join(source, "valid-fail.ndjson");
  const eventsFile = from ? join(from, "events.ndjson") : join(source, "valid-fail-events.ndjson");
  const samples = readFileSync(samplesFile, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as { t: number; p?: string });
  const events = readFileSync(eventsFile, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as Timed);
  if (!from) events.push(...podEvents(samples));
  const { span } = tileSpan(samples, events);
  const tiles = Math.ceil(want / samples.length);
  const out = createWriteStream(join(dir, "samples.ndjson"));
  const evOut = createWriteStream(join(dir, "events.ndjson"));
  let n = 0;
  let bytes = 0;
  let nEvents = 0;
  for (let k = 0; k < tiles && n < want; k++) {
    const shift = k * span;
    let chunk = "";
    for (const x of samples) {
      if (n++ >= want) break;
      chunk += JSON.stringify({ ...x, t: x.t + shift }) + "\n";
    }
    bytes += chunk.length;
    if (!out.write(chunk)) await new Promise<void>((r) => out.once("drain", () => r()));
    let ev = "";
    for (const e of events) ev += JSON.stringify({ ...e, t: e.t + shift }) + "\n";
    nEvents += events.length;
    if (!evOut.write(ev)) await new Promise<void>((r) => evOut.once("drain", () => r()));
  }
  await Promise.all([new Promise<void>((r) => out.end(() => r())), new Promise<void>((r) => evOut.end(() => r()))]);
  return { samples: Math.min(n, want), events: nEvents, tiles, bytes, source: from ?? "test/fixtures/valid-fail.ndjson (+ pod and endpoint events)" };
}

/** Pod and EndpointSlice events shaped like a run's (harness/observe), 20–30 per 1,000 samples. */
