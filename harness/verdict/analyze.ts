// Pure analysis of a run: samples + events in, numbers and a verdict out.
// No I/O, no clock: everything is derived from the inputs.
import type {
  BlastRadius,
  DeployWindow,
  ErrorCodeCount,
  JudgeInput,
  Outage,
  Outcome,
  PhaseStats,
  RunEvent,
  Sample,
  TimelineBucket,
  Verdict,
  VersionStats,
} from "./types.ts";
import type { Histogram } from "./records.ts";
import { cancelledNote } from "./cancelled.ts";
import { errorsByCode, histogram, isFailed, k6ErrorName } from "./counting.ts";
import { coverageEvidence } from "./evidence/coverage.ts";
import { droppedEvidence } from "./evidence/dropped.ts";
import { gapEvidence, gapsInWindows } from "./evidence/gaps.ts";
import { interruptedEvidence } from "./evidence/interrupted.ts";
import { faultEvidence } from "./evidence/fault.ts";
import { k6Evidence } from "./evidence/k6.ts";
import { malformedEvidence } from "./evidence/malformed.ts";
import { recordedEvidence } from "./evidence/recorded.ts";
import { podsEvidence } from "./evidence/pods.ts";
import { windowRateEvidence, windowRates } from "./evidence/window-rate.ts";
import { countList, formatOffset, inc, plural, seconds } from "./format.ts";
import { probeStats, streamsNote } from "./probes.ts";
import { lowerBound, upperBound } from "./sorted.ts";
import { windowLookup } from "./window-lookup.ts";
import { byRequestName } from "./request-names.ts";
import { outageCause, podExits } from "./outage-causes.ts";
import { deletionToLastAnswer } from "./lag.ts";
import { removalToProgrammed } from "./proxy-lag.ts";
import { endpointOutToLastRequest, ingressController } from "./ingress-lag.ts";
import { SHARE_TOLERANCE_POINTS, stepShares } from "./traffic-share.ts";
import { DEFAULT_LATENCY_RULE, judgeLatency } from "./latency.ts";
import { databaseCause, databaseErrors, databaseErrorsText, migrationSteps } from "./database.ts";

export { errorsByCode, histogram, isFailed, K6_ERROR_CODES, k6ErrorName } from "./counting.ts";
export { formatOffset } from "./format.ts";

// ---------------------------------------------------------------------------
// Small helpers

/** Label used in text for a version: "" (no header) becomes "(no version)". */
export const versionLabel = (v: string): string => (v === "" ? "(no version)" : v);

function isSortedByT(samples: readonly Sample[]): boolean {
  for (let i = 1; i < samples.length; i++) if (samples[i]!.t < samples[i - 1]!.t) return false;
  return true;
}

/** The samples sorted by send time (the same array when already sorted). */
function byTime(samples: readonly Sample[]): readonly Sample[] {
  return isSortedByT(samples) ? samples : [...samples].sort((a, b) => a.t - b.t);
}

function sortedEvents(events: readonly RunEvent[]): RunEvent[] {
  return [...events].sort((a, b) => a.t - b.t);
}

function minMaxT(samples: readonly Sample[]): { min: number; max: number } | null {
  if (samples.length === 0) return null;
  let min = Infinity;
  let max = -Infinity;
  for (const s of samples) {
    if (s.t < min) min = s.t;
    if (s.t > max) max = s.t;
  }
  return { min, max };
}

function lastEventT(events: readonly RunEvent[]): number | null {
  let max: number | null = null;
  for (const e of events) if (max === null || e.t > max) max = e.t;
  return max;
}

/** End of the observed run: the later of the last sample and the last event. */
function observedEnd(events: readonly RunEvent[], samples: readonly Sample[]): number {
  const mm = minMaxT(samples);
  const le = lastEventT(events);
  return Math.max(mm ? mm.max : -Infinity, le ?? -Infinity, 0);
}

// ---------------------------------------------------------------------------
// Failures

/**
 * "37 of 12011 requests failed (36 connection errors: 1212 connection refused ×30,
 * 1220 connection reset by peer ×6; 1 × HTTP 503)".
 */
