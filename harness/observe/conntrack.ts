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
import { TwoHopJoin, type ConntrackTuples } from "./conntrack-join.ts";

/**
 * One event line → its tuples, or null (not a NEW TCP event). The line (conntrack v1.4.7, `-o timestamp`):
 * `[1733560000.123456]\t    [NEW] tcp      6 120 SYN_SENT src=127.1.0.5 dst=127.0.0.1 sport=40312 dport=30080 [UNREPLIED] src=10.88.0.7 dst=10.88.0.1 sport=8080 dport=40312`
 */
export function parseConntrackTuples(line: string): ConntrackTuples | null {
  const ts = /^\s*\[(\d+)\.(\d+)\]/.exec(line);
  if (!ts || !/\[NEW\]/.test(line)) return null;
  const tuples = [...line.matchAll(/\bsrc=(\S+) dst=(\S+) sport=(\d+) dport=(\d+)/g)].map((m) => ({ src: m[1]!, dst: m[2]!, sport: Number(m[3]), dport: Number(m[4]) }));
  if (tuples.length < 2) return null;
  const t = Number(ts[1]) * 1000 + Number(`0.${ts[2]}`) * 1000;
  return { t: Math.round(t * 1000) / 1000, orig: tuples[0]!, reply: tuples[1]! };
}

/** One event line of the namespace where kube-proxy's DNAT happens → a connection from k6's addresses (`sourcePrefix`), or null. */
export function parseConntrackEvent(line: string, sourcePrefix = "127.1."): TrackedConnection | null {
  const e = parseConntrackTuples(line);
  if (!e || !e.orig.src.startsWith(sourcePrefix)) return null;
  return { t: e.t, src: e.orig.src, sport: e.orig.sport, podIp: e.reply.src };
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

/** A line-reading child process: its problem once it ended unasked, and stop(). */
function spawnLines(argv: readonly string[], onLine: (line: string) => void): { problem: () => string | undefined; stop: () => Promise<void> } {
  const child: ChildProcess = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
  let problem: string | undefined;
  let stopping = false;
  let stderr = "";
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
  createInterface({ input: child.stdout! }).on("line", onLine);
  return {
    problem: () => problem,
    stop: async () => {
      stopping = true;
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/**
 * Records connections in `file` until stop(). One argv (conntrackArgv,
 * possibly wrapped): its events hold k6's address and the pod's. Two: the
 * events of this machine's namespace, then of the node's where kube-proxy
 * DNATs, joined by the port the node sees (conntrack-join.ts).
 */
export function watchConntrack(argvs: readonly (readonly string[])[], file: string): ConntrackWatch {
  if (argvs.length !== 1 && argvs.length !== 2) throw new Error(`watchConntrack: 1 or 2 commands, not ${argvs.length}`);
  const out: WriteStream = createWriteStream(file, { flags: "a" });
  let stopped: Promise<void> | undefined;
  const record = (c: TrackedConnection | null) => {
    if (!c) return;
    watch.connections.push(c);
    out.write(`${JSON.stringify(c)}\n`);
    watch.onConnection?.(c);
  };
  const join = new TwoHopJoin();
  const procs =
    argvs.length === 1
      ? [spawnLines(argvs[0]!, (line) => record(parseConntrackEvent(line)))]
      : [
          spawnLines(argvs[0]!, (line) => {
            const e = parseConntrackTuples(line);
            if (e) record(join.host(e));
          }),
          spawnLines(argvs[1]!, (line) => {
            const e = parseConntrackTuples(line);
            if (e) record(join.node(e));
          }),
        ];
  const watch: ConntrackWatch = {
    connections: [],
    get problem() {
      return procs.map((p) => p.problem()).find((p) => p !== undefined);
    },
    // Idempotent: the run stops it before judging, the cleanup again.
    stop: () =>
      (stopped ??= (async () => {
        await Promise.all(procs.map((p) => p.stop()));
        await new Promise<void>((r) => out.end(() => r()));
      })()),
  };
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
