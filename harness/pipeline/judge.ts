// The finish, second part: what the load recorded, judged. The samples read;
// the requests the harness itself cancelled dropped (in flight at k6's stop,
// or at the unasked end of an operator's runner; `cancelled-at-stop` and
// `cancelled-by-runner-end` in events.ndjson); versions the app did not name
// taken from each request's connection (conntrack.ndjson); then the verdict,
// with the load's own evidence, and what the reports add to it (each runner's
// share with load=operator, each node's drain with scenario=drain).
import { join } from "node:path";
import { type AbortCause, describeCause } from "../abort.ts";
import { apiErrorText } from "../api-error.ts";
import { countsFromSummary } from "../load/k6-metrics.ts";
import type { K6StopResult } from "../load/k6-types.ts";
import { type OperatorRun, unaskedEnds } from "../load/operator/load.ts";
import { ownSourceAddressOfVu } from "../load/sources.ts";
import { log } from "../log.ts";
import { CONNTRACK_FILE } from "../observe/connections.ts";
import { readConnections } from "../observe/conntrack.ts";
import { toolPaths } from "../tools.ts";
import { judge } from "../verdict/analyze.ts";
import { isFailed } from "../verdict/counting.ts";
import { attributeSamples } from "../verdict/attribution.ts";
import { dropCancelledAtStop, dropCancelledByRunnerEnds } from "../verdict/cancelled.ts";
import { drainSummary, explainDrain } from "../verdict/drain.ts";
import { podsReplacedFrom } from "../verdict/evidence/pods.ts";
import { type LoadRunners, runnerShares } from "../verdict/runners.ts";
import { readSamples } from "../verdict/samples.ts";
import type { RecordedInput, Sample, Verdict } from "../verdict/types.ts";
import type { DrainReport } from "../../reports/json.ts";
import { loggingShape } from "./load.ts";
import type { RunState } from "./state.ts";
import type { RunEnd } from "./stop.ts";

/** The verdict and what the reports show beside it. */
export interface Judged {
  verdict: Verdict;
  /** The samples judged: the harness's own cancellations dropped. */
  samples: Sample[];
  loadRunners: LoadRunners | undefined;
  drain: DrainReport | undefined;
}

