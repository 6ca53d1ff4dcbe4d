// A started k6: spawns `k6 run` on a bundled scenario, tails samples.ndjson
// LIVE (the canary analysis reads it while the deploy runs), and stops k6
// through its REST API on 127.0.0.1.
//
// Facts measured with k6 v1.8.1 (see also go.k6.io/k6 errext/exitcodes):
// - `--console-output <file>` opens the file with O_APPEND (it is never
//   truncated), so startK6 empties it first. With `--log-format raw` each
//   console.log() becomes exactly its text plus "\n", written with one write().
// - Stop through the REST API (`PATCH /v1/status {"stopped":true}`): k6 exits
//   within milliseconds with code 103 (ScriptStoppedFromRESTAPI) and prints
//   "test run stopped from REST API". gracefulStop does NOT apply: requests in
//   flight are cancelled; those that still get logged have s=0, e=1000 and end
//   at about stopRequestedAt (see K6StopResult.stopRequestedAt).
// - SIGINT: exit code 105 (ExternalAbort), "test run was aborted because k6
//   received a 'interrupt' signal"; in-flight requests are cancelled too.
// - The duration cap reached: exit code 0.
// - A throw in the init context (e.g. a TARGET that is not 127.0.0.1): 107
//   (ScriptException), the message and .ts stack (source map) on stderr.
// - The REST API address already in use: 106 (CannotStartRESTAPI).
// - Pausing (`{"paused":true}`) is refused for constant-arrival-rate after the
//   start ("doesn't support pause and resume operations"), so there is no way
//   to let in-flight requests drain before a stop.
// - The REST API answers about 1 s after the start (connection refused before).
// - dropped_iterations (see k6-metrics.ts for the formats): `GET
//   /v1/metrics/dropped_iterations` is 404 "No metric with that ID was found"
//   until the first drop, then 200 with the cumulative count. A slow server
//   (500 ms per answer) at rate 200/s with maxVUs 5: ~180 drops/s.
// - `--summary-export` (k6-summary.json) IS written after a REST stop (103),
//   after SIGINT (105) and at the duration cap (0), with
//   metrics.dropped_iterations.count when iterations were dropped; without
//   drops the key is absent (so absent = 0, not unknown). No file after
//   SIGKILL: startK6 deletes an old one first, so a missing file means unknown.
// - k6 must never outlive the harness: it is started as
//   `setpriv --pdeathsig INT -- k6 run …` (util-linux 2.38). setpriv sets the
//   parent-death signal and execs k6 (same pid, so child.pid is k6's pid).
//   When the harness dies, even by SIGKILL, the kernel sends k6 SIGINT. It
//   does so more than once (measured with strace: 2+ SIGINTs, one per
//   reparenting while the harness's threads exit), and k6 takes a second
//   SIGINT as a hard abort: it is gone within ~50 ms (exit 105, or killed by
//   SIGINT if its handler was already removed), with no k6-summary.json and
//   nothing more in k6.log. Nobody is left to read them anyway. The
//   process.once("exit") kill below stays for the ordinary exits.
import { spawn as nodeSpawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { accessSync, closeSync, constants, openSync } from "node:fs";
import { mkdir, open, rm, writeFile, type FileHandle } from "node:fs/promises";
import { createServer } from "node:net";
import { delimiter, join, resolve } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { requireTool } from "../tools.ts";
import { droppedFromSummary, DroppedIterationsPoller, type DroppedIterations } from "./k6-metrics.ts";
import { parseSampleLine } from "../verdict/samples.ts";
import { addSample, copyCounts, emptyCounts, SampleFeed, type SampleCounts } from "./sample-feed.ts";
import type { Sample } from "../verdict/types.ts";
import { waitFor } from "../wait.ts";
import { LOAD_SOURCE_RANGE } from "./sources.ts";

export { SampleFeed, type SampleCounts } from "./sample-feed.ts";

/** k6 exit codes (go.k6.io/k6/errext/exitcodes); the ones marked "measured" were checked against k6 v1.8.1. */
export const K6_EXIT = {
  OK: 0, // measured: duration cap reached
  THRESHOLDS_FAILED: 99,
  STOPPED_FROM_REST_API: 103, // measured
  INVALID_CONFIG: 104,
  EXTERNAL_ABORT: 105, // measured: SIGINT
  CANNOT_START_REST_API: 106, // measured: --address in use
  SCRIPT_EXCEPTION: 107, // measured: throw in the init context
  SCRIPT_ABORTED: 108,
} as const;

export interface K6Files {
  samples: string;
  summary: string;
  log: string;
}

/** The subset of child_process.spawn that startK6 uses; unit tests may inject a fake. */
export type ProcessRunner = (file: string, args: readonly string[], opts: SpawnOptions) => ChildProcess;

export interface StartK6Options {
  /** The bundled scenario (see bundleScenario). */
  script: string;
  /** Gets samples.ndjson, k6-summary.json and k6.log. Created if missing. */
  runDir: string;
  /** Passed as `-e KEY=VALUE` (the scenario's __ENV; see scenarios/lib/params.ts scenarioEnv()). */
  env: Record<string, string>;
  /** Port of k6's REST API on 127.0.0.1. Default: a free port (retried if taken meanwhile). */
  restPort?: number;
  k6Path: string;
  /** Called for every sample as it is read, before it is counted: may fill in its version (verdict/attribution.ts). */
  attribute?: (s: Sample) => void;
  /** Called for every sample as it is read, before the 'sample' event. */
  onSample?: (s: Sample) => void;
  /** How long k6 may take to report running. Default 60 s. */
  readyTimeoutMs?: number;
  /** How often samples.ndjson is polled for new lines. Default 50 ms. */
  tailIntervalMs?: number;
  /** How often dropped_iterations is read through the REST API. Default 1000 ms. */
  droppedIntervalMs?: number;
  /** Gets the whole command line: setpriv (parent-death signal), then k6 and its arguments. */
  spawn?: ProcessRunner;
}

export interface K6Exit {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** What ended early, in words, when the load is several processes (load=operator: which runner). */
  detail?: string;
}

export interface K6StopResult extends K6Exit {
  /** True when the harness asked k6 to stop before it exited by itself. */
  stoppedByUs: boolean;
  /** Epoch ms of the stop request (null if k6 had already exited). Requests in flight then were cancelled. */
  stopRequestedAt: number | null;
  /** What ended k6: the REST API, SIGINT, SIGKILL, or nothing ("none": it had exited by itself). */
  via: "rest" | "sigint" | "sigkill" | "none";
  /** Exit 0, or 103/105 after a stop we asked for: a normal end, not a k6 failure. */
  clean: boolean;
  /** Why the end was not clean, when there is more to say than an exit code (load=operator: the runner). */
  problem?: string;
}

export interface StopOptions {
  /** How long to wait for the exit after the REST stop, and again after SIGINT. Default 10 s. */
  timeoutMs?: number;
}

export interface K6Run extends AsyncDisposable {
  readonly pid: number;
  readonly restPort: number;
  readonly files: K6Files;
  /** Epoch ms when k6's REST API first reported running. */
  readonly startedAt: number;
  /**
   * Every sample from the first line on, for listeners attached synchronously
   * after `await startK6()` (the first read of the file happens on a timer).
   */
  readonly samples: SampleFeed;
  /** Running totals of the samples read so far (a copy). */
  counts(): SampleCounts;
  /** Asks k6 to stop (REST API, then SIGINT, then SIGKILL); resolves after the exit and the last samples. Idempotent. */
  stop(opts?: StopOptions): Promise<K6StopResult>;
  /** Resolves when k6 has exited and samples.ndjson has been read to its end ('end' was emitted). */
  readonly exited: Promise<K6Exit>;
  /** k6's REST status, or undefined if it does not answer. */
  restStatus(): Promise<K6RestStatus | undefined>;
  /**
   * k6's dropped_iterations (planned requests never sent for want of a free
   * VU): `series` is read live about once a second through the REST API (a
   * point only when k6 answered; count 0 when k6 reports no drops yet);
   * `total` is k6's final count from k6-summary.json, known once `exited`
   * resolved, and null before that or when k6 wrote no summary (SIGKILL, crash).
   */
  dropped(): DroppedIterations;
}

export interface K6RestStatus {
  status: number;
  paused: boolean;
  vus: number;
  "vus-max": number;
  stopped: boolean;
  running: boolean;
  tainted: boolean;
}

export class K6StartError extends Error {
  constructor(
    message: string,
    readonly exit: K6Exit | null,
    readonly logTail: string,
  ) {
    super(`${message}${logTail ? `\n--- tail of k6.log ---\n${logTail}` : ""}`);
    this.name = "K6StartError";
  }
}

/** A free TCP port on 127.0.0.1 (free when asked; k6 may still lose a race, which startK6 retries). */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => (port ? resolvePort(port) : reject(new Error("could not get a free port"))));
    });
  });
}

