// The real k6 against a tiny local server: bundle → start → live samples →
// stop through the REST API. All traffic goes to 127.0.0.1, bounded in time
// (the scenario's own cap is 30 s; the test stops it after ~3 s of samples).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleScenario } from "../../harness/load/bundle.ts";
import { K6_EXIT, K6StartError, startK6, type K6Run } from "../../harness/load/k6.ts";
import { REPO_ROOT, toolPaths } from "../../harness/tools.ts";
import type { Sample } from "../../harness/verdict/types.ts";
import { scenarioEnv } from "../../scenarios/lib/params.ts";

const K6 = toolPaths().k6;
const haveK6 = existsSync(K6);

describe.skipIf(!haveK6)(`real k6 (${haveK6 ? K6 : `SKIPPED: k6 binary missing at ${K6}; run \`make tools\``})`, () => {
  let dir = "";
  let script = "";
  let server: Server;
  let port = 0;
  let served = 0;
  let served503 = 0;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "nodrop-k6-"));
    script = await bundleScenario(join(REPO_ROOT, "scenarios", "deploy-load.ts"), join(dir, "bundle"));
    server = createServer((req, res) => {
      served++;
      // Every 10th request fails: exactly 10 %.
      const fail = served % 10 === 0;
      if (fail) served503++;
      res.setHeader("X-App-Version", "v1");
      res.setHeader("X-Pod-Name", "pod-a");
      res.statusCode = fail ? 503 : 200;
      res.end(fail ? "unavailable" : "ok");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const addr = server.address();
    port = typeof addr === "object" && addr ? addr.port : 0;
  }, 60_000);

  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
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
      for (const o of parsed) expect(Object.keys(o)).toEqual(["t", "d", "s", "e", "v", "p", "ph", "c"]);
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
      expect(Object.keys(c.byVersion)).toContain("v1");
      expect(parsed.filter((o) => o["s"] === 503).every((o) => o["e"] === 1503 && o["v"] === "v1" && o["p"] === "pod-a")).toBe(true);
      // WARMUP=1: both planned phases occur, warmup first.
      const phases = parsed.map((o) => o["ph"]);
      expect(phases).toContain("warmup");
      expect(phases).toContain("deploy");
      expect(phases.lastIndexOf("warmup")).toBeLessThan(phases.indexOf("deploy"));

      // k6 wrote its log and its summary.
      const log = await readFile(run.files.log, "utf8");
      expect(log).toContain("test run stopped from REST API");
      const summary = JSON.parse(await readFile(run.files.summary, "utf8")) as { metrics: Record<string, { count?: number }> };
      expect(summary.metrics["http_reqs"]?.count).toBeGreaterThan(200);
    } finally {
      await run?.stop();
    }
  }, 60_000);

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
  }, 60_000);

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
  }, 60_000);
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
    });
  }, 30_000);
});
