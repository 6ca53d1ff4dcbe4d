// The words and numbers the run's reports share (report.md, report.html,
// JUnit): the headline, the configuration that matters, statuses, shares,
// durations, and where versions came from.
import type { RunConfig } from "../harness/config.ts";
import { strategyKeys } from "../harness/deploy/strategy-keys.ts";
import type { Histogram } from "../harness/verdict/records.ts";
import type { Verdict } from "../harness/verdict/types.ts";
import { strategyOf, type ReportInput } from "./json.ts";

/** A strategy's own keys with their units (strategyKeys); the others as they are. */
const STRATEGY_VALUE_TEXT: Partial<Record<keyof RunConfig, (c: RunConfig) => string>> = {
  canarySteps: (c) => c.canarySteps.map((s) => `${s}%`).join(", "),
  canaryPause: (c) => `${c.canaryPause} s`,
  scaleDownDelay: (c) => `${c.scaleDownDelay} s`,
};

/** The knobs that matter most for dropped requests, in reading order (strategy-specific ones only when relevant). */
export function relevantConfig(c: RunConfig): Array<[string, string]> {
  const rows: Array<[keyof RunConfig, unknown]> = [
    ...(c.scenario !== "deploy" ? ([["scenario", c.scenario]] as Array<[keyof RunConfig, unknown]>) : []),
    ["strategy", c.strategy],
    ["provider", c.provider],
    ...(c.nodes > 1 ? ([["nodes", c.nodes]] as Array<[keyof RunConfig, unknown]>) : []),
    ["replicas", c.replicas],
    ["maxSurge", c.maxSurge],
    ["maxUnavailable", c.maxUnavailable],
    ["preStopAction", c.preStopAction],
    ["preStopSleep", `${c.preStopSleep} s`],
    ["terminationGracePeriod", `${c.terminationGracePeriod} s`],
    ["shutdown", c.shutdown],
    ["drainTimeout", `${c.drainTimeout} s`],
    ["readiness", c.readiness],
    ["readinessPeriod", `${c.readinessPeriod} s`],
    ["readinessFailureThreshold", c.readinessFailureThreshold],
    ["startupDelay", `${c.startupDelay} s`],
    ["pdb", c.pdb],
    ["rate", `${c.rate} req/s`],
    ["rollouts", c.rollouts],
    ["warmup", `${c.warmup} s`],
    ["cooldown", `${c.cooldown} s`],
    ["requestTimeout", `${c.requestTimeout} s`],
    ["badVersion", c.badVersion],
  ];
  if (c.badVersion === "errors" || c.badVersion === "resets") rows.push(["badErrorRate", c.badErrorRate]);
  for (const k of strategyKeys(c.strategy)) rows.push([k, STRATEGY_VALUE_TEXT[k]?.(c) ?? String(c[k])]);
  rows.push(["minRequestsInWindow", c.minRequestsInWindow]);
  return rows.map(([k, v]) => [k, String(v)]);
}

/** HTTP status label: "0" is a connection error. */
export function statusLabel(status: string): string {
  return status === "0" ? "0 (connection error)" : status;
}

export function histogramRows(h: Histogram, total: number): Array<[string, number, string]> {
  return Object.entries(h)
    .sort((a, b) => Number(a[0]) - Number(b[0]))
    .map(([st, n]) => [statusLabel(st), n, pct(n, total)]);
}

export function pct(n: number, total: number): string {
  if (total === 0) return "–";
  const p = (n / total) * 100;
  return `${p === 0 || p >= 0.01 ? p.toFixed(2) : "<0.01"}%`;
}

export const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** The first line of every report: outcome and the key numbers. */
export function headline(input: ReportInput): string {
  const v = input.verdict;
  const r = v.requests;
  const rb = v.rollback.happened ? `, rolled back (${v.rollback.reason ?? "no reason"})` : "";
  return (
    `${v.outcome.toUpperCase()}: ${r.failed} of ${r.total} requests failed, ` +
    `${r.inDeployWindow} sent during deploy windows${rb} (${strategyOf(input)}, run ${input.runId})`
  );
}

export function histText(h: Histogram): string {
  return (
    Object.entries(h)
      .sort((a, b) => Number(a[0]) - Number(b[0]))
      .map(([st, n]) => `${st}×${n}`)
      .join(" ") || "–"
  );
}

/** Where the versions came from when the app did not name them in a header. */
export function attributionText(a: NonNullable<Verdict["attribution"]>): string {
  const n = (x: number) => x.toLocaleString("en-US");
  return `Versions: ${n(a.byHeader)} request(s) named theirs in the version header; ${n(a.byConnection)} were attributed from their connection (the pod kube-proxy sent it to, from conntrack); ${n(a.unattributed)} could not be attributed and count under "(none)".`;
}
