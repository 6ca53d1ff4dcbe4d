// experiment.md: the result of a configuration experiment, from its
// aggregation. A table with one row per variant, a table per factor (its
// effect), then every run per variant. Deterministic: the same aggregation
// gives the same text (no clock, no locale).
import { mdText, table } from "../../reports/md.ts";
import { formatValue } from "./design.ts";
import { OUTCOMES, type Aggregation, type Spread, type VariantSummary } from "./results.ts";

export const PASSED_ALL_MARK = "✓";

/** 3 -> "3", 2.5 -> "2.5" */
export function num(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

const sec = (n: number): string => n.toFixed(1);

/** "0 / 2 / 7" (min / median / max), "–" without runs. */
export function spreadCell(s: Spread | null, f: (n: number) => string = num): string {
  return s ? `${f(s.min)} / ${f(s.median)} / ${f(s.max)}` : "–";
}

const share = (p: number | null): string => (p === null ? "–" : `${Math.round(p * 100)}%`);

function outcomesCell(o: VariantSummary["outcomes"]): string {
  const parts = OUTCOMES.filter((k) => o[k] > 0).map((k) => `${k} ${o[k]}`);
  return parts.length ? parts.join(", ") : "–";
}

const overridesText = (o: Record<string, unknown>): string =>
  Object.keys(o).length
    ? Object.entries(o)
        .map(([k, v]) => `${k}=${formatValue(v)}`)
        .join(", ")
    : "the defaults";

export function experimentReport(agg: Aggregation): string {
  const out: string[] = [];
  out.push(`# Experiment: ${mdText(agg.experiment)}`, "");
  out.push(
    `Design: ${agg.design}, ${agg.variants.length} variant${agg.variants.length === 1 ? "" : "s"} × ${agg.repeat} repetition${agg.repeat === 1 ? "" : "s"} ` +
      `= ${agg.planned} runs, interleaved (${agg.finished} finished).`,
    `Base: ${mdText(overridesText(agg.base))}.`,
    "",
    `Failed: non-200 responses and connection errors of the whole run, as min / median / max over the repetitions; ` +
      `also by probe (new connection per request, keep-alive). Disruption: the sum of the run's outage durations ` +
      `(first to last failed request of each outage, both probes together); an isolated failure counts 0 s. ` +
      `${PASSED_ALL_MARK} = every planned repetition finished and passed.`,
    "",
  );
  const o = agg.overheadSeconds;
  if (o) out.push(`Overhead per run beyond its load window (set-up before the load, teardown after it), min / median / max: ${sec(o.min)} / ${sec(o.median)} / ${sec(o.max)} s.`, "");

  out.push("## Variants", "");
  out.push(
    table(
      ["", "variant", "runs", "passed", "outcomes", "failed", "failed, new conn", "failed, keep-alive", "disruption (s)", "requests in windows (median)"],
      agg.variants.map((v) => [
        v.passedAll ? PASSED_ALL_MARK : "",
        v.id,
        `${v.runs}/${v.planned}`,
        v.runs ? `${v.outcomes.pass}/${v.runs} (${share(v.passShare)})` : "–",
        outcomesCell(v.outcomes),
        spreadCell(v.failed),
        spreadCell(v.failedNew),
        spreadCell(v.failedReuse),
        spreadCell(v.disruptionSeconds, sec),
        v.requestsInWindows ? num(v.requestsInWindows.median) : "–",
      ]),
    ),
    "",
  );
  const isolated = agg.variants.filter((v) => v.isolatedFailures > 0);
  if (isolated.length) {
    out.push(
      `Isolated failures (one failed request, counted as 0 s of disruption): ${isolated.map((v) => `${mdText(v.id)} ${v.isolatedFailures}`).join(", ")}.`,
      "",
    );
  }

  for (const f of agg.factors) {
    out.push(`## Factor: ${mdText(f.key)}`, "");
    out.push(
      table(
        ["value", "variants", "runs", "passed", "failed (median)", "failed (min–max)", "disruption (s, median)"],
        f.levels.map((l) => [
          l.isBase ? `${l.label} (base)` : l.label,
          l.variants.length ? l.variants.join("; ") : "–",
          l.runs,
          share(l.passShare),
          l.failed ? num(l.failed.median) : "–",
          l.failed ? `${num(l.failed.min)}–${num(l.failed.max)}` : "–",
          l.disruptionSeconds ? sec(l.disruptionSeconds.median) : "–",
        ]),
      ),
      "",
      f.medianRange === null
        ? "Effect: not enough levels with finished runs to compare."
        : `Effect: the median of failed requests differs by ${num(f.medianRange)} between the values of ${mdText(f.key)}.`,
      "",
    );
  }

  out.push("## Runs", "");
  for (const v of agg.variants) {
    out.push(`### ${v.passedAll ? `${PASSED_ALL_MARK} ` : ""}${mdText(v.id)}`, "");
    if (v.rows.length === 0) {
      out.push("No finished run yet.", "");
      continue;
    }
    out.push(
      table(
        ["repetition", "runId", "outcome", "exit", "requests (in windows)", "failed (in windows)", "failed, new conn", "failed, keep-alive", "outages", "disruption (s)", "overhead (s)", "note"],
        v.rows.map((r) => [
          r.repetition,
          r.runId,
          r.outcome,
          r.exitCode,
          `${r.requests} (${r.requestsInWindows})`,
          `${r.failed} (${r.failedInWindows})`,
          `${r.failedNew} of ${r.requestsNew}`,
          `${r.failedReuse} of ${r.requestsReuse}`,
          r.outages,
          sec(r.disruptionSeconds),
          r.overheadSeconds === null ? "–" : sec(r.overheadSeconds),
          r.note,
        ]),
      ),
      "",
    );
  }
  return out.join("\n");
}