export function describeFailures(samples: readonly Sample[], total = samples.length): string {
  const h = histogram(samples.filter(isFailed));
  return describeFailureHistogram(h, errorsByCode(samples), total);
}

function describeFailureHistogram(h: Histogram, errs: ErrorCodeCount[], total: number): string {
  const conn = h["0"] ?? 0;
  const http = Object.entries(h)
    .filter(([st]) => st !== "0")
    .sort((a, b) => b[1] - a[1] || Number(a[0]) - Number(b[0]));
  const failed = conn + http.reduce((n, [, c]) => n + c, 0);
  if (failed === 0) return `0 of ${total} requests failed`;
  const parts: string[] = [];
  if (conn > 0) {
    parts.push(`${plural(conn, "connection error")}: ${errs.map((e) => `${e.code} ${e.name} ×${e.count}`).join(", ")}`);
  }
  if (http.length > 0) parts.push(http.map(([st, c]) => `${c} × HTTP ${st}`).join(", "));
  return `${failed} of ${total} requests failed (${parts.join("; ")})`;
}

// ---------------------------------------------------------------------------
// Windows, phases, versions

/**
 * Deploy windows from window-start/window-end events, paired per label in
 * order. A window without an end ends at the last sample or last event.
 */
export function windows(events: readonly RunEvent[], samples: readonly Sample[] = []): DeployWindow[] {
  const open = new Map<string, number[]>();
  const out: DeployWindow[] = [];
  for (const ev of sortedEvents(events)) {
    const label = typeof ev.label === "string" && ev.label !== "" ? ev.label : "deploy";
    if (ev.kind === "window-start") {
      const q = open.get(label) ?? [];
      q.push(ev.t);
      open.set(label, q);
    } else if (ev.kind === "window-end") {
      const start = open.get(label)?.shift();
      if (start !== undefined) out.push({ label, start, end: ev.t, closed: true });
    }
  }
  const end = observedEnd(events, samples);
  for (const [label, starts] of open) {
    for (const start of starts) out.push({ label, start, end: Math.max(end, start), closed: false });
  }
  return out.sort((a, b) => a.start - b.start);
}

export const BEFORE_FIRST_PHASE = "(before first phase)";

/**
 * Phases from phase-start events: each lasts until the next phase-start or the
 * run end (`runEnd`, default: the last sample or event). Requests sent before
 * the first phase-start are reported as a phase named "(before first phase)".
 */
export function phases(events: readonly RunEvent[], samples: readonly Sample[], runEnd?: number): PhaseStats[] {
  const starts = sortedEvents(events).filter((e) => e.kind === "phase-start");
  if (starts.length === 0) return [];
  const end = Math.max(runEnd ?? observedEnd(events, samples), starts[starts.length - 1]!.t);
  const out: PhaseStats[] = starts.map((ev, i) => ({
    name: typeof ev.name === "string" && ev.name !== "" ? ev.name : `phase-${i + 1}`,
    start: ev.t,
    end: i + 1 < starts.length ? starts[i + 1]!.t : end,
    requests: 0,
    failed: 0,
    histogram: {},
  }));
  const startTs = out.map((p) => p.start);
  let pre: PhaseStats | null = null;
  for (const s of samples) {
    const idx = upperBound(startTs, s.t) - 1;
    let ph: PhaseStats;
    if (idx < 0) {
      pre ??= { name: BEFORE_FIRST_PHASE, start: s.t, end: out[0]!.start, requests: 0, failed: 0, histogram: {} };
      if (s.t < pre.start) pre.start = s.t;
      ph = pre;
    } else {
      ph = out[idx]!;
      if (idx === out.length - 1 && s.t > ph.end) continue; // sent after the run end
    }
    ph.requests++;
    if (isFailed(s)) ph.failed++;
    inc(ph.histogram, String(s.s));
  }
  return pre ? [pre, ...out] : out;
}

/** Name of the phase a send time falls in, or null. */
export function phaseAt(t: number, ph: readonly PhaseStats[]): string | null {
  let found: string | null = null;
  for (const p of ph) if (t >= p.start && (t < p.end || (t === p.end && p === ph[ph.length - 1]))) found = p.name;
  return found;
}

