// The connections k6 opens to the NodePort, and the pod kube-proxy sent each
// one to, from the kernel's connection tracking: `conntrack -E` (Debian's
// conntrack-tools, read-only: it listens to netlink events and changes
// nothing) prints one line per NEW connection with its original tuple
// (k6's source address and port → the NodePort) and its reply tuple (the
// pod's address → the node). Each becomes a line of conntrack.ndjson and a
// TrackedConnection for verdict/attribution.ts.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import type { TrackedConnection } from "../verdict/attribution.ts";

/**
 * One event line → a connection, or null. The line (conntrack v1.4.7, `-o timestamp`):
 * `[1733560000.123456]\t    [NEW] tcp      6 120 SYN_SENT src=127.1.0.5 dst=127.0.0.1 sport=40312 dport=30080 [UNREPLIED] src=10.88.0.7 dst=10.88.0.1 sport=8080 dport=40312`
 */
export function parseConntrackEvent(line: string, sourcePrefix = "127.1."): TrackedConnection | null {
  const ts = /^\s*\[(\d+)\.(\d+)\]/.exec(line);
  if (!ts || !/\[NEW\]/.test(line)) return null;
  const srcs = [...line.matchAll(/\bsrc=(\S+)/g)].map((m) => m[1]!);
  const sport = /\bsport=(\d+)/.exec(line);
  if (srcs.length < 2 || !sport) return null;
  const [src, podIp] = srcs as [string, string];
  if (!src.startsWith(sourcePrefix)) return null;
  const t = Number(ts[1]) * 1000 + Number(`0.${ts[2]}`) * 1000;
  return { t: Math.round(t * 1000) / 1000, src, sport: Number(sport[1]), podIp };
}

/** The argv that prints NEW TCP connections to `port` (the destination k6 dials), with timestamps. */
export function conntrackArgv(port: number, conntrack = "conntrack"): string[] {
  return [conntrack, "-E", "-e", "NEW", "-p", "tcp", "--orig-port-dst", String(port), "-o", "timestamp"];
}

export interface ConntrackWatch {
  /** Every connection seen so far, in order. */
  readonly connections: TrackedConnection[];
  /** Called for each connection as it is seen (after it is in `connections`). */
  onConnection?: (c: TrackedConnection) => void;
  /** The process's exit or spawn error, in words, once it ended unasked. */
  readonly problem: string | undefined;
  stop(): Promise<void>;
}

/**
 * Starts `argv` (conntrackArgv, possibly wrapped to enter a node's network
 * namespace) and records its connections in `file` until stop().
 */
export function watchConntrack(argv: readonly string[], file: string): ConntrackWatch {
  const out: WriteStream = createWriteStream(file, { flags: "a" });
  const child: ChildProcess = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
  let problem: string | undefined;
  let stopping = false;
  let stderr = "";
  let stopped: Promise<void> | undefined;
  const watch: ConntrackWatch = {
    connections: [],
    get problem() {
      return problem;
    },
    // Idempotent: the run stops it before judging, the cleanup again.
    stop: () =>
      (stopped ??= (async () => {
        stopping = true;
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
        await exited;
        await new Promise<void>((r) => out.end(() => r()));
      })()),
  };
  const exited = new Promise<void>((r) => {
    child.once("error", (e) => {
      problem = `${argv[0]}: ${e.message}`;
      r();
    });
    child.once("close", (code, signal) => {
      if (!stopping) problem = `${argv.join(" ")} ended (exit ${code ?? "none"}, signal ${signal ?? "none"}): ${stderr.trim().split("\n").slice(-3).join(" | ")}`;
      r();
    });
  });
  child.stderr!.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  createInterface({ input: child.stdout! }).on("line", (line) => {
    const c = parseConntrackEvent(line);
    if (!c) return;
    watch.connections.push(c);
    out.write(`${JSON.stringify(c)}\n`);
    watch.onConnection?.(c);
  });
  return watch;
}

/** conntrack.ndjson of a finished run (none: an empty list). */
export async function readConnections(file: string): Promise<TrackedConnection[]> {
  const text = await readFile(file, "utf8").catch(() => "");
  const out: TrackedConnection[] = [];
  for (const line of text.split("\n")) {
    if (!line) continue;
    try {
      const c = JSON.parse(line) as TrackedConnection;
      if (typeof c.t === "number" && typeof c.src === "string" && typeof c.podIp === "string") out.push(c);
    } catch {
      // a line cut by a crash: skipped
    }
  }
  return out;
}
