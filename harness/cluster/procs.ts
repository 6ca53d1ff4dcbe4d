// Host processes: is one alive, stop one politely then firmly, find some by
// command line, read a log's tail, list mounts below a folder. Shared by the providers that start daemons.
import { readFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { waitFor } from "../wait.ts";

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie still answers kill(0); it is dead for our purposes.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) Z /.test(stat);
  } catch {
    return false;
  }
}

export async function stopProcess(pid: number, graceMs: number): Promise<void> {
  if (!isAlive(pid)) return;
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return;
  }
  try {
    await waitFor(`pid ${pid} to exit`, () => !isAlive(pid), { timeoutMs: graceMs, intervalMs: 100 });
  } catch {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* gone */
    }
    await waitFor(`pid ${pid} to exit after SIGKILL`, () => !isAlive(pid), { timeoutMs: 5_000, intervalMs: 100 }).catch(() => {});
  }
}

/** Processes whose command line matches. */
export async function findProcesses(match: (cmdline: string) => boolean): Promise<number[]> {
  const out: number[] = [];
  for (const e of await readdir("/proc")) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      const cmd = (await readFile(`/proc/${e}/cmdline`, "utf8")).replaceAll("\0", " ");
      if (cmd && match(cmd)) out.push(Number(e));
    } catch {
      /* exited */
    }
  }
  return out;
}

export function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/** Mount points at or below any of `prefixes`, deepest first. */
export function mountsUnder(prefixes: string[]): string[] {
  let text = "";
  try {
    text = readFileSync("/proc/self/mountinfo", "utf8");
  } catch {
    return [];
  }
  const points = text
    .split("\n")
    .map((l) => l.split(" ")[4])
    .filter((m): m is string => !!m)
    .map((m) => m.replace(/\\040/g, " "))
    .filter((m) => prefixes.some((p) => m === p || m.startsWith(p + "/")));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}
