// The results of an experiment: one row per finished run (from its verdict),
// a CSV of those rows, and the aggregation per variant and per factor.
//
// Failures are every non-200 response or connection error of the run
// (Verdict.requests.failed), also split by probe ("new" connection per request
// vs "reuse" keep-alive). Disruption is the sum of the run's outage durations
// (Verdict.outages: first to last failed request of each outage); an isolated
// failure is an outage of one request and counts 0 s, so a row also says how
// many of its failures were isolated.
import type { Outcome, Verdict } from "../verdict/types.ts";
import { formatValue, sameValue, type Experiment, type Variant } from "./design.ts";
import { spread, type Spread } from "../verdict/spread.ts";

/** The parts of a Verdict a result row needs (tests build these by hand). */
export type VerdictLike = Pick<Verdict, "outcome" | "requests" | "probes" | "outages">;

export interface RunRow {
  variant: string;
  repetition: number;
  runId: string;
  outcome: Outcome;
  exitCode: number;
  requests: number;
  requestsInWindows: number;
  failed: number;
  failedInWindows: number;
  /** Requests / failures of the new-connection probe (0 / 0 when it did not run). */
  requestsNew: number;
  failedNew: number;
  /** Requests / failures of the keep-alive probe. */
  requestsReuse: number;
  failedReuse: number;
  outages: number;
  /** Sum of outage durations, s. */
  disruptionSeconds: number;
  /** Outages of a single failed request (each counted as 0 s of disruption). */
  isolatedFailures: number;
  /** The run's wall time beyond its load window, s: set-up before the load, teardown after it (null: finished before a --resume). */
  overheadSeconds: number | null;
  note: string;
}

export const OUTCOMES: readonly Outcome[] = ["pass", "fail", "inconclusive", "rolled-back"];

export function resultRow(
  run: { variantId: string; repetition: number; runId: string },
  verdict: VerdictLike,
  exitCode: number,
  overheadSeconds: number | null = null,
): RunRow {
  const probe = (conn: "new" | "reuse") => verdict.probes.find((p) => p.conn === conn);
  const ms = verdict.outages.reduce((sum, o) => sum + o.durationMs, 0);
  const isolated = verdict.outages.filter((o) => o.failed === 1).length;
  return {
    variant: run.variantId,
    repetition: run.repetition,
    runId: run.runId,
    outcome: verdict.outcome,
    exitCode,
    requests: verdict.requests.total,
    requestsInWindows: verdict.requests.inDeployWindow,
    failed: verdict.requests.failed,
    failedInWindows: verdict.requests.failedInDeployWindow,
    requestsNew: probe("new")?.requests ?? 0,
    failedNew: probe("new")?.failed ?? 0,
    requestsReuse: probe("reuse")?.requests ?? 0,
    failedReuse: probe("reuse")?.failed ?? 0,
    outages: verdict.outages.length,
    disruptionSeconds: ms / 1000,
    isolatedFailures: isolated,
    overheadSeconds: overheadSeconds === null ? null : Math.round(overheadSeconds * 10) / 10,
    note: isolated ? `${isolated} isolated failure${isolated === 1 ? "" : "s"} counted as 0 s of disruption` : "",
  };
}

// ---------------------------------------------------------------------------
// CSV (RFC 4180: CRLF line ends; a field with a comma, quote, CR or LF is
// quoted, with quotes doubled).

export const CSV_COLUMNS = [
  "variant",
  "repetition",
  "runId",
  "outcome",
  "exitCode",
  "requests",
  "requestsInWindows",
  "failed",
  "failedInWindows",
  "requestsNew",
  "failedNew",
  "requestsReuse",
  "failedReuse",
  "outages",
  "disruptionSeconds",
  "isolatedFailures",
  "overheadSeconds",
  "note",
] as const satisfies ReadonlyArray<keyof RunRow>;

