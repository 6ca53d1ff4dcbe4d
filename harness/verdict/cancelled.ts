// Requests the harness itself cancelled by stopping k6. k6 cannot drain
// in-flight requests before a stop (see harness/load/k6.ts): those that still
// get logged have s=0, e=1000 and end at about the stop. They are the
// harness's doing, not the deploy's, so they leave the samples and are
// reported apart, per code. Anything else near the stop (a 1050 timeout, a
// 1220 reset, ...) is a real failure and stays.
import { countList, inc } from "./format.ts";
import type { Sample } from "./types.ts";

/** k6's error code for a request cancelled by the end of the test. */
export const K6_CANCELLED = 1000;
/** A cancelled request ends "at" the stop: k6 logs it a few ms around stopRequestedAt. */
export const STOP_SLACK_MS = 50;

export interface CancelledAtStop {
  kept: Sample[];
  cancelled: number;
  /** k6 error code -> count */
  byCode: Record<string, number>;
}

/**
 * Splits off the requests cancelled by the stop: s=0 and e=1000, ending at or
 * after `stopRequestedAt − 50 ms` (cancelled once the stop was asked for),
 * sent at most one request timeout before it (an older one would have timed
 * out first) — or after it: k6 keeps starting iterations for a few ms until
 * it acts on the REST call, and cancels those too (measured: 2 of 20 good
 * demo runs each had one such request, sent 2 ms after the stop request).
 * No stop time: nothing is dropped.
 */
export function dropCancelledAtStop(samples: readonly Sample[], stopRequestedAt: number | null, timeoutMs = Infinity): CancelledAtStop {
  const byCode: Record<string, number> = {};
  if (stopRequestedAt === null) return { kept: [...samples], cancelled: 0, byCode };
  const kept: Sample[] = [];
  for (const s of samples) {
    if (cancelledBy(s, stopRequestedAt, timeoutMs)) inc(byCode, String(s.e));
    else kept.push(s);
  }
  return { kept, cancelled: samples.length - kept.length, byCode };
}

function cancelledBy(s: Sample, stopAt: number, timeoutMs: number): boolean {
  return s.s === 0 && s.e === K6_CANCELLED && s.t >= stopAt - timeoutMs && s.t + s.d >= stopAt - STOP_SLACK_MS;
}

/**
 * load=operator: the requests a runner's own end cancelled, when the runner
 * ended unasked (it crashed or was killed, its pod deleted): k6 cancels its
 * requests in flight as it goes, exactly as at a stop, and logs them s=0,
 * e=1000 ending at its end. `ends` maps such a runner (the samples' `r`) to
 * the end of its last logged request. Those requests are the load's failure,
 * not the deploy's: split off like the stop's (the run is inconclusive for
 * the runner's end anyway).
 */
export function dropCancelledByRunnerEnds(samples: readonly Sample[], ends: Readonly<Record<string, number>>, timeoutMs = Infinity): CancelledAtStop {
  const byCode: Record<string, number> = {};
  const kept: Sample[] = [];
  for (const s of samples) {
    const end = s.r === undefined ? undefined : ends[s.r];
    if (end !== undefined && cancelledBy(s, end, timeoutMs)) inc(byCode, String(s.e));
    else kept.push(s);
  }
  return { kept, cancelled: samples.length - kept.length, byCode };
}

/** "note: 12 requests in flight when the harness stopped k6 were cancelled …", or null when none. */
export function cancelledNote(byCode: Readonly<Record<string, number>>, name: (code: number) => string): string | null {
  const n = Object.values(byCode).reduce((a, b) => a + b, 0);
  if (n === 0) return null;
  return (
    `note: ${n} ${n === 1 ? "request" : "requests"} in flight when the harness stopped k6 ${n === 1 ? "was" : "were"} cancelled by the stop and left out ` +
    `(${countList(byCode, (code) => `${code} ${name(Number(code))}`)})`
  );
}
