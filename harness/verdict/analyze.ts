// Pure analysis of a run: samples + events in, numbers and a verdict out.
// No I/O, no clock: everything is derived from the inputs. The verdict's
// parts live beside it (phases, versions, timeline, outages, failures, ...);
// this file puts them together in `judge`: it computes the facts, the
// evidence rules (evidence/) check them, and the outcome rules (rules/, in
// the order of rules/order.ts) decide the outcome and write its reasons.
import type { JudgeInput, RunEvent, Verdict } from "./types.ts";
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
import { inc } from "./format.ts";
import { probeStats, streamsNote } from "./probes.ts";
import { windowLookup } from "./window-lookup.ts";
import { byRequestName } from "./request-names.ts";
import { outageCause, podExits } from "./outage-causes.ts";
import { deletionToLastAnswer } from "./lag.ts";
import { removalToProgrammed } from "./proxy-lag.ts";
import { endpointOutToLastRequest, ingressController } from "./ingress-lag.ts";
import { SHARE_TOLERANCE_POINTS, stepShares } from "./traffic-share.ts";
import { DEFAULT_LATENCY_RULE, judgeLatency } from "./latency.ts";
import { databaseCause, databaseErrors, migrationSteps } from "./database.ts";
import { outages } from "./outages.ts";
import { phaseAt, phases, windows } from "./phases.ts";
import { byTime, minMaxT, observedEnd, sortedEvents } from "./run-span.ts";
import { timeline } from "./timeline.ts";
import { versions } from "./versions.ts";
import { blastRadius, rollbackOf } from "./rollback.ts";
import { type Findings, inOrder } from "./rules/facts.ts";
import { decide } from "./rules/order.ts";

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

  // Evidence, rule by rule (harness/verdict/evidence/). Their problems keep a
  // run from passing; on fail / rolled-back they become notes (rules/), since
  // failed requests are evidence anyway.
  const ts = Float64Array.from(samples, (s) => s.t);
  const malformed = input.malformedLines ?? 0;
  const rates = windowRates(ts, wins, config.targetRate);
  const gapScan = gapsInWindows(ts, wins, config.targetRate);
  const dropped = droppedEvidence(input.dropped, wins, input.startedAt, input.endedAt, origin);
  const failedSamples = samples.filter(isFailed);
  const rolledBack = rollbackOf(evidence, events);
  const rollback = rolledBack && { ...rolledBack, blastRadius: blastRadius(failedSamples, phs) };
  const recorded = input.recorded ? recordedEvidence(input.recorded, wins.length ? Math.max(...wins.map((w) => w.end)) : null) : undefined;
  const findings: Findings = {
    interrupted: interruptedEvidence(evidence.interrupted, input.endedAt, origin),
    fault: faultEvidence(evidence.fault, failedSamples, origin),
    coverage: coverageEvidence(total, wins, inWindow, config.minRequestsInWindow),
    pods: podsEvidence(evidence.podsReplaced),
    k6: k6Evidence(evidence),
    extra: [
      malformedEvidence(malformed),
      ...(recorded ? [recorded.finding] : []),
      dropped.finding,
      windowRateEvidence(rates, config.targetRate, origin),
      gapEvidence(gapScan.gaps, gapScan.longestMs, wins.length > 0, config.targetRate, origin),
    ],
  };
  const ordered = inOrder(findings);

  const notes: string[] = ordered.flatMap((f) => f.notes);
  const cancelledAtStop = { ...(input.cancelledAtStop ?? {}) };
  const cancelled = cancelledNote(cancelledAtStop, k6ErrorName);
  if (cancelled) notes.push(cancelled);
  if (config.targetRate > 0 && total > 0 && achieved < config.targetRate * 0.9) {
    notes.push(`note: achieved ${achieved} req/s, below the target of ${config.targetRate} req/s`);
  }
  const latency = judgeLatency(samples, phs, wins, config.latency ?? DEFAULT_LATENCY_RULE);

  // The outcome and its reasons: the first rule in rules/order.ts that applies.
  const { outcome, reasons } = decide({
    origin,
    total,
    inWindow,
    inWindowByLabel,
    failed,
    failedInWindow,
    failedByWindow,
    failedOutsideByPhase,
    // Failed statuses only: a 201 the request expects is a success, a 200 it did not expect a failure.
    failedHistogram: failedSamples.length === 0 ? {} : histogram(failedSamples),
    errorsByCode: errs,
    outages: outs,
    database: db,
    rollback,
    findings,
    slow: latency.breaches,
    achieved,
    targetRate: config.targetRate,
    minRequestsInWindow: config.minRequestsInWindow,
    k6ExitCode: evidence.k6ExitCode,
    successByRequest: samples.some((x) => x.ok !== undefined || x.q !== undefined),
  });
  // Then the notes every outcome gets.
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
    rollback: { happened: rollback !== null, at: rollback?.at ?? null, reason: rollback?.reason ?? null },
    blastRadius: rollback ? rollback.blastRadius : null,
    startedAt: input.startedAt,
    endedAt: input.endedAt,
    malformedLines: malformed,
    probes,
    dropped: dropped.stats,
    cancelledAtStop,
    unloggedAtStop: recorded?.unloggedAtStop ?? 0,
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
