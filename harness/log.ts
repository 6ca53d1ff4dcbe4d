// Status lines in the style of kind: "• step ..." then "✓ step (1.2 s)" or
// "✗ step". Colours only on a TTY; everything goes to stderr so stdout stays
// machine-readable (e.g. `nodrop cluster kubeconfig`).
const tty = process.stderr.isTTY === true && !process.env["NO_COLOR"];
const c = (code: string, s: string) => (tty ? `\x1b[${code}m${s}\x1b[0m` : s);

export const log = {
  info: (msg: string) => process.stderr.write(`${msg}\n`),
  warn: (msg: string) => process.stderr.write(`${c("33", "!")} ${msg}\n`),
  error: (msg: string) => process.stderr.write(`${c("31", "✗")} ${msg}\n`),
  ok: (msg: string) => process.stderr.write(`${c("32", "✓")} ${msg}\n`),
  start: (msg: string) => process.stderr.write(`${c("36", "•")} ${msg} ...\n`),
};

export function secs(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Runs one named step with a status line before and after. */
export async function step<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  log.start(name);
  try {
    const v = await fn();
    log.ok(`${name} (${secs(Date.now() - t0)})`);
    return v;
  } catch (e) {
    log.error(`${name} (${secs(Date.now() - t0)})`);
    throw e;
  }
}
