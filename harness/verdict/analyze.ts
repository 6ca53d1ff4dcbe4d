// Pure analysis of a run: samples + events in, numbers and a verdict out.
// No I/O, no clock: everything is derived from the inputs. The verdict's
// parts live beside it (phases, versions, timeline, outages, failures, ...);
// this file puts them together in `judge`.
import type { BlastRadius, JudgeInput, Outcome, RunEvent, Verdict } from "./types.ts";
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
import { windowLookup } from "./window-lookup.ts";
import { byRequestName } from "./request-names.ts";
import { outageCause, podExits } from "./outage-causes.ts";
import { deletionToLastAnswer } from "./lag.ts";
import { removalToProgrammed } from "./proxy-lag.ts";
import { endpointOutToLastRequest, ingressController } from "./ingress-lag.ts";
import { SHARE_TOLERANCE_POINTS, stepShares } from "./traffic-share.ts";
import { DEFAULT_LATENCY_RULE, judgeLatency } from "./latency.ts";
import { databaseCause, databaseErrors, databaseErrorsText, migrationSteps } from "./database.ts";
import { describeFailureHistogram } from "./failures.ts";
import { outages } from "./outages.ts";
import { phaseAt, phases, windows } from "./phases.ts";
import { byTime, minMaxT, observedEnd, sortedEvents } from "./run-span.ts";
import { timeline } from "./timeline.ts";
import { versionLabel, versions } from "./versions.ts";

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
