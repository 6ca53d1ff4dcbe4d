// The real k6 against a tiny local server: bundle → start → live samples →
// stop through the REST API. All traffic goes to 127.0.0.1, bounded in time
// (the scenario's own cap is 30 s; the test stops it after ~3 s of samples).
//
// Timeouts come from measurements on a 2-core machine with the other unit
// files running alongside (see TIMEOUTS); none relies on vitest's 5 s default.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleScenario } from "../../harness/load/bundle.ts";
import { K6StartError, startK6 } from "../../harness/load/k6.ts";
import { K6_EXIT, type K6Run } from "../../harness/load/k6-types.ts";
import { REPO_ROOT, toolPaths } from "../../harness/tools.ts";
import type { Sample } from "../../harness/verdict/types.ts";
import { scenarioEnv } from "../../scenarios/lib/params.ts";

const K6 = toolPaths().k6;
const haveK6 = existsSync(K6);
const K6_MISSING = `k6 binary missing at ${K6}: run \`make tools\``;
const inCI = !!process.env["CI"] && !/^(0|false)$/i.test(process.env["CI"]!);

/**
 * Per-test timeouts, ms: at least ~3× the slowest of 3 runs of this file next
 * to cli.test.ts on a 2-core machine (measured: stream 3.3 s, dropped slow
 * 0.7–1.2 s, dropped none 1.2–1.3 s, parent death 0.6–1.0 s, short run 1.1 s,
 * bad target 0.1 s, fakes 0.7/1.2 s, bundle ~1 s), and above the tests' own
 * deadlines (15 s for dropped points, 10 s for the orphaned k6) so that those
 * fail with their message rather than a bare timeout.
 */
const TIMEOUTS = { bundle: 20_000, stream: 20_000, dropped: 20_000, parentDeath: 30_000, quick: 10_000, fake: 15_000 } as const;

if (!haveK6) {
  // Without k6 these tests cannot run. In CI that is a failure (the tools are
  // part of the setup); elsewhere a skip, but never a silent one.
  if (inCI) {
    describe("real k6", () => {
      it("needs the k6 binary (CI is set)", () => {
        throw new Error(K6_MISSING);
      });
    });
  } else {
    console.warn(`SKIPPED: the real-k6 tests in k6-local.test.ts: ${K6_MISSING}`);
  }
}

