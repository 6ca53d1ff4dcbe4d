// Shared helpers for the e2e tests: run the real CLI, read a run's summary.
import { failedBesideEvents } from "./failed-samples.ts";
import { execa } from "execa";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { expect } from "vitest";
import { PROJECT_ROOT } from "../../harness/cluster/provider.ts";
import type { DrainReport } from "../../reports/json.ts";
import type { DatabaseErrors, LatencyVerdict, MigrationStep } from "../../harness/verdict/records.ts";

export const CLI = join(PROJECT_ROOT, "bin", "nodrop.mjs");

export async function nodrop(args: string[], timeoutMs = 15 * 60_000) {
  const r = await execa("node", [CLI, ...args], { cwd: PROJECT_ROOT, reject: false, all: true, timeout: timeoutMs, env: { NO_COLOR: "1" } });
  return { exitCode: r.exitCode ?? -1, output: String(r.all ?? "") };
}

/** The run folders a CLI output mentions ("output in reports/runs/<id>"). */
export function runDirsIn(output: string): string[] {
  return [...output.matchAll(/output in (\S+)/g)].map((m) => join(PROJECT_ROOT, m[1]!));
}

export interface SummaryJson {
  verdict: string;
  runId: string;
  reasons: string[];
  strategy: string;
  config: Record<string, unknown>;
  histogram: Record<string, number>;
  errorsByCode: { code: number; name: string; count: number }[];
  requests: { total: number; inDeployWindow: number; failed: number; failedInDeployWindow: number };
  rate: { target: number; achieved: number };
  startedAt: string;
  endedAt: string;
  windows: { label: string; start: number; end: number }[];
  phases: { name: string; requests: number; failed: number; histogram: Record<string, number> }[];
  versions: { version: string; requests: number; failed: number; first: number; last: number }[];
  rollback: { happened: boolean; at: number | null; reason: string | null };
  timeline: { t: number; byVersion: Record<string, number>; failed: number }[];
  blastRadius?: { failed: number; byVersion: Record<string, number>; byPhase: Record<string, number>; durationMs: number } | null;
  interrupted: string | null;
  probes: { conn: string; requests: number; failed: number; inDeployWindow: number; failedInDeployWindow: number }[];
  evidence: { check: string; ok: boolean; detail: string }[];
  dropped: { total: number | null; inWindows: number; outsideWindows: number };
  cancelledAtStop: Record<string, number>;
  unloggedAtStop: number;
  drain: DrainReport | null;
  outages: { start: number; end: number; failed: number; histogram: Record<string, number>; cause?: { rule: string | null; pods: string[]; text: string } }[];
  lag: { requests: string; pods: { pod: string; ms: number }[]; minMs: number; medianMs: number; maxMs: number } | null;
  proxyLag: { pods: { pod: string; ms: number }[]; minMs: number; medianMs: number; maxMs: number; programming: { count: number; meanMs: number | null } | null } | null;
  latency: LatencyVerdict | null;
  database: DatabaseErrors | null;
  migrations: MigrationStep[];
  attribution: { method: string; byHeader: number; byConnection: number; unattributed: number } | null;
  gates: { version: string; mode: string; reason: string }[];
  byRequest: { name: string; requests: number; ok: number; failed: number; histogram: Record<string, number>; firstFailure: number | null }[];
  ingressLag: { controller: string; pods: { pod: string; ms: number }[]; minMs: number; medianMs: number; maxMs: number; cutShort: number } | null;
}

/** Every outage of a failed rolling run is explained by a rule that names the pod(s) being deleted (issue 10). */
export function unexplainedOutages(s: SummaryJson): string[] {
  return s.outages.filter((o) => o.cause?.rule !== "stopped-before-traffic" || o.cause.pods.length === 0).map((o) => o.cause?.text ?? "(no cause)");
}

export async function summaryOf(runDir: string): Promise<SummaryJson> {
  return JSON.parse(await readFile(join(runDir, "summary.json"), "utf8")) as SummaryJson;
}

/** On failure, the test output should explain: the run folder, the report's head, and the failed samples beside the cluster's events. */
export async function reportHead(runDir: string, lines = 40): Promise<string> {
  // The folder first: .ci/run lists it under the failure, and it stays in the clone.
  const where = `run folder: ${relative(PROJECT_ROOT, runDir) || runDir}`;
  const beside = await failedBesideEvents(runDir);
  let head: string;
  try {
    head = (await readFile(join(runDir, "report.md"), "utf8")).split("\n").slice(0, lines).join("\n");
  } catch {
    head = "(no report)";
  }
  return [where, head, beside].filter(Boolean).join("\n");
}