/** Per app version ("" = no X-App-Version header), ordered by first appearance, "" last. */
export function versions(samples: readonly Sample[]): VersionStats[] {
  const m = new Map<string, VersionStats>();
  for (const s of samples) {
    let v = m.get(s.v);
    if (!v) {
      v = { version: s.v, requests: 0, ok: 0, failed: 0, histogram: {}, first: s.t, last: s.t };
      m.set(s.v, v);
    }
    v.requests++;
    if (isFailed(s)) v.failed++;
    else v.ok++;
    inc(v.histogram, String(s.s));
    if (s.t < v.first) v.first = s.t;
    if (s.t > v.last) v.last = s.t;
  }
  return [...m.values()].sort((a, b) => Number(a.version === "") - Number(b.version === "") || a.first - b.first);
}

// ---------------------------------------------------------------------------
// Time series

/** Upper bound on timeline buckets; beyond it the bucket is widened (doubling). */
export const MAX_TIMELINE_BUCKETS = 100_000;

/**
 * Requests per bucket of send time, from `origin` (default: the first sample).
 * Empty buckets are included so gaps in traffic show. `byVersion` counts 200
 * responses per version; every non-200 is in `failed`.
 */
export function timeline(samples: readonly Sample[], bucketMs = 1000, origin?: number): TimelineBucket[] {
  const mm = minMaxT(samples);
  if (!mm) return [];
  let size = bucketMs > 0 && Number.isFinite(bucketMs) ? bucketMs : 1000;
  let start = origin ?? mm.min;
  if (start > mm.min) start -= Math.ceil((start - mm.min) / size) * size;
  while (Math.floor((mm.max - start) / size) + 1 > MAX_TIMELINE_BUCKETS) size *= 2;
  const n = Math.floor((mm.max - start) / size) + 1;
  const out: TimelineBucket[] = Array.from({ length: n }, (_, i) => ({
    t: start + i * size,
    total: 0,
    ok: 0,
    failed: 0,
    byVersion: {},
  }));
  for (const s of samples) {
    const b = out[Math.floor((s.t - start) / size)]!;
    b.total++;
    if (isFailed(s)) b.failed++;
    else {
      b.ok++;
      inc(b.byVersion, s.v);
    }
  }
  return out;
}

/**
 * Contiguous failure intervals: consecutive failed requests (by send time)
 * less than `mergeGapMs` apart belong to the same outage.
 */
export function outages(samples: readonly Sample[], mergeGapMs = 1000): Outage[] {
  const sorted = byTime(samples);
  const ts = Float64Array.from(sorted, (s) => s.t);
  const runs: Sample[][] = [];
  let cur: Sample[] | null = null;
  for (const s of sorted) {
    if (!isFailed(s)) continue;
    if (cur && s.t - cur[cur.length - 1]!.t < mergeGapMs) cur.push(s);
    else runs.push((cur = [s]));
  }
  return runs.map((run) => {
    const start = run[0]!.t;
    const end = run[run.length - 1]!.t;
    let doneAt = end;
    for (const s of run) doneAt = Math.max(doneAt, s.t + (s.d > 0 ? s.d : 0));
    return {
      start,
      end,
      doneAt,
      durationMs: end - start,
      failed: run.length,
      requests: upperBound(ts, end) - lowerBound(ts, start),
      histogram: histogram(run),
      errorsByCode: errorsByCode(run),
      answeredBy: answeredBy(run),
    };
  });
}

function answeredBy(run: readonly Sample[]): Record<string, number> {
  const by: Record<string, number> = {};
  for (const s of run) if (s.s !== 0 && s.p) inc(by, s.p);
  return by;
}

/** True when every `pods` event shows a non-empty `after` set disjoint from `before`. */
export function podsReplacedFrom(events: readonly RunEvent[]): boolean {
  const pods = events.filter((e) => e.kind === "pods");
  if (pods.length === 0) return false;
  return pods.every((e) => {
    const before = new Set(e.before ?? []);
    const after = e.after ?? [];
    return before.size > 0 && after.length > 0 && after.every((p) => !before.has(p));
  });
}

// ---------------------------------------------------------------------------
// Verdict