/** True while `pid` is a live process (a zombie sends no load: it counts as gone). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // "<pid> (<comm>) <state> …": the state follows the last ')'.
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

async function poll(cond: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

describe.skipIf(!haveK6)(`real k6 (${haveK6 ? K6 : `SKIPPED: ${K6_MISSING}`})`, () => {
  let dir = "";
  let script = "";
  let server: Server;
  let port = 0;
  let served = 0;
  let served503 = 0;
  const sources = new Set<string>();
  /** Answers after 500 ms: 5 VUs manage ~10 requests/s, so a rate of 200/s drops iterations. */
  let slowServer: Server;
  let slowPort = 0;

  const listen = async (srv: Server): Promise<number> => {
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const addr = srv.address();
    return typeof addr === "object" && addr ? addr.port : 0;
  };
  const close = async (srv: Server | undefined) => {
    srv?.closeAllConnections();
    await new Promise<void>((r) => (srv ? srv.close(() => r()) : r()));
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "nodrop-k6-"));
    script = await bundleScenario(join(REPO_ROOT, "scenarios", "deploy-load.ts"), join(dir, "bundle"));
    server = createServer((req, res) => {
      served++;
      sources.add(req.socket.remoteAddress ?? "");
      // Every 10th request fails: exactly 10 %.
      const fail = served % 10 === 0;
      if (fail) served503++;
      res.setHeader("X-App-Version", "v1");
      res.setHeader("X-Pod-Name", "pod-a");
      res.statusCode = fail ? 503 : 200;
      res.end(fail ? "unavailable" : "ok");
    });
    port = await listen(server);
    slowServer = createServer((req, res) => {
      const t = setTimeout(() => {
        res.setHeader("X-App-Version", "v1");
        res.end("slow");
      }, 500);
      res.on("close", () => clearTimeout(t));
    });
    slowPort = await listen(slowServer);
  }, TIMEOUTS.bundle);

  afterAll(async () => {
    await close(server);
    await close(slowServer);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("streams samples live, counts them, and stops through the REST API", async () => {
    const runDir = join(dir, "run");
    const live: { at: number; s: Sample }[] = [];
    const viaCallback: Sample[] = [];
    let run: K6Run | undefined;
    try {
      run = await startK6({
        script,
        runDir,
        k6Path: K6,
        env: scenarioEnv({ target: `http://127.0.0.1:${port}/`, rate: 100, durationS: 30, preAllocatedVUs: 10, maxVUs: 50, warmupS: 1, timeoutS: 2 }),
        onSample: (s) => viaCallback.push(s),
      });
      run.samples.on("sample", (s) => live.push({ at: Date.now(), s }));
      // An async iterator sees the same stream.
      let iterated = 0;
      const iterating = (async () => {
        for await (const _ of run.samples) iterated++;
      })();

      // ~3 s of samples, awaited on the samples themselves (bounded).
      const deadline = Date.now() + 20_000;
      while ((live.length === 0 || Date.now() - live[0]!.at < 3000) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      const beforeStop = live.length;
      const liveCounts = run.counts();
      expect(beforeStop).toBeGreaterThan(200); // ~300 expected at 100/s
      expect(liveCounts.total).toBeGreaterThanOrEqual(beforeStop);

      const result = await run.stop();
      expect(result).toMatchObject({ exitCode: K6_EXIT.STOPPED_FROM_REST_API, signal: null, stoppedByUs: true, via: "rest", clean: true });
      expect(result.stopRequestedAt).toBeGreaterThan(0);
      // Idempotent: the same result again, k6 is not touched twice.
      expect(await run.stop()).toEqual(result);
      expect(await run.exited).toEqual({ exitCode: 103, signal: null });
      await iterating;

      // The events arrived while k6 was running, not in one batch at the end.
      expect(live[0]!.at).toBeLessThan(result.stopRequestedAt! - 2000);
      expect(beforeStop).toBeGreaterThan(0.6 * live.length);

      // samples.ndjson: one JSON object per line, nothing else.
      const text = await readFile(run.files.samples, "utf8");
      expect(text.endsWith("\n")).toBe(true);
      const lines = text.trimEnd().split("\n");
      const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      for (const o of parsed) expect(Object.keys(o)).toEqual(["t", "d", "s", "e", "v", "p", "ph", "c", "u"]);
      // Each names the VU that sent it (its source address under --local-ips: verdict/attribution.ts).
      for (const o of parsed) expect(Number.isInteger(o.u) && (o.u as number) >= 1).toBe(true);
      // Both probes ran: fresh connections and reused keep-alive connections.
      expect(new Set(parsed.map((o) => o.c))).toEqual(new Set(["new", "reuse"]));

      const c = run.counts();
      expect(c.malformedLines).toBe(0);
      expect(c.total).toBe(lines.length);
      expect(live.length).toBe(lines.length);
      expect(viaCallback.length).toBe(lines.length);
      expect(iterated).toBe(lines.length);
      // The server's own count, give or take the requests in flight at the stop.
      expect(Math.abs(c.total - served)).toBeLessThanOrEqual(5);
      expect(c.byStatus["200"]).toBeGreaterThan(0);
      expect(c.byStatus["503"]).toBeGreaterThan(0);
      expect(Math.abs((c.byStatus["503"] ?? 0) - served503)).toBeLessThanOrEqual(2);
      expect(c.ok + c.failed).toBe(c.total);
      // One loopback source address per VU (harness/load/sources.ts): many
      // addresses, all in 127.1.0.0/22, never 127.0.0.1 nor the probe's 127.0.0.2.
      expect(sources.size, [...sources].join(" ")).toBeGreaterThanOrEqual(10);
      expect([...sources].filter((a) => !/^(::ffff:)?127\.1\.[0-3]\.\d+$/.test(a)), [...sources].join(" ")).toEqual([]);
      expect(Object.keys(c.byVersion)).toContain("v1");
      expect(parsed.filter((o) => o["s"] === 503).every((o) => o["e"] === 1503 && o["v"] === "v1" && o["p"] === "pod-a")).toBe(true);
      // WARMUP=1: both planned phases occur, warmup first. The phase is taken
      // from the send time relative to the probe's own scenario start, and
      // lines are written in completion order by two probes whose scenarios
      // start up to ~40 ms apart (measured): file order may interleave the
      // phases at the boundary, send order within one probe may not.
      const phases = parsed.map((o) => o["ph"]);
      expect(phases).toContain("warmup");
      expect(phases).toContain("deploy");
      for (const conn of ["new", "reuse"]) {
        const sent = (ph: string) => parsed.filter((o) => o["c"] === conn && o["ph"] === ph).map((o) => o["t"] as number);
        expect(Math.max(...sent("warmup")), conn).toBeLessThan(Math.min(...sent("deploy")));
      }

      // k6 wrote its log and its summary.
      const log = await readFile(run.files.log, "utf8");
      expect(log).toContain("test run stopped from REST API");
      const summary = JSON.parse(await readFile(run.files.summary, "utf8")) as { metrics: Record<string, { count?: number }> };
      expect(summary.metrics["http_reqs"]?.count).toBeGreaterThan(200);
    } finally {
      await run?.stop();
    }
  }, TIMEOUTS.stream);

  it("fails to start with the scenario's error and the k6.log tail when TARGET is not 127.0.0.1", async () => {
    const err = await startK6({
      script,
      runDir: join(dir, "bad-target"),
      k6Path: K6,
      // TEST-NET-1 (RFC 5737): never routed; the init context refuses it before any request anyway.
      env: { TARGET: "http://192.0.2.1:8080/", DURATION: "5" },
      readyTimeoutMs: 20_000,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(K6StartError);
    expect((err as K6StartError).exit?.exitCode).toBe(K6_EXIT.SCRIPT_EXCEPTION);
    expect((err as Error).message).toMatch(/k6 exited before running \(exit code 107\)/);
    expect((err as Error).message).toMatch(/TARGET must be a URL of the form http:\/\/127\.0\.0\.1:<port>/);
    // The inline source map points the stack at the TypeScript source.
    expect((err as Error).message).toMatch(/scenarios\/lib\/params\.ts:\d+/);
  }, TIMEOUTS.quick);

  it("reports a stop after k6 ended by itself as not stopped by us", async () => {
    const run = await startK6({
      script,
      runDir: join(dir, "short"),
      k6Path: K6,
      env: scenarioEnv({ target: `http://127.0.0.1:${port}/`, rate: 20, durationS: 1, warmupS: 0, timeoutS: 1 }),
    });
    const exit = await run.exited;
    expect(exit).toEqual({ exitCode: 0, signal: null });
    expect(await run.stop()).toMatchObject({ exitCode: 0, stoppedByUs: false, stopRequestedAt: null, via: "none", clean: true });
    const c = run.counts();
    expect(c.total).toBeGreaterThanOrEqual(15);
    expect(c.total).toBeLessThanOrEqual(25);
    expect(run.samples.ended).toBe(true);
  }, TIMEOUTS.quick);

  it("reads dropped iterations live and k6's final count: a server too slow for the VUs", async () => {
    await using run = await startK6({
      script,
      runDir: join(dir, "dropped-slow"),
      k6Path: K6,
      // 5 VUs, 500 ms per answer: ~10 requests/s of the 200/s planned; k6 drops the rest.
      env: scenarioEnv({ target: `http://127.0.0.1:${slowPort}/`, rate: 200, durationS: 30, preAllocatedVUs: 5, maxVUs: 5, warmupS: 0, timeoutS: 2, newConnShare: 0 }),
      droppedIntervalMs: 500,
    });
    // Polled about every 500 ms: wait for two points that show drops.
    expect(await poll(() => run.dropped().series.filter((p) => p.count > 0).length >= 2, 15_000)).toBe(true);
    const live = run.dropped();
    expect(live.total).toBeNull(); // k6 still runs: no final count yet
    await run.stop();
    const { series, total } = run.dropped();
    expect(series.length).toBeGreaterThanOrEqual(live.series.length);
    for (let i = 1; i < series.length; i++) {
      expect(series[i]!.t).toBeGreaterThanOrEqual(series[i - 1]!.t);
      expect(series[i]!.count).toBeGreaterThanOrEqual(series[i - 1]!.count); // cumulative
    }
    expect(series[0]!.t).toBeGreaterThanOrEqual(run.startedAt);
    const last = series[series.length - 1]!.count;
    expect(last).toBeGreaterThan(0);
    // From k6-summary.json, written after the REST stop: at least what was seen live.
    expect(total).toBeGreaterThanOrEqual(last);
    const summary = JSON.parse(await readFile(run.files.summary, "utf8")) as { metrics: Record<string, { count?: number }> };
    expect(summary.metrics["dropped_iterations"]?.count).toBe(total);
  }, TIMEOUTS.dropped);

  it("records 'no drops' as count 0 and total 0 when the VUs keep up", async () => {
    await using run = await startK6({
      script,
      runDir: join(dir, "dropped-none"),
      k6Path: K6,
      // 20 requests/s of ~1 ms each on 10 VUs: no iteration waits for a VU.
      env: scenarioEnv({ target: `http://127.0.0.1:${port}/`, rate: 20, durationS: 30, preAllocatedVUs: 10, maxVUs: 10, warmupS: 0, timeoutS: 2, newConnShare: 0 }),
      droppedIntervalMs: 500,
    });
    expect(await poll(() => run.dropped().series.length >= 3, 15_000)).toBe(true);
    const stopped = await run.stop();
    expect(stopped.exitCode).toBe(K6_EXIT.STOPPED_FROM_REST_API);
    const { series, total } = run.dropped();
    // Evidence, not absence: every point is an explicit 0 read from k6.
    expect(series.length).toBeGreaterThanOrEqual(3);
    expect(series.map((p) => p.count)).toEqual(series.map(() => 0));
    // k6 omits dropped_iterations from the summary when there were none: 0, not null.
    const summary = JSON.parse(await readFile(run.files.summary, "utf8")) as { metrics: Record<string, unknown> };
    expect(summary.metrics).not.toHaveProperty("dropped_iterations");
    expect(summary.metrics).toHaveProperty("http_reqs");
    expect(total).toBe(0);
  }, TIMEOUTS.dropped);

  it("k6 stops by itself when the process that started it is SIGKILLed", async () => {
    const runDir = join(dir, "orphan");
    const parent = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        join(REPO_ROOT, "test", "fixtures", "k6-parent.ts"),
        // A 60 s cap: without the parent-death signal k6 would still be running at the deadline below.
        JSON.stringify({ script, runDir, k6Path: K6, target: `http://127.0.0.1:${port}/`, durationS: 60 }),
      ],
      { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "inherit"] },
    );
    let k6Pid = 0;
    try {
      k6Pid = await new Promise<number>((resolvePid, reject) => {
        let out = "";
        parent.stdout!.setEncoding("utf8");
        parent.stdout!.on("data", (d: string) => {
          out += d;
          const m = /^k6-pid (\d+)$/m.exec(out);
          if (m) resolvePid(Number(m[1]));
        });
        parent.on("exit", (code, signal) => reject(new Error(`the parent exited before printing k6's pid (${code ?? signal})`)));
      });
      // setpriv exec'd k6: the pid startK6 reports is k6 itself.
      expect(readFileSync(`/proc/${k6Pid}/comm`, "utf8").trim()).toBe("k6");
      expect(alive(k6Pid)).toBe(true);

      const parentGone = new Promise<void>((r) => parent.once("exit", () => r()));
      parent.kill("SIGKILL");
      await parentGone;
      const t0 = Date.now();
      expect(await poll(() => !alive(k6Pid), 10_000), `k6 (pid ${k6Pid}) still running 10 s after its parent was killed`).toBe(true);
      expect(Date.now() - t0).toBeLessThan(10_000);
    } finally {
      if (parent.exitCode === null && parent.signalCode === null) parent.kill("SIGKILL");
      // Only if the test failed: never leave the load running (checked to be k6, not a reused pid).
      if (k6Pid > 0 && alive(k6Pid) && readFileSync(`/proc/${k6Pid}/comm`, "utf8").trim() === "k6") process.kill(k6Pid, "SIGKILL");
    }
  }, TIMEOUTS.parentDeath);
});