/**
 * Outages recomputed from samples.ndjson with nothing of the harness's code:
 * failed requests (status ≠ 200) by send time, a new outage after a gap of
 * ≥ 1 s. Requests near k6's stop are left out on both sides (the harness drops
 * those it cancelled itself), so only outages that ended well before the stop
 * are compared. Returns both lists as "start end failed" lines.
 */
export async function outagesRecomputed(runDir: string, requestTimeoutS: number): Promise<{ recomputed: string[]; summary: string[] }> {
  const events = (await readFile(join(runDir, "events.ndjson"), "utf8")).split("\n").filter(Boolean).map((l) => JSON.parse(l) as { kind: string; k6?: { stopRequestedAt?: number | null } });
  const stopAt = events.find((e) => e.kind === "run-end")?.k6?.stopRequestedAt ?? Infinity;
  const cutoff = stopAt - requestTimeoutS * 1000 - 1000;
  const failed: number[] = [];
  for (const line of (await readFile(join(runDir, "samples.ndjson"), "utf8")).split("\n")) {
    let s: { t?: unknown; s?: unknown };
    try {
      s = JSON.parse(line) as { t?: unknown; s?: unknown };
    } catch {
      continue;
    }
    if (typeof s.t === "number" && typeof s.s === "number" && s.s !== 200 && s.t < cutoff) failed.push(s.t);
  }
  failed.sort((a, b) => a - b);
  const mine: { start: number; end: number; failed: number }[] = [];
  for (const t of failed) {
    const last = mine.at(-1);
    if (last && t - last.end < 1000) {
      last.end = t;
      last.failed++;
    } else mine.push({ start: t, end: t, failed: 1 });
  }
  const show = (o: { start: number; end: number; failed: number }) => `${o.start} ${o.end} ${o.failed}`;
  const early = (o: { end: number }) => o.end < cutoff - 1000;
  return { recomputed: mine.filter(early).map(show), summary: (await summaryOf(runDir)).outages.filter(early).map(show) };
}

/** `nodrop demo` with extra arguments: both variants' folders and summaries, and an explanation for failed expectations. */
export async function runDemo(args: string[] = []) {
  const r = await nodrop(["demo", ...args]);
  const [a, b] = runDirsIn(r.output);
  if (!a || !b) throw new Error(`the demo named no two run folders:\n${r.output.slice(-3000)}`);
  const explain = `${r.output.slice(-3000)}\n--- A ---\n${await reportHead(a)}\n--- B ---\n${await reportHead(b)}`;
  return { r, a, b, A: await summaryOf(a), B: await summaryOf(b), explain };
}

/** One `nodrop run` with these `--set` values: its summary, and an explanation for failed expectations. */
export async function runWithSets(sets: string[]) {
  const r = await nodrop(["run", ...sets.flatMap((x) => ["--set", x])]);
  const dir = runDirsIn(r.output)[0];
  if (!dir) throw new Error(`no run folder in output:\n${r.output}`);
  const explain = `${r.output.slice(-2500)}\n--- report ---\n${await reportHead(dir, 80)}`;
  return { exitCode: r.exitCode, dir, s: await summaryOf(dir), explain };
}

/** A copy of an example's manifests in a temp folder, headers off, using the example's built archive. */
export function headerless(example: string): string {
  const ARCHIVE = join(PROJECT_ROOT, "examples", "go-http", ".build", "image.tar");
  const dir = mkdtempSync(join(tmpdir(), "nodrop-headerless-"));
  const src = join(PROJECT_ROOT, "examples", example);
  const deployment = readFileSync(join(src, "deployment.yaml"), "utf8").replace(
    '- { name: WORK_MS, value: "20" }',
    '- { name: WORK_MS, value: "20" }\n            - { name: VERSION_HEADERS, value: "false" }',
  );
  expect(deployment).toContain("VERSION_HEADERS");
  writeFileSync(join(dir, "deployment.yaml"), deployment);
  writeFileSync(join(dir, "service.yaml"), readFileSync(join(src, "service.yaml"), "utf8"));
  writeFileSync(join(dir, "nodrop-app.yaml"), `archive: ${ARCHIVE}\n`);
  return dir;
}
