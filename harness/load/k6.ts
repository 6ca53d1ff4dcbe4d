// A started k6: spawns `k6 run` on a bundled scenario, tails samples.ndjson
// LIVE (the canary analysis reads it while the deploy runs), and stops k6
// through its REST API on 127.0.0.1 (or, when k6 runs in a node's network
// namespace, on the node's address). Its parts: k6-types.ts (K6Run and the
// results), k6-command.ts (argv, env), k6-rest.ts, line-tail.ts, parent-death.ts.
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
import type { ChildProcess } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { requireTool } from "../tools.ts";
import { droppedFromSummary, DroppedIterationsPoller } from "./k6-metrics.ts";
import { parseSampleLine } from "../verdict/samples.ts";
import { addSample, copyCounts, emptyCounts, SampleFeed } from "./sample-feed.ts";
import { waitFor } from "../wait.ts";
import { defaultSpawn, k6CommandLine, k6RunArgs, minimalEnv, restHostOf } from "./k6-command.ts";
import { freePort, rest, STOP_BODY } from "./k6-rest.ts";
import { K6_EXIT, type K6Exit, type K6Files, type K6Run, type K6StopResult, type StartK6Options, type StopOptions } from "./k6-types.ts";
import { fileTail, LineTail } from "./line-tail.ts";
import { withParentDeathSignal } from "./parent-death.ts";

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
  const host = restHostOf(opts);
  const [file, argv] = withParentDeathSignal(...k6CommandLine(opts, resolve(opts.k6Path), k6RunArgs(opts, files, port)));
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
  const droppedPoller = new DroppedIterationsPoller(port, { host, ...(opts.droppedIntervalMs !== undefined ? { intervalMs: opts.droppedIntervalMs } : {}) });
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
        const st = await rest(port, "GET", undefined, host);
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
        await rest(port, "PATCH", STOP_BODY, host);
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
    restHost: host,
    files,
    startedAt,
    samples: feed,
    counts: () => copyCounts(counts),
    stop,
    exited,
    restStatus: () => rest(port, "GET", undefined, host).catch(() => undefined),
    dropped: () => ({ series: droppedPoller.series(), total: droppedTotal }),
    [Symbol.asyncDispose]: async () => {
      await stop();
    },
  };
}
