// A daemon nodrop starts for itself (the local cluster's components, a kind
// engine's containerd and dockerd): detached from nodrop, so it outlives the
// command that started it, its output appended to its own log file; then
// waited on until it answers, failing at once if it died, with its log's tail.
import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { waitFor } from "../wait.ts";
import { isAlive, tail } from "./procs.ts";

/** Starts `argv` detached, stdout and stderr appended to `logFile`; returns its pid. */
export function spawnDetached(argv: readonly string[], logFile: string, env: NodeJS.ProcessEnv): number {
  const fd = openSync(logFile, "a");
  const [file, ...args] = argv;
  const child = spawn(file!, args, { detached: true, stdio: ["ignore", fd, fd], env });
  closeSync(fd);
  child.unref();
  if (!child.pid) throw new Error(`could not start ${argv.join(" ")}`);
  return child.pid;
}

export interface DaemonWait {
  /** The daemon's pid: the wait fails at once once it is gone. */
  pid: number;
  /** Its name in the failure ("containerd exited"). */
  name: string;
  logFile: string;
  timeoutMs: number;
  intervalMs?: number;
}

/** Waits until `answers()`; fails at once when the daemon exited, with the last 25 lines of its log either way. */
export async function waitDaemon(what: string, answers: () => Promise<boolean>, d: DaemonWait): Promise<void> {
  await waitFor(what, answers, {
    timeoutMs: d.timeoutMs,
    intervalMs: d.intervalMs ?? 200,
    fatal: () => (isAlive(d.pid) ? undefined : `${d.name} exited`),
    diagnose: () => `---- last lines of ${d.logFile} ----\n${tail(d.logFile, 25)}`,
  });
}
