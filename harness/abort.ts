// A run's abort scope. A signal (Ctrl-C), an infrastructure fault (a cluster
// component died) or an unexpected k6 exit aborts the run; every wait inside
// the scope (waitFor) then fails at its next round instead of running to its
// timeout, so the pipeline reaches its verdict and cleanup within a second.
//
// The scope is bound to the async context of the pipeline's main body
// (AsyncLocalStorage): cleanups run outside it, so their own waits (namespace
// deletion, cluster teardown) are never cut short by the abort.
import { AsyncLocalStorage } from "node:async_hooks";

export type AbortCause =
  | { kind: "signal"; signal: "SIGINT" | "SIGTERM"; at: number }
  | { kind: "fault"; component: string; message: string; at: number }
  | { kind: "k6-exit"; message: string; at: number };

export class RunAbortedError extends Error {
  constructor(readonly abortCause: AbortCause) {
    super(describeCause(abortCause));
    this.name = "RunAbortedError";
  }
}

export function describeCause(c: AbortCause): string {
  switch (c.kind) {
    case "signal":
      return `interrupted by ${c.signal}`;
    case "fault":
      return `infrastructure fault: ${c.message}`;
    case "k6-exit":
      return `load generator failed: ${c.message}`;
  }
}

export class RunAbort {
  #cause: AbortCause | undefined;
  readonly #listeners: ((c: AbortCause) => void)[] = [];

  /** The first cause wins; later ones are ignored (the first is what went wrong). */
  abort(cause: AbortCause): void {
    if (this.#cause) return;
    this.#cause = cause;
    for (const l of this.#listeners.splice(0)) l(cause);
  }

  get cause(): AbortCause | undefined {
    return this.#cause;
  }

  /** Throws RunAbortedError once aborted. */
  throwIfAborted(): void {
    if (this.#cause) throw new RunAbortedError(this.#cause);
  }

  /** A promise that rejects with RunAbortedError when the run is aborted (never resolves). */
  get aborted(): Promise<never> {
    const p = new Promise<never>((_, reject) => {
      if (this.#cause) reject(new RunAbortedError(this.#cause));
      else this.#listeners.push((c) => reject(new RunAbortedError(c)));
    });
    p.catch(() => {});
    return p;
  }
}

const scope = new AsyncLocalStorage<RunAbort>();

/** Runs `fn` with `abort` as the ambient abort of every wait inside it. */
export function withAbortScope<T>(abort: RunAbort, fn: () => Promise<T>): Promise<T> {
  return scope.run(abort, fn);
}

/** The abort of the enclosing run, if any. */
export function currentAbort(): RunAbort | undefined {
  return scope.getStore();
}
