// Named waits on real conditions, with a timeout and an injectable clock.
// Polling a condition is not a fixed sleep: the loop ends as soon as the
// condition holds, and a timeout says what was awaited, for how long, and the
// diagnostics (usually the tail of the relevant log). Inside a run's abort
// scope (abort.ts) a wait also ends at its next round once the run is aborted.
import { currentAbort } from "./abort.ts";

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

export class WaitTimeoutError extends Error {
  constructor(
    readonly what: string,
    readonly waitedMs: number,
    detail: string,
  ) {
    super(`timed out after ${(waitedMs / 1000).toFixed(1)} s waiting for ${what}${detail ? `\n${detail}` : ""}`);
    this.name = "WaitTimeoutError";
  }
}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  clock?: Clock;
  /** Called on timeout (and when `fatal` fires): extra text for the error, e.g. a log tail. */
  diagnose?: () => Promise<string> | string;
  /** Checked every round: a non-empty string aborts the wait at once (e.g. "kubelet exited with code 1"). */
  fatal?: () => Promise<string | undefined> | string | undefined;
}

/**
 * Waits until `check` returns true (or a truthy value, which is returned).
 * `check` may throw: the last error message is kept for the timeout report.
 */
export async function waitFor<T>(what: string, check: () => Promise<T | false | undefined | null> | T | false | undefined | null, opts: WaitOptions): Promise<T> {
  const clock = opts.clock ?? realClock;
  const start = clock.now();
  const interval = opts.intervalMs ?? 250;
  let lastError = "";
  const abort = currentAbort();
  for (;;) {
    abort?.throwIfAborted();
    const fatal = opts.fatal ? await opts.fatal() : undefined;
    if (fatal) {
      const detail = opts.diagnose ? await opts.diagnose() : "";
      throw new Error(`${what}: ${fatal}${detail ? `\n${detail}` : ""}`);
    }
    try {
      const v = await check();
      if (v) return v as T;
      lastError = "";
    } catch (e) {
      lastError = (e as Error).message;
    }
    const waited = clock.now() - start;
    if (waited >= opts.timeoutMs) {
      const detail = [lastError && `last check error: ${lastError}`, opts.diagnose ? await opts.diagnose() : ""].filter(Boolean).join("\n");
      throw new WaitTimeoutError(what, waited, detail);
    }
    await clock.sleep(Math.min(interval, Math.max(1, opts.timeoutMs - waited)));
  }
}