export function csvField(v: string | number | boolean | null | undefined): string {
  const s = v === null || v === undefined ? "" : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(fields: ReadonlyArray<string | number | boolean | null | undefined>): string {
  return fields.map(csvField).join(",") + "\r\n";
}

/** Header + one line per row, in the order given. */
export function toCsv(rows: readonly RunRow[]): string {
  return csvLine(CSV_COLUMNS) + rows.map((r) => csvLine(CSV_COLUMNS.map((c) => r[c]))).join("");
}

// ---------------------------------------------------------------------------
// Aggregation

export { spread, type Spread };

export interface VariantSummary {
  index: number;
  id: string;
  overrides: Record<string, unknown>;
  /** Repetitions planned (the experiment's `repeat`) and finished (rows). */
  planned: number;
  runs: number;
  outcomes: Record<Outcome, number>;
  /** pass / finished runs; null before any run finished. */
  passShare: number | null;
  /** Every planned repetition finished and passed. */
  passedAll: boolean;
  failed: Spread | null;
  failedNew: Spread | null;
  failedReuse: Spread | null;
  disruptionSeconds: Spread | null;
  requestsInWindows: Spread | null;
  /** Sum over the runs. */
  isolatedFailures: number;
  rows: RunRow[];
}

export interface FactorLevel {
  value: unknown;
  label: string;
  /** The base's value of this factor. */
  isBase: boolean;
  /** The variants whose runs count for this level. */
  variants: string[];
  runs: number;
  passShare: number | null;
  failed: Spread | null;
  disruptionSeconds: Spread | null;
}

export interface FactorEffect {
  key: string;
  levels: FactorLevel[];
  /** Largest minus smallest median of failures over the levels with runs; null with fewer than 2 such levels. */
  medianRange: number | null;
}

export interface Aggregation {
  experiment: string;
  design: Experiment["design"];
  repeat: number;
  base: Record<string, unknown>;
  variants: VariantSummary[];
  factors: FactorEffect[];
  /** Finished runs / planned runs. */
  finished: number;
  planned: number;
  /** Per-run overhead over the runs that measured it (not those from before a --resume). */
  overheadSeconds: Spread | null;
}

const emptyOutcomes = (): Record<Outcome, number> => ({ pass: 0, fail: 0, inconclusive: 0, "rolled-back": 0 });

function summarize(rows: readonly RunRow[]) {
  const outcomes = emptyOutcomes();
  for (const r of rows) outcomes[r.outcome]++;
  return {
    runs: rows.length,
    outcomes,
    passShare: rows.length ? outcomes.pass / rows.length : null,
    failed: spread(rows.map((r) => r.failed)),
    disruptionSeconds: spread(rows.map((r) => r.disruptionSeconds)),
  };
}

/**
 * Rows per variant (by variant id, repetitions in order) and the effect of
 * each factor. One-at-a-time: a factor's levels are the base (at the base's
 * value) and the variants that change only that factor. Grid: every variant,
 * grouped by its value of the factor (the other factors averaged out).
 * Throws on a row of an unknown variant or a repetition counted twice.
 */
export function aggregate(exp: Pick<Experiment, "name" | "design" | "repeat" | "base" | "factors" | "variants">, rows: readonly RunRow[]): Aggregation {
  const byVariant = new Map<string, RunRow[]>(exp.variants.map((v) => [v.id, []]));
  for (const r of rows) {
    const list = byVariant.get(r.variant);
    if (!list) throw new Error(`result row of run ${r.runId}: unknown variant '${r.variant}' (known: ${[...byVariant.keys()].join(", ")})`);
    if (list.some((x) => x.repetition === r.repetition)) throw new Error(`variant '${r.variant}' repetition ${r.repetition} is counted twice`);
    list.push(r);
  }
  for (const list of byVariant.values()) list.sort((a, b) => a.repetition - b.repetition);

  const variants: VariantSummary[] = exp.variants.map((v) => {
    const vr = byVariant.get(v.id)!;
    const s = summarize(vr);
    return {
      index: v.index,
      id: v.id,
      overrides: v.overrides,
      planned: exp.repeat,
      ...s,
      passedAll: vr.length >= exp.repeat && s.outcomes.pass === vr.length,
      failedNew: spread(vr.map((r) => r.failedNew)),
      failedReuse: spread(vr.map((r) => r.failedReuse)),
      requestsInWindows: spread(vr.map((r) => r.requestsInWindows)),
      isolatedFailures: vr.reduce((n, r) => n + r.isolatedFailures, 0),
      rows: vr,
    };
  });

  const factors: FactorEffect[] = exp.factors.map((f) => {
    const relevant: Variant[] =
      exp.design === "grid" ? exp.variants : exp.variants.filter((v) => Object.keys(v.overrides).every((k) => k === f.key));
    const baseVariant = exp.design === "grid" ? undefined : exp.variants.find((v) => v.id === "base");
    const baseValue = baseVariant ? (baseVariant.config as Record<string, unknown>)[f.key] : undefined;
    const values = [...f.values];
    if (baseVariant && !values.some((v) => sameValue(v, baseValue))) values.unshift(baseValue);
    const levels: FactorLevel[] = values.map((value) => {
      const vs = relevant.filter((v) => sameValue((v.config as Record<string, unknown>)[f.key], value));
      const s = summarize(vs.flatMap((v) => byVariant.get(v.id)!));
      return {
        value,
        label: formatValue(value),
        isBase: baseVariant !== undefined && sameValue(value, baseValue),
        variants: vs.map((v) => v.id),
        runs: s.runs,
        passShare: s.passShare,
        failed: s.failed,
        disruptionSeconds: s.disruptionSeconds,
      };
    });
    const medians = levels.flatMap((l) => (l.failed ? [l.failed.median] : []));
    return { key: f.key, levels, medianRange: medians.length >= 2 ? Math.max(...medians) - Math.min(...medians) : null };
  });

  return {
    experiment: exp.name,
    design: exp.design,
    repeat: exp.repeat,
    base: exp.base,
    variants,
    factors,
    finished: rows.length,
    planned: exp.variants.length * exp.repeat,
    overheadSeconds: spread(rows.flatMap((r) => (r.overheadSeconds === null ? [] : [r.overheadSeconds]))),
  };
}
