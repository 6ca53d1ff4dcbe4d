// Hand-built facts for the outcome rules' tests (harness/verdict/rules/; not a
// test file itself): a run that passes, and the pieces that change it.
import type { FaultFinding } from "../../harness/verdict/evidence/fault.ts";
import { finding, type Finding } from "../../harness/verdict/evidence/finding.ts";
import type { Facts, Findings } from "../../harness/verdict/rules/facts.ts";
import type { Outage } from "../../harness/verdict/types.ts";

export const T = 1_700_000_000_000;

export const ok = (check: string): Finding => finding([{ check, ok: true, detail: "fine" }]);
export const problem = (check: string, ...problems: string[]): Finding => finding([{ check, ok: false, detail: "missing" }], problems);

/** No fault; `failedBefore` is every failure, as faultEvidence says without one. */
export const noFault = (failed = 0): FaultFinding => ({ ...ok("cluster healthy"), failedBefore: failed, failedAfter: 0 });

export function findings(over: Partial<Findings> = {}): Findings {
  return { interrupted: ok("run finished"), fault: noFault(), coverage: ok("requests in deploy windows"), pods: ok("pods replaced"), k6: ok("k6 exit"), extra: [ok("sample lines"), ok("gaps in deploy windows")], ...over };
}

/** A run that passes: 1000 requests, 200 of them in rollout-1, none failed, every evidence rule fine. */
export function facts(over: Partial<Facts> = {}): Facts {
  return {
    origin: T,
    total: 1000,
    inWindow: 200,
    inWindowByLabel: { "rollout-1": 200 },
    failed: 0,
    failedInWindow: 0,
    failedByWindow: {},
    failedOutsideByPhase: {},
    failedHistogram: {},
    errorsByCode: [],
    outages: [],
    database: { failed: 0, byVersion: {}, groups: [] },
    rollback: null,
    findings: findings(),
    slow: [],
    achieved: 99.5,
    targetRate: 100,
    minRequestsInWindow: 100,
    k6ExitCode: 0,
    successByRequest: false,
    ...over,
  };
}

/** 12 connections refused, all in rollout-1 between +3.0 s and +3.4 s, one outage; 3 × HTTP 503 in cool-down. */
export function failures(over: Partial<Facts> = {}): Facts {
  return facts({
    failed: 15,
    failedInWindow: 12,
    failedByWindow: { "rollout-1": 12 },
    failedOutsideByPhase: { cooldown: 3 },
    failedHistogram: { "0": 12, "503": 3 },
    errorsByCode: [{ code: 1212, name: "connection refused", count: 12 }],
    outages: [outage(3000, 3400, 12, 40)],
    findings: findings({ fault: noFault(15) }),
    ...over,
  });
}

export function outage(start: number, end: number, failed: number, requests: number): Outage {
  return { start: T + start, end: T + end, durationMs: end - start, failed, requests, histogram: { "0": failed }, errorsByCode: [] };
}

/** The failure line of `failures()`. */
export const FAILURE_LINE = "15 of 1000 requests failed (12 connection errors: 1212 connection refused ×12; 3 × HTTP 503)";
