// Cleanups registered the moment something is created, run in reverse order,
// once each, on success, failure and SIGINT/SIGTERM. Their own errors are
// reported loudly but never hide the original error.
import { log } from "./log.ts";

type Fn = () => Promise<void> | void;

export class Cleanup {
  private stack: { name: string; fn: Fn; always: boolean }[] = [];
  private running: Promise<void> | undefined;
  readonly errors: Error[] = [];

  /** `always`: runs even when the user asked to keep resources (e.g. stopping k6). */
  defer(name: string, fn: Fn, opts: { always?: boolean } = {}): void {
    this.stack.push({ name, fn, always: opts.always ?? false });
  }

  /** Runs the cleanups; with `keep`, only those marked `always`. */
  async run(opts: { keep?: boolean } = {}): Promise<void> {
    if (!this.running) this.running = this.runOnce(opts.keep ?? false);
    return this.running;
  }

  private async runOnce(keep: boolean): Promise<void> {
    while (this.stack.length) {
      const { name, fn, always } = this.stack.pop()!;
      if (keep && !always) {
        log.info(`keep=true: left in place: ${name}`);
        continue;
      }
      try {
        await fn();
      } catch (e) {
        this.errors.push(e as Error);
        log.error(`cleanup '${name}' failed: ${(e as Error).message}`);
      }
    }
  }
}

export interface WithCleanupOptions {
  keep?: boolean;
  /**
   * First SIGINT/SIGTERM: called instead of running the cleanup at once, so
   * that `main` can end its current step, record what it saw and return; the
   * cleanup then runs as on any other exit. Without it, the first signal runs
   * the cleanup and exits 130/143. A second signal always exits at once
   * (whatever is left is reaped by the next run or `nodrop cleanup`).
   */
  onSignal?: (sig: "SIGINT" | "SIGTERM") => void;
}

export const signalExitCode = (sig: "SIGINT" | "SIGTERM"): 130 | 143 => (sig === "SIGINT" ? 130 : 143);

/** Runs `main` with cleanup on every exit path (see WithCleanupOptions for signals). */
export async function withCleanup<T>(main: (cleanup: Cleanup) => Promise<T>, opts: WithCleanupOptions = {}): Promise<T> {
  const cleanup = new Cleanup();
  let signalled = false;
  const onSignal = (sig: NodeJS.Signals) => {
    const s = sig === "SIGTERM" ? "SIGTERM" : "SIGINT";
    if (signalled) {
      log.error(`${s} again: exiting now; run 'nodrop cleanup' to remove what is left`);
      process.exit(signalExitCode(s));
    }
    signalled = true;
    if (opts.onSignal) {
      log.warn(`${s}: stopping the run, recording what it saw, then cleaning up ... (again to exit at once)`);
      opts.onSignal(s);
      return;
    }
    log.warn(`${s}: cleaning up${opts.keep ? " (keep=true: the run's resources stay)" : ""} ... (again to exit at once)`);
    void cleanup.run({ keep: opts.keep ?? false }).finally(() => process.exit(signalExitCode(s)));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await main(cleanup);
  } finally {
    await cleanup.run({ keep: opts.keep ?? false });
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