/** The last `lines` lines of a text file ("" if it cannot be read). */
export async function fileTail(file: string, lines = 30, maxBytes = 16_384): Promise<string> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(file, "r");
    const { size } = await fh.stat();
    const len = Math.min(size, maxBytes);
    const buf = Buffer.alloc(len);
    await fh.read(buf, 0, len, size - len);
    return buf.toString("utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  } finally {
    await fh?.close();
  }
}

const STOP_BODY = JSON.stringify({ data: { type: "status", id: "default", attributes: { stopped: true } } });

async function rest(port: number, method: "GET" | "PATCH", body?: string): Promise<K6RestStatus> {
  const res = await fetch(`http://127.0.0.1:${port}/v1/status`, {
    method,
    ...(body ? { body, headers: { "Content-Type": "application/json" } } : {}),
    signal: AbortSignal.timeout(2000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`k6 REST API ${method} /v1/status: HTTP ${res.status}: ${text.slice(0, 300)}`);
  const doc = JSON.parse(text) as { data?: { attributes?: K6RestStatus } };
  const a = doc.data?.attributes;
  if (!a) throw new Error(`k6 REST API ${method} /v1/status: unexpected answer ${text.slice(0, 300)}`);
  return a;
}

/** Reads complete lines appended to a file, from offset 0, by polling. */
class LineTail {
  #fh: FileHandle | undefined;
  #pos = 0;
  #rest = "";
  #decoder = new StringDecoder("utf8");
  #buf = Buffer.alloc(64 * 1024);
  #timer: NodeJS.Timeout | undefined;
  #reading: Promise<void> = Promise.resolve();
  #closed = false;
  /** The last read error, if any (reading goes on at the next poll). */
  readError: Error | undefined;

  constructor(
    readonly file: string,
    private readonly onLine: (line: string) => void,
    private readonly intervalMs: number,
  ) {}

  async start(): Promise<void> {
    this.#fh = await open(this.file, "r");
    const tick = () => {
      this.#timer = undefined;
      this.#reading = this.#reading
        .then(() => this.#readAvailable())
        .catch((e: unknown) => {
          this.readError = e as Error;
        })
        .finally(() => {
          if (!this.#closed) this.#timer = setTimeout(tick, this.intervalMs);
        });
    };
    this.#timer = setTimeout(tick, this.intervalMs);
  }

  async #readAvailable(): Promise<void> {
    const fh = this.#fh;
    if (!fh) return;
    for (;;) {
      const { bytesRead } = await fh.read(this.#buf, 0, this.#buf.length, this.#pos);
      if (bytesRead === 0) return;
      this.#pos += bytesRead;
      const text = this.#rest + this.#decoder.write(this.#buf.subarray(0, bytesRead));
      const parts = text.split("\n");
      // Only complete lines: the last part has no "\n" yet (k6 may be mid-write).
      this.#rest = parts.pop() ?? "";
      for (const line of parts) this.onLine(line);
    }
  }

  /** Reads to the end of the file (if started), stops polling; returns an incomplete last line ("" if none). */
  async close(): Promise<string> {
    if (this.#closed) return "";
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#reading;
    try {
      await this.#readAvailable();
    } catch (e) {
      this.readError = e as Error;
    }
    await this.#fh?.close().catch(() => undefined);
    this.#fh = undefined;
    const rest = this.#rest + this.#decoder.end();
    this.#rest = "";
    return rest;
  }
}

function minimalEnv(): Record<string, string> {
  // k6 gets a clean environment: no inherited K6_* settings (outputs, cloud
  // tokens), no proxies. __ENV comes only from the -e flags
  // (--include-system-env-vars=false).
  const env: Record<string, string> = { K6_NO_USAGE_REPORT: "true" };
  for (const k of ["PATH", "HOME", "TMPDIR", "TZ", "LANG"]) {
    const v = process.env[k];
    if (v) env[k] = v;
  }
  return env;
}

const defaultSpawn: ProcessRunner = (file, args, opts) => nodeSpawn(file, args, opts);

/** The signal k6 gets when the process that started it dies: SIGINT, k6's Ctrl-C (delivered 2+ times, so k6 aborts at once: see the header). */
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

/**
 * Starts `k6 run` and resolves once k6's REST API reports the test running.
 * On failure (k6 exits early, or is not running within readyTimeoutMs) k6 is
 * killed and a K6StartError with the tail of k6.log is thrown.
 */
export async function startK6(opts: StartK6Options): Promise<K6Run> {
  requireTool(opts.k6Path, "k6");
  const runDir = resolve(opts.runDir);
  await mkdir(runDir, { recursive: true });
  const files: K6Files = {
    samples: join(runDir, "samples.ndjson"),
    summary: join(runDir, "k6-summary.json"),
    log: join(runDir, "k6.log"),
  };
  const attempts = opts.restPort === undefined ? 3 : 1;
  for (let attempt = 1; ; attempt++) {
    const port = opts.restPort ?? (await freePort());
    try {
      return await startOnce(opts, files, port);
    } catch (e) {
      const lostPortRace = e instanceof K6StartError && e.exit?.exitCode === K6_EXIT.CANNOT_START_REST_API;
      if (!lostPortRace || attempt >= attempts) throw e;
    }
  }
}

async function startOnce(opts: StartK6Options, files: K6Files, port: number): Promise<K6Run> {
  // k6 appends to --console-output: start from an empty file. An old summary
  // must not pass for this run's (a k6 killed with SIGKILL writes none).
  await writeFile(files.samples, "");
  await rm(files.summary, { force: true });
  const args = [
    "run",
    "--no-usage-report",
    // One loopback source address per VU (see sources.ts for why).
    "--local-ips",
    LOAD_SOURCE_RANGE,
    "--address",
    `127.0.0.1:${port}`,
    "--log-format",
    "raw",
    "--console-output",
    files.samples,
    "--summary-export",
    files.summary,
    // No progress bar in k6.log; the end-of-test summary is still printed.
    "--quiet",
    "--no-color",
    "--include-system-env-vars=false",
    ...Object.entries(opts.env).flatMap(([k, v]) => ["-e", `${k}=${v}`]),
    resolve(opts.script),
  ];
  const [file, argv] = withParentDeathSignal(resolve(opts.k6Path), args);
  const logFd = openSync(files.log, "w");
  let child: ChildProcess;
  try {
    child = (opts.spawn ?? defaultSpawn)(file, argv, {
      cwd: resolve(opts.runDir),
      env: minimalEnv(),
      stdio: ["ignore", logFd, logFd],
    });
  } finally {
    closeSync(logFd); // the child has its own copy
  }

  const feed = new SampleFeed();
  const counts = emptyCounts();
  const droppedPoller = new DroppedIterationsPoller(port, opts.droppedIntervalMs !== undefined ? { intervalMs: opts.droppedIntervalMs } : {});
  let droppedTotal: number | null = null;
  const tail = new LineTail(
    files.samples,
    (line) => {
      if (line.trim() === "") return;
      const s = parseSampleLine(line);
      if (!s) {
        counts.malformedLines++;
        feed.emit("malformed", line);
        return;
      }
      opts.attribute?.(s);
      addSample(counts, s);
      opts.onSample?.(s);
      feed.emit("sample", s);
    },
    opts.tailIntervalMs ?? 50,
  );

  let exit: K6Exit | null = null;
  let spawnError: Error | null = null;
  // If the harness process goes away, k6 must not keep sending load until
  // its duration cap: kill it on the way out.
  const killOnExit = () => {
    if (exit === null) child.kill("SIGKILL");
  };
  process.once("exit", killOnExit);
  const processExited = new Promise<K6Exit>((res) => {
    child.on("error", (e) => {
      // Also emitted when a signal cannot be sent; only a failed spawn (no pid) ends the run.
      if (child.pid !== undefined || exit !== null) return;
      spawnError = e;
      exit = { exitCode: null, signal: null };
      process.off("exit", killOnExit);
      res(exit);
    });
    child.once("exit", (code, signal) => {
      exit = { exitCode: code, signal };
      process.off("exit", killOnExit);
      res(exit);
    });
  });
  // Set once tailing started (or will never start): the final read must come after.
  let tailSettled!: () => void;
  const tailReady = new Promise<void>((r) => (tailSettled = r));
  const exited = processExited.then(async (x) => {
    await tailReady;
    const partial = (await tail.close()).trim();
    if (partial !== "") {
      // A last line without "\n": only possible if k6 died mid-write.
      counts.malformedLines++;
      feed.emit("malformed", partial);
    }
    await droppedPoller.stop();
    // k6 writes the summary before it exits (measured: exit 0, 103, 105).
    droppedTotal = await droppedFromSummary(files.summary);
    feed._end();
    return x;
  });

  const kill = (sig: NodeJS.Signals) => {
    if (exit === null) child.kill(sig);
  };
  const waitExit = (ms: number) =>
    Promise.race([exited.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), ms).unref())]);

  let startedAt = 0;
  try {
    await waitFor(
      "k6 to report the test running",
      async () => {
        const st = await rest(port, "GET");
        return st.running ? st : false;
      },
      {
        timeoutMs: opts.readyTimeoutMs ?? 60_000,
        intervalMs: 100,
        fatal: () => {
          if (spawnError) return `k6 could not be started: ${(spawnError as Error).message}`;
          if (exit) return `k6 exited before running (exit code ${exit.exitCode ?? "none"}${exit.signal ? `, signal ${exit.signal}` : ""})`;
          return undefined;
        },
      },
    );
    startedAt = Date.now();
    // Tailing starts now, and its first read comes on a timer: listeners that
    // the caller attaches right after `await startK6()` see every sample from
    // the first line on.
    await tail.start();
    tailSettled();
    droppedPoller.start();
  } catch (e) {
    tailSettled();
    kill("SIGINT");
    if (!(await waitExit(5000))) kill("SIGKILL");
    await exited;
    throw new K6StartError((e as Error).message, exit, await fileTail(files.log));
  }

  let stopping: Promise<K6StopResult> | undefined;
  const stop = (stopOpts: StopOptions = {}): Promise<K6StopResult> => {
    stopping ??= (async (): Promise<K6StopResult> => {
      const timeoutMs = stopOpts.timeoutMs ?? 10_000;
      if (exit !== null) {
        const x = await exited;
        return { ...x, stoppedByUs: false, stopRequestedAt: null, via: "none", clean: x.exitCode === K6_EXIT.OK };
      }
      const stopRequestedAt = Date.now();
      let via: K6StopResult["via"] = "rest";
      try {
        await rest(port, "PATCH", STOP_BODY);
      } catch {
        // Not answering (or just exiting): the signals below take over.
      }
      if (!(await waitExit(timeoutMs))) {
        via = "sigint";
        kill("SIGINT");
        if (!(await waitExit(timeoutMs))) {
          via = "sigkill";
          kill("SIGKILL");
        }
      }
      const x = await exited;
      const clean =
        x.exitCode === K6_EXIT.OK ||
        ((x.exitCode === K6_EXIT.STOPPED_FROM_REST_API || x.exitCode === K6_EXIT.EXTERNAL_ABORT) && via !== "sigkill");
      return { ...x, stoppedByUs: true, stopRequestedAt, via, clean };
    })();
    return stopping;
  };

  return {
    pid: child.pid ?? -1,
    restPort: port,
    files,
    startedAt,
    samples: feed,
    counts: () => copyCounts(counts),
    stop,
    exited,
    restStatus: () => rest(port, "GET").catch(() => undefined),
    dropped: () => ({ series: droppedPoller.series(), total: droppedTotal }),
    [Symbol.asyncDispose]: async () => {
      await stop();
    },
  };
}