export async function judgeRun(s: RunState, end: RunEnd): Promise<Judged> {
  const { config, runDir, events, startedAt, failure, k6, stopResult, tracking, rolledBack } = s;
  const { cause, endedAt } = end;
  const read = k6 ? await readSamples(k6.files.samples) : { samples: [], malformedLines: 0 };
  // Stopping k6 cancels the requests in flight at that moment; they are the
  // harness's doing, not the deploy's: dropped here, counted per code.
  // A stream in flight at the stop may have been open for up to streamSeconds.
  const inFlightS = config.streams > 0 ? Math.max(config.requestTimeout, config.streamSeconds + 10) : config.requestTimeout;
  const cancelled = dropCancelledAtStop(read.samples, stopResult?.stopRequestedAt ?? null, inFlightS * 1000);
  if (cancelled.cancelled > 0) events.record("cancelled-at-stop", { count: cancelled.cancelled, byCode: cancelled.byCode });
  // load=operator: a runner that ended unasked cancelled its own requests in flight.
  const runnerEnds = k6 && "runners" in k6 ? unaskedEnds((k6 as OperatorRun).runners()) : {};
  if (Object.keys(runnerEnds).length) {
    const byRunner = dropCancelledByRunnerEnds(cancelled.kept, runnerEnds, inFlightS * 1000);
    if (byRunner.cancelled > 0) events.record("cancelled-by-runner-end", { count: byRunner.cancelled, byCode: byRunner.byCode, runners: Object.keys(runnerEnds) });
    cancelled.kept = byRunner.kept;
  }
  // Versions the app did not name, from each request's connection (conntrack.ndjson).
  await tracking?.stop();
  const attribution = tracking ? attributeSamples(cancelled.kept, await readConnections(join(runDir, CONNTRACK_FILE)), events.events, ownSourceAddressOfVu) : undefined;
  const dropped = k6 ? await k6.dropped() : { total: null, series: [] };
  // Every request k6 sent must be a sample (a scenario of the user's own may forget one).
  // (Streams are requests to k6 too, and samples when they end.)
  const recorded = k6 ? await recordedInput(s, read.samples.length, cancelled.kept.filter(isFailed).length, inFlightS * 1000) : undefined;
  const k6Problem = k6Error(failure, cause, stopResult);
  const verdict = judge({
    samples: cancelled.kept,
    events: events.events,
    evidence: {
      podsReplaced: podsReplacedFrom(events.events),
      k6ExitCode: !stopResult ? -1 : failure ? -1 : stopResult.clean ? 0 : stopResult.exitCode,
      ...(k6Problem ? { k6Error: k6Problem } : {}),
      ...(rolledBack ? { rolledBack } : {}),
      ...(cause?.kind === "signal" ? { interrupted: cause.signal } : {}),
      ...(cause?.kind === "fault" ? { fault: { at: cause.at, component: cause.component, message: cause.message } } : {}),
    },
    config: {
      minRequestsInWindow: config.minRequestsInWindow,
      targetRate: config.rate,
      latency: { factor: config.latencyFactor, floorMs: config.latencyFloorMs, medianFloorMs: config.latencyMedianFloorMs },
    },
    startedAt,
    endedAt,
    malformedLines: read.malformedLines,
    dropped,
    cancelledAtStop: cancelled.byCode,
    ...(attribution ? { attribution } : {}),
    ...(recorded ? { recorded } : {}),
  });
  const loadRunners = k6 && "runners" in k6 ? runnerShares(cancelled.kept, (k6 as OperatorRun).runners(), `Grafana's k6-operator ${toolPaths().k6Operator.version}`) : undefined;
  const drainFacts = config.scenario === "drain" ? drainSummary(events.events, cancelled.kept) : null;
  const drain = drainFacts ? { ...drainFacts, explanation: explainDrain(drainFacts, config.pdb) } : undefined;
  if (drain) log.info(`drain: ${drain.explanation}`);
  return { verdict, samples: cancelled.kept, loadRunners, drain };
}

/**
 * k6's own counts beside the lines read: from its summary file, or summed
 * over an operator's runners (unknown if one printed none). nodrop's scenario
 * sends one request per iteration; a scenario of the user's own may send more.
 */
async function recordedInput(s: RunState, lines: number, loggedFailed: number, inFlightMs: number): Promise<RecordedInput> {
  const { k6, stopResult } = s;
  const operator = k6 && "runners" in k6 ? (k6 as OperatorRun).runners() : undefined;
  const sum = (xs: (number | null)[]) => (xs.some((x) => x === null) ? null : xs.reduce<number>((a, x) => a + (x ?? 0), 0));
  const counts = operator
    ? { httpReqs: sum(operator.map((r) => r.summary.httpReqs)), iterations: sum(operator.map((r) => r.summary.iterations)), failed: sum(operator.map((r) => r.summary.failed)) }
    : await countsFromSummary(k6!.files.summary);
  return {
    ...counts,
    lines,
    loggedFailed,
    ...loggingShape(s, operator?.length ?? 1),
    stopAt: stopResult?.stopRequestedAt ?? null,
    inFlightMs,
  };
}

/** What went wrong with the load, for the verdict (undefined: nothing). */
function k6Error(failure: Error | undefined, cause: AbortCause | undefined, stop: K6StopResult | undefined): string | undefined {
  if (cause) return `run aborted: ${describeCause(cause).split("\n")[0]}`;
  if (failure) return `run aborted: ${apiErrorText(failure).split("\n")[0]}`;
  if (!stop) return "k6 never started";
  if (!stop.clean && stop.problem) return stop.problem;
  if (!stop.clean) return `k6 ended with exit code ${stop.exitCode ?? "?"} (signal ${stop.signal ?? "none"}, via ${stop.via})`;
  return undefined;
}
