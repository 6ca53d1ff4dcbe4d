// The finish, first part; it runs however the body ended (outside the abort
// scope, so its own waits are never cut short). The watchdog stopped, what
// ended the run named (a signal, a dead component, a dead k6, an error:
// `run-error` in events.ndjson), k6 stopped, the cluster's logs kept when the
// run failed on a cluster it did not bring up (cluster-logs/), kube-proxy's
// and the ingress proxy's last records read into the events, then `run-end`.
import { join } from "node:path";
import { type AbortCause, describeCause, RunAbortedError } from "../abort.ts";
import { apiErrorText } from "../api-error.ts";
import { log, step } from "../log.ts";
import { faultAfterFailure } from "../watchdog.ts";
import type { RunState } from "./state.ts";

/** How the run ended, as the judge and the reports need it. */
export interface RunEnd {
  /** What aborted the run, if anything did. */
  cause: AbortCause | undefined;
  /** The first line of the error that ended the run, unless a signal did (RunResult.broken, when no request failed). */
  broken: string | undefined;
  endedAt: number;
}

export async function stopRun(s: RunState): Promise<RunEnd> {
  const { runDir, events, abort, failure, faultsNow, logsOnFailure } = s;
  s.watchdog?.stop();
  // A step that failed on a dead component (an API call refused) may have
  // done so before the watchdog's next look: name the component, not the symptom.
  if (failure && !abort.cause && faultsNow) {
    const cause = await faultAfterFailure(faultsNow);
    if (cause) abort.abort(cause);
  }
  const cause: AbortCause | undefined = abort.cause ?? (failure instanceof RunAbortedError ? failure.abortCause : undefined);
  let broken: string | undefined;
  if (failure) {
    const message = cause ? describeCause(cause) : apiErrorText(failure);
    if (cause?.kind !== "signal") broken = message.split("\n")[0];
    events.record("run-error", { message, ...(cause ? { cause } : {}) });
    log.error(`run aborted: ${message}`);
  }
  const k6 = s.k6;
  if (k6) s.stopResult ??= await step("stop k6", () => k6.stop());
  if (failure && logsOnFailure && cause?.kind !== "signal") {
    const p = logsOnFailure;
    await step("cluster logs into the run folder", () => p.collectLogs(join(runDir, "cluster-logs"))).catch((e: Error) => log.warn(`cluster logs: ${e.message}`));
  }
  // kube-proxy's last syncs and its programming histogram belong to this run's events.
  await s.proxyWatch?.stop();
  // So do the ingress proxy's own records of the run (nginx's upstream closes).
  const collectFront = s.collectFront;
  if (collectFront) await step("the ingress proxy's log into the run's events", collectFront).catch((e: Error) => log.warn(`ingress proxy's log: ${e.message}`));
  const endedAt = Date.now();
  events.record("run-end", { ...(s.stopResult ? { k6: s.stopResult } : {}) });
  return { cause, broken, endedAt };
}
