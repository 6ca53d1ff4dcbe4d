// Work a finished run hands off instead of waiting for it: its namespace's
// deletion (the pods' shutdown, ~2–7 s measured on the local cluster). The
// next run in the same process (an experiment's, a nightly suite's, the
// demo's variant B) goes on with its image, deploy and bundle meanwhile, and
// waits for it before its load starts, so that no run measures a node still
// busy tearing down the one before; the command waits for it before it exits,
// and a cluster is only torn down after it. A failure is reported loudly when
// it happens, as a cleanup's is.
import { log } from "./log.ts";

const pending = new Map<Promise<void>, string>();

/** Starts `fn` without waiting for it. */
export function inBackground(name: string, fn: () => Promise<void>): void {
  const p: Promise<void> = fn()
    .catch((e: Error) => void log.error(`cleanup '${name}' failed: ${e.message}`))
    .finally(() => pending.delete(p));
  pending.set(p, name);
}

/** What is still running in the background, by name. */
export function backgroundWork(): string[] {
  return [...pending.values()];
}

/** Waits until nothing runs in the background (work started meanwhile too). */
export async function settleBackground(): Promise<void> {
  while (pending.size) await Promise.all(pending.keys());
}