// The stop escalation, with an injected process runner: a Node script plays
// k6 (appends sample lines, reacts to signals) and a local server plays k6's
// REST API but refuses the stop request. No k6 binary needed.
describe("startK6 stop escalation (fake k6)", () => {
  const fakeK6 = (onSigint: "exit" | "ignore") => `
    const fs = require("node:fs");
    const out = process.argv[process.argv.indexOf("--console-output") + 1];
    let n = 0;
    const line = () => JSON.stringify({ t: Date.now(), d: 1, s: 200, e: 0, v: "v1", p: "fake", ph: "deploy" }) + "\\n";
    setInterval(() => fs.appendFileSync(out, line()), 20);
    process.on("SIGINT", () => {
      ${onSigint === "exit" ? 'fs.appendFileSync(out, \'{"t":1,"s":2\'); process.exit(105);' : ""}
    });
    setTimeout(() => process.exit(3), 20000);
  `;

  async function withFakeRest<T>(fn: (port: number) => Promise<T>): Promise<T> {
    const rest = createServer((req, res) => {
      res.setHeader("Content-Type", "application/json");
      if (req.method === "GET") {
        res.end(JSON.stringify({ data: { type: "status", id: "default", attributes: { status: 7, running: true, stopped: false } } }));
      } else {
        res.statusCode = 500;
        res.end(JSON.stringify({ errors: [{ title: "refused by the test" }] }));
      }
    });
    await new Promise<void>((r) => rest.listen(0, "127.0.0.1", r));
    const addr = rest.address();
    try {
      return await fn(typeof addr === "object" && addr ? addr.port : 0);
    } finally {
      rest.closeAllConnections();
      await new Promise<void>((r) => rest.close(() => r()));
    }
  }

  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "nodrop-fakek6-"));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ["exit", { via: "sigint", exitCode: 105, signal: null, clean: true }],
    ["ignore", { via: "sigkill", exitCode: null, signal: "SIGKILL", clean: false }],
  ] as const)("SIGINT handling '%s' → %j", async (onSigint, expected) => {
    await withFakeRest(async (restPort) => {
      const run = await startK6({
        script: "unused.js",
        runDir: join(dir, onSigint),
        env: {},
        restPort,
        k6Path: process.execPath,
        spawn: (_file, args, opts) => spawn(process.execPath, ["-e", fakeK6(onSigint), "--", ...args], opts),
      });
      const deadline = Date.now() + 10_000;
      while (run.counts().total < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const result = await run.stop({ timeoutMs: 500 });
      expect(result).toMatchObject({ ...expected, stoppedByUs: true });
      const c = run.counts();
      expect(c.total).toBeGreaterThanOrEqual(5);
      // The half-written last line of the "exit" fake is not a sample.
      expect(c.malformedLines).toBe(onSigint === "exit" ? 1 : 0);
      expect(run.samples.ended).toBe(true);
      // A fake k6 writes no summary: the final count is unknown, not 0.
      expect(run.dropped().total).toBeNull();
    });
  }, TIMEOUTS.fake);
});