export function exitCodeFor(outcome: Outcome): 0 | 1 | 3 | 4 {
  switch (outcome) {
    case "pass":
      return 0;
    case "fail":
      return 1;
    case "inconclusive":
      return 3;
    case "rolled-back":
      return 4;
  }
}

/** The verdict of a run. Never passes without evidence, and never on partial evidence. */
export function judge(input: JudgeInput): Verdict {
  const samples = byTime(input.samples);
  const events = sortedEvents(input.events);
  const { evidence, config } = input;
  const total = samples.length;
  const mm = minMaxT(samples);
  const origin = mm ? mm.min : input.startedAt;
  const runEnd = Math.max(input.endedAt, observedEnd(events, samples));

  const hist = histogram(samples);
  const errs = errorsByCode(samples);
  const wins = windows(events, samples);
  const phs = phases(events, samples, runEnd);
  const vers = versions(samples);
  const byRequest = byRequestName(samples);
  const exits = podExits(events);
  // Once per run, not per outage: the database's failures (few) and the ingress controller.
  const dbSamples = samples.filter((s) => s.db);
  const controller = ingressController(events);
  const outs = outages(samples).map((o) => ({ ...o, cause: databaseCause(o, dbSamples, events, origin) ?? outageCause(o, exits, events, origin, controller) }));
  const db = databaseErrors(samples);
  const tl = timeline(samples, 1000, origin);
  const inAnyWindow = windowLookup(wins);
  const probes = probeStats(samples, (t) => inAnyWindow(t) !== null);

  let inWindow = 0;
  let failed = 0;
  let failedInWindow = 0;
  const failedByWindow: Record<string, number> = {};
  const failedOutsideByPhase: Record<string, number> = {};
  const inWindowByLabel: Record<string, number> = {};
  for (const s of samples) {
    const w = inAnyWindow(s.t);
    if (w) {
      inWindow++;
      inc(inWindowByLabel, w.label);
    }
    if (!isFailed(s)) continue;
    failed++;
    if (w) {
      failedInWindow++;
      inc(failedByWindow, w.label);
    } else {
      inc(failedOutsideByPhase, phaseAt(s.t, phs) ?? "no phase");
    }
  }

  const durationS = mm ? (mm.max - mm.min) / 1000 : 0;
  const achieved = durationS > 0 ? Math.round((total / durationS) * 100) / 100 : 0;

  let rolledBack = evidence.rolledBack ?? null;
  if (!rolledBack) {
    const ev = events.find((e) => e.kind === "rollback");
    if (ev) rolledBack = { at: ev.t, reason: typeof ev.reason === "string" && ev.reason ? ev.reason : "no reason recorded" };
  }

  // Evidence, rule by rule (harness/verdict/evidence/). On fail / rolled-back
  // the original checks keep their old wording; the problems of `interrupted`
  // and `extra` become notes there, since failed requests are evidence anyway.
  const ts = Float64Array.from(samples, (s) => s.t);
  const malformed = input.malformedLines ?? 0;
  const rates = windowRates(ts, wins, config.targetRate);
  const gapScan = gapsInWindows(ts, wins, config.targetRate);
  const dropped = droppedEvidence(input.dropped, wins, input.startedAt, input.endedAt, origin);
  const interrupted = interruptedEvidence(evidence.interrupted, input.endedAt, origin);
  const coverage = coverageEvidence(total, wins, inWindow, config.minRequestsInWindow);
  const pods = podsEvidence(evidence.podsReplaced);
  const k6 = k6Evidence(evidence);
  const extra = [
    malformedEvidence(malformed),
    ...(input.recorded ? [recordedEvidence(input.recorded.sent, input.recorded.lines)] : []),
    dropped.finding,
    windowRateEvidence(rates, config.targetRate, origin),
    gapEvidence(gapScan.gaps, gapScan.longestMs, wins.length > 0, config.targetRate, origin),
  ];
  const failedSamples = samples.filter(isFailed);
  const fault = faultEvidence(evidence.fault, failedSamples, origin);
  const ordered = [interrupted, fault, coverage, pods, k6, ...extra];
  const extraProblems = [interrupted, fault, ...extra].flatMap((f) => f.problems);

  // Failed statuses only: a 201 the request expects is a success, a 200 it did not expect a failure.
  const failureLine = describeFailureHistogram(failedSamples.length === 0 ? {} : histogram(failedSamples), errs, total);
  const where =
    failed === 0
      ? ""
      : `; ${failedInWindow} inside deploy windows${failedInWindow ? ` (${countList(failedByWindow)})` : ""}, ` +
        `${failed - failedInWindow} outside${failed - failedInWindow ? ` (${countList(failedOutsideByPhase)})` : ""}`;
  const outageLine = (): string => {
    const shown = outs.slice(0, 5).map(
      (o) =>
        `${formatOffset(o.start, origin)}…${formatOffset(o.end, origin)} (${seconds(o.durationMs)}, ${o.failed} failed of ${o.requests})`,
    );
    const more = outs.length > 5 ? `, and ${outs.length - 5} more` : "";
    return `${plural(outs.length, "outage")}: ${shown.join(", ")}${more}`;
  };

  const notes: string[] = ordered.flatMap((f) => f.notes);
  const cancelledAtStop = { ...(input.cancelledAtStop ?? {}) };
  const cancelled = cancelledNote(cancelledAtStop, k6ErrorName);
  if (cancelled) notes.push(cancelled);
  if (config.targetRate > 0 && total > 0 && achieved < config.targetRate * 0.9) {
    notes.push(`note: achieved ${achieved} req/s, below the target of ${config.targetRate} req/s`);
  }
  const k6Line = k6.problems[0];
  const latency = judgeLatency(samples, phs, wins, config.latency ?? DEFAULT_LATENCY_RULE);
  // Slow answers are evidence on their own, like failed ones: they fail a run
  // that would pass or be inconclusive, and are added to one that fails.
  const slow = latency.breaches;

  let outcome: Outcome;
  const reasons: string[] = [];
  let blastRadius: BlastRadius | null = null;

  if (rolledBack) {
    outcome = "rolled-back";
    const byVersion: Record<string, number> = {};
    const byPhase: Record<string, number> = {};
    for (const s of failedSamples) {
      inc(byVersion, s.v);
      inc(byPhase, phaseAt(s.t, phs) ?? "no phase");
    }
    const first = failedSamples[0]?.t ?? null;
    const last = failedSamples[failedSamples.length - 1]?.t ?? null;
    blastRadius = {
      failed,
      byVersion,
      byPhase,
      firstFailure: first,
      lastFailure: last,
      durationMs: first !== null && last !== null ? last - first : 0,
    };
    reasons.push(`rolled back at ${formatOffset(rolledBack.at, origin)}: ${rolledBack.reason}`);
    if (failed === 0) {
      reasons.push(`blast radius: none, ${failureLine}`);
    } else {
      reasons.push(
        `blast radius: ${failureLine}; by version: ${countList(byVersion, versionLabel)}; ` +
          `by phase: ${countList(byPhase)}; first failure at ${formatOffset(first!, origin)}, ` +
          `last at ${formatOffset(last!, origin)} (${seconds(blastRadius.durationMs)})`,
      );
      reasons.push(outageLine());
    }
    if (total === 0) reasons.push("note: no samples were recorded");
    if (k6Line) reasons.push(`note: ${k6Line}`);
    reasons.push(...extraProblems.map((p) => `note: ${p}`));
    reasons.push(...slow.map((l) => `note: ${l}`));
  } else if (failed > 0 && fault.failedBefore === 0) {
    // Every failure came after a component died: they are the fault's, not the deploy's.
    outcome = "inconclusive";
    reasons.push(...fault.problems);
    reasons.push(failureLine + where);
    if (k6Line) reasons.push(`note: ${k6Line}`);
    reasons.push(...[interrupted, ...extra].flatMap((f) => f.problems).map((p) => `note: ${p}`));
    reasons.push(...slow.map((l) => `note: ${l}`));
  } else if (failed > 0) {
    // Failed requests are evidence on their own: missing evidence elsewhere cannot undo them.
    outcome = "fail";
    reasons.push(failureLine + where);
    if (db.failed > 0) reasons.push(`database errors: ${db.failed} of the ${failed} failed requests were the app's database failing them: ${databaseErrorsText(db)}`);
    reasons.push(outageLine());
    reasons.push(...slow);
    if (k6Line) reasons.push(`note: ${k6Line}`);
    reasons.push(...extraProblems.map((p) => `note: ${p}`));
  } else if (slow.length > 0) {
    outcome = "fail";
    reasons.push(...slow);
    reasons.push(`${failureLine}: every request succeeded, but the new version answered slower than the warm-up allows`);
    reasons.push(...ordered.flatMap((f) => f.problems).map((p) => `note: ${p}`));
  } else {
    const problems = ordered.flatMap((f) => f.problems);
    if (problems.length > 0) {
      outcome = "inconclusive";
      reasons.push(...problems);
      if (total > 0) reasons.push(failureLine);
    } else {
      outcome = "pass";
      reasons.push(`${failureLine}: every request got ${samples.some((x) => x.ok !== undefined || x.q !== undefined) ? "a status its request counts as success" : "HTTP 200"}`);
      reasons.push(
        `${inWindow} requests inside deploy windows (minimum ${config.minRequestsInWindow}): ${countList(inWindowByLabel)}`,
      );
      reasons.push(
        `all pods were replaced; k6 ${evidence.k6ExitCode === 0 ? "exited with code 0" : "was stopped by the harness"}; ` +
          `achieved ${achieved} req/s (target ${config.targetRate})`,
      );
    }
  }
  const streamNote = streamsNote(probes);
  if (streamNote) reasons.push(streamNote);
  const shares = stepShares(events, samples);
  for (const s of shares.filter((x) => !x.withinTolerance)) {
    reasons.push(`note: canary step ${s.percent} %: the canary answered ${Number.isNaN(s.canaryShare) ? "no" : `${s.canaryShare.toFixed(1)} % of the`} ${s.requests} answered requests, outside ± ${SHARE_TOLERANCE_POINTS} points of the route's weight`);
  }
  reasons.push(...notes);
  reasons.push(...latency.tails.map((l) => `note: ${l}`));
  if (outcome === "pass") reasons.push(...latency.notJudged.map((l) => `note: ${l}`));

  return {
    outcome,
    reasons,
    histogram: hist,
    errorsByCode: errs,
    requests: { total, inDeployWindow: inWindow, failed, failedInDeployWindow: failedInWindow },
    rate: { target: config.targetRate, achieved },
    windows: wins,
    phases: phs,
    versions: vers,
    ...(byRequest.length ? { byRequest } : {}),
    outages: outs,
    lag: deletionToLastAnswer(exits, samples),
    proxyLag: removalToProgrammed(exits, events),
    ...(shares.length ? { trafficShares: shares } : {}),
    ingressLag: endpointOutToLastRequest(exits, samples, events, new Set(outs.flatMap((o) => (o.cause?.rule === "stopped-before-traffic" ? o.cause.pods : [])))),
    latency,
    database: db,
    migrations: migrationSteps(events, samples),
    timeline: tl,
    rollback: { happened: rolledBack !== null, at: rolledBack?.at ?? null, reason: rolledBack?.reason ?? null },
    blastRadius,
    startedAt: input.startedAt,
    endedAt: input.endedAt,
    malformedLines: malformed,
    probes,
    dropped: dropped.stats,
    cancelledAtStop,
    windowRates: rates,
    gaps: gapScan.gaps,
    interrupted: evidence.interrupted ?? null,
    evidence: ordered.flatMap((f) => f.checks),
    ...(input.attribution ? { attribution: input.attribution } : {}),
    ...gatesOf(events),
  };
}

/** The live gate's passed analyses, from the "analysis" events. */
function gatesOf(events: readonly RunEvent[]): { gates?: NonNullable<Verdict["gates"]> } {
  const gates = events
    .filter((e) => e.kind === "analysis" && e["outcome"] === "pass")
    .map((e) => ({ version: String(e["version"] ?? ""), mode: e["mode"] === "every-request" ? ("every-request" as const) : ("by-version" as const), reason: String(e["reason"] ?? "") }));
  return gates.length ? { gates } : {};
}
