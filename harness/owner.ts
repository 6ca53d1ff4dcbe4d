// Who owns a run's namespace: this machine, this process, and the process's
// start time (so a recycled pid is not mistaken for the owner). A namespace
// whose owner is gone was left by a run that was killed (kill -9, a lost
// machine session): the next run on this machine, or `nodrop cleanup`,
// deletes it. Namespaces kept on purpose (keep=true) are never reaped.
import { readFileSync } from "node:fs";
import { hostname } from "node:os";

export const ANNOTATION_OWNER = "nodrop.dev/owner";
export const ANNOTATION_KEEP = "nodrop.dev/keep";

export interface Owner {
  host: string;
  pid: number;
  /** Process start time in clock ticks since boot (/proc/<pid>/stat field 22), "" if unknown. */
  start: string;
}

export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name "(...)": state is field 3, starttime field 22.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return rest[19];
  } catch {
    return undefined;
  }
}

export function selfOwner(): Owner {
  return { host: hostname(), pid: process.pid, start: processStart(process.pid) ?? "" };
}

export function formatOwner(o: Owner): string {
  return `${o.host}/${o.pid}/${o.start}`;
}

export function parseOwner(s: string | undefined): Owner | undefined {
  if (!s) return undefined;
  const m = /^(.+)\/(\d+)\/(\d*)$/.exec(s);
  return m ? { host: m[1]!, pid: Number(m[2]), start: m[3]! } : undefined;
}

/**
 * True when the owner is a process on this machine that no longer runs.
 * Owners on other machines are never judged (we cannot see their processes).
 */
export function ownerIsGone(o: Owner, here = hostname(), startOf: (pid: number) => string | undefined = processStart): boolean {
  if (o.host !== here) return false;
  const start = startOf(o.pid);
  return start === undefined || (o.start !== "" && start !== o.start);
}
