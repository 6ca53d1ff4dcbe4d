// Rows for the evidence parts of the reports (markdown and HTML share them):
// the checklist, the probes side by side, and the load's own shortfalls.
// Formatting only: every number comes from the verdict.
import { k6ErrorName } from "../harness/verdict/counting.ts";
import { grouped } from "../harness/verdict/format.ts";
import { probeLabel } from "../harness/verdict/probes.ts";
import type { LoadRunners } from "../harness/verdict/runners.ts";
import type { Verdict } from "../harness/verdict/types.ts";

type Cell = string | number;
export interface Grid {
  head: string[];
  rows: Cell[][];
}

export function evidenceGrid(v: Verdict): Grid {
  return { head: ["check", "status", "detail"], rows: v.evidence.map((c) => [c.check, c.ok ? "ok" : "missing", c.detail]) };
}

/** One column per probe; rows: counts, then every status and k6 error code seen by any probe. */
export function probeGrid(v: Verdict): Grid {
  const ps = v.probes;
  const statuses = [...new Set(ps.flatMap((p) => Object.keys(p.histogram)))].sort((a, b) => Number(a) - Number(b));
  const codes = new Map<number, string>();
  for (const p of ps) for (const e of p.errorsByCode) codes.set(e.code, e.name);
  const rows: Cell[][] = [
    ["requests", ...ps.map((p) => p.requests)],
    ["failed", ...ps.map((p) => p.failed)],
    ["in deploy windows", ...ps.map((p) => p.inDeployWindow)],
    ["failed in deploy windows", ...ps.map((p) => p.failedInDeployWindow)],
    ...statuses.map((st) => [`HTTP ${st === "0" ? "0 (connection error)" : st}`, ...ps.map((p) => p.histogram[st] ?? 0)]),
    ...[...codes.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([code, name]) => [`conn ${code} ${name}`, ...ps.map((p) => p.errorsByCode.find((e) => e.code === code)?.count ?? 0)]),
  ];
  return { head: ["probe", ...ps.map((p) => probeLabel(p.conn))], rows };
}

export function windowRateGrid(v: Verdict): Grid {
  return {
    head: ["window", "duration", "sent", "expected", "req/s", "status"],
    rows: v.windowRates.map((r) => [r.label, `${(r.durationMs / 1000).toFixed(1)} s`, r.sent, r.expected, r.achieved, r.ok ? "ok" : "below 95 %"]),
  };
}

/** "Dropped iterations: 40 (30 inside deploy windows: rollout-1 ×30)." */
export function droppedLine(v: Verdict): string {
  const d = v.dropped;
  if (d.total === null) return "Dropped iterations: unknown (no final count from k6, no poll of its counter).";
  const where =
    d.total === 0
      ? ""
      : d.inWindows > 0
        ? ` (${grouped(d.inWindows)} inside deploy windows: ${Object.entries(d.byWindow).map(([w, n]) => `${w} ×${grouped(n)}`).join(", ")})`
        : " (none inside deploy windows)";
  return `Dropped iterations: ${grouped(d.total)}${where}.${d.complete ? "" : " Counted only until k6's last poll, which was before a deploy window ended."}`;
}

/** "Cancelled at stop: 1000 generic error ×3." (and the requests the stop cut before their line, when any). */
export function cancelledLine(v: Verdict): string {
  const list = Object.entries(v.cancelledAtStop)
    .sort((a, b) => b[1] - a[1])
    .map(([code, n]) => `${code} ${k6ErrorName(Number(code))} ×${n}`);
  const cut = v.unloggedAtStop > 0 ? ` Cut by the stop after k6 counted them, before their line: ${v.unloggedAtStop} (sent after the last deploy window).` : "";
  return `Cancelled at stop: ${list.length ? list.join(", ") : "none"}.${cut}`;
}

/** load=operator: one row per runner, its share of the requests and its own account. */
export function runnerGrid(lr: LoadRunners): Grid {
  return {
    head: ["runner", "pod", "node", "requests", "share", "failed", "req/s", "k6's http_reqs", "dropped iterations", "exit code"],
    rows: [
      ...lr.runners.map((r) => [r.runner, r.pod, r.node || "–", r.requests, `${r.share.toFixed(1)} %`, r.failed, r.achievedRate, r.k6HttpReqs ?? "–", r.dropped ?? "–", r.exitCode ?? "–"]),
      ["all", "", "", lr.runners.reduce((a, r) => a + r.requests, 0), "100 %", lr.runners.reduce((a, r) => a + r.failed, 0), lr.totalRate, "", lr.runners.every((r) => r.dropped !== null) ? lr.runners.reduce((a, r) => a + (r.dropped ?? 0), 0) : "–", ""],
    ],
  };
}
