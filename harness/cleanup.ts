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

/**
 * Runs `main` with cleanup on every exit path. On SIGINT/SIGTERM the cleanup
 * runs and the process exits 130/143; a second signal exits at once.
 */
export async function withCleanup<T>(main: (cleanup: Cleanup) => Promise<T>, opts: { keep?: boolean } = {}): Promise<T> {
  const cleanup = new Cleanup();
  let signalled = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (signalled) process.exit(sig === "SIGINT" ? 130 : 143);
    signalled = true;
    log.warn(`${sig}: cleaning up${opts.keep ? " (keep=true: the run's resources stay)" : ""} ... (again to exit at once)`);
    void cleanup.run({ keep: opts.keep ?? false }).finally(() => process.exit(sig === "SIGINT" ? 130 : 143));
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
