// Watches a running run for things that make its evidence worthless: a
// cluster component that died (provider faults) or k6 exiting on its own.
// Either aborts the run (abort.ts) naming the cause, within one interval,
// instead of letting the next step time out minutes later.
import type { AbortCause, RunAbort } from "./abort.ts";
import type { ComponentFault } from "./cluster/provider.ts";
import { waitFor, WaitTimeoutError, type Clock } from "./wait.ts";

export interface WatchRunOptions {
  abort: RunAbort;
  faults?: () => Promise<ComponentFault[]>;
  /** A description of k6's exit once it exited unasked, else undefined. */
  k6Exited: () => string | undefined;
  intervalMs?: number;
}

/** The abort cause for dead components (named by the first), or undefined when there are none. */
export function faultCause(faults: ComponentFault[], at = Date.now()): AbortCause | undefined {
  const first = faults[0];
  return first ? { kind: "fault", component: first.component, message: faults.map((f) => f.message).join("\n"), at } : undefined;
}

/**
 * After a step failed with no cause known yet: the dead component, if one
 * shows up within `settleMs`. A killed process closes its sockets (the API
 * call fails) a moment before /proc shows it gone, so one look right after
 * the failure can miss the component that caused it.
 */
export async function faultAfterFailure(faults: () => Promise<ComponentFault[]>, opts: { settleMs?: number; clock?: Clock } = {}): Promise<AbortCause | undefined> {
  try {
    return await waitFor("a dead cluster component", async () => faultCause(await faults().catch(() => [])), {
      timeoutMs: opts.settleMs ?? 2000,
      intervalMs: 100,
      ...(opts.clock ? { clock: opts.clock } : {}),
    });
  } catch (e) {
    if (e instanceof WaitTimeoutError) return undefined;
    throw e;
  }
}

export function watchRun(opts: WatchRunOptions): { stop: () => void } {
  let stopped = false;
  let busy = false;
  const tick = async () => {
    if (stopped || busy || opts.abort.cause) return;
    busy = true;
    try {
      const k6 = opts.k6Exited();
      if (k6) {
        opts.abort.abort({ kind: "k6-exit", message: `k6 exited while the run was going on (${k6})`, at: Date.now() });
        return;
      }
      const cause = faultCause(opts.faults ? await opts.faults().catch(() => []) : []);
      if (!stopped && cause) opts.abort.abort(cause);
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void tick(), opts.intervalMs ?? 500);
  timer.unref();
  return {
    stop: () => {
      stopped = true;
      clearInterval(timer);
    },
  };
}
