// Starting a child under `setpriv --pdeathsig` (util-linux), so that it dies
// with the harness, even when the harness is killed with SIGKILL: k6 (k6.ts's
// header says what k6 does with the signal), and the conntrack watch
// (observe/connections.ts).
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/** The signal k6 gets when the process that started it dies: SIGINT, k6's Ctrl-C (delivered 2+ times, so k6 aborts at once: see k6.ts's header). */
export const K6_PARENT_DEATH_SIGNAL = "INT";

/** setpriv (util-linux) from PATH, else /usr/bin or /bin; throws if there is none. */
export function findSetpriv(path = process.env["PATH"] ?? ""): string {
  const dirs = [...path.split(delimiter).filter((d) => d !== ""), "/usr/bin", "/bin"];
  for (const dir of dirs) {
    const candidate = join(dir, "setpriv");
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  throw new Error(
    "setpriv not found (PATH, /usr/bin, /bin): nodrop starts k6 through `setpriv --pdeathsig INT` so that k6 stops when the harness dies; install util-linux",
  );
}

/**
 * The command line that runs `file args` with a parent-death signal:
 * `setpriv --pdeathsig INT -- file args…`. setpriv execs the program, so the
 * spawned pid is the program's pid.
 */
export function withParentDeathSignal(file: string, args: readonly string[], setpriv = findSetpriv()): [string, string[]] {
  return [setpriv, ["--pdeathsig", K6_PARENT_DEATH_SIGNAL, "--", file, ...args]];
}
