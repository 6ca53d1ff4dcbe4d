import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { appHarness, get, HOST } from "./http-get.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await sleep(10);
  }
}

const h = appHarness();
const { exits } = h;
const start = h.start;
afterEach(() => h.stopAll());

describe("sample app (in-process)", () => {
  it("answers / with version and pod, in the body and in headers on every response", async () => {
    const { port } = await start();
    const r = await get(port);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ version: "v1", pod: "pod-a" });
    for (const path of ["/", "/healthz/live", "/healthz/ready", "/metrics", "/nope"]) {
      const h = (await get(port, path)).headers;
      expect(h["x-app-version"], path).toBe("v1");
      expect(h["x-pod-name"], path).toBe("pod-a");
    }
    expect((await get(port, "/healthz/live")).status).toBe(200);
    expect((await get(port, "/healthz/ready")).status).toBe(200);
    expect((await get(port, "/nope")).status).toBe(404);
  });

  it("answers 503 (with headers) while warming, then 200; honest readiness follows", async () => {
    const { port } = await start({ startupDelayMs: 300 });
    const warming = await get(port);
    expect(warming.status).toBe(503);
    expect(warming.headers["x-app-version"]).toBe("v1");
    expect(warming.headers["x-pod-name"]).toBe("pod-a");
    expect((await get(port, "/healthz/ready")).status).toBe(503);
    expect((await get(port, "/healthz/live")).status).toBe(200);
    await sleep(350);
    expect((await get(port)).status).toBe(200);
    expect((await get(port, "/healthz/ready")).status).toBe(200);
  });

  it("lying readiness says ready while / still answers 503", async () => {
    const { port } = await start({ startupDelayMs: 5_000, readiness: "lying" });
    expect((await get(port, "/healthz/ready")).status).toBe(200);
    expect((await get(port)).status).toBe(503);
  });

  it("never-ready is never ready, whatever else is set", async () => {
    const { port } = await start({ neverReady: true, readiness: "lying" });
    expect((await get(port, "/healthz/ready")).status).toBe(503);
    expect((await get(port)).status).toBe(200);
  });

  it("error rate 1.0 answers 500 with headers; 0.5 uses the random source", async () => {
    const { port } = await start({ errorRate: 1 });
    const r = await get(port);
    expect(r.status).toBe(500);
    expect(r.headers["x-app-version"]).toBe("v1");
    const seq = [0.1, 0.9];
    const { port: p2 } = await start({ errorRate: 0.5, random: () => seq.shift() ?? 0 });
    expect((await get(p2)).status).toBe(500);
    expect((await get(p2)).status).toBe(200);
  });

  it("reset rate 1.0 destroys the connection without a response; 0.5 uses the random source", async () => {
    const { port } = await start({ resetRate: 1 });
    await expect(get(port)).rejects.toThrow(/socket hang up|ECONNRESET/);
    // Only `/`: probes and metrics still answer.
    expect((await get(port, "/healthz/ready")).status).toBe(200);
    expect((await get(port, "/healthz/live")).status).toBe(200);
    const seq = [0.1, 0.9];
    const { app, port: p2 } = await start({ resetRate: 0.5, random: () => seq.shift() ?? 0 });
    await expect(get(p2)).rejects.toMatchObject({ code: "ECONNRESET" });
    expect((await get(p2)).status).toBe(200);
    expect(app.state.inFlight).toBe(0);
  });

  it("counts requests in /metrics", async () => {
    const { port } = await start({ errorRate: 1 });
    await get(port);
    await get(port);
    const m = await get(port, "/metrics");
    expect(m.headers["content-type"]).toMatch(/^text\/plain/);
    expect(m.body).toMatch(/nodrop_app_requests_total\{status="500",version="v1"\} 2/);
    expect(m.body).toMatch(/nodrop_app_inflight_requests 0/);
  });

  it("graceful: an in-flight request finishes with 200 and Connection: close, new connections are refused, exit 0", async () => {
    const { app, port } = await start({ workMs: 300 });
    const inflight = get(port);
    await until(() => app.state.inFlight === 1);
    const code = app.shutdown("SIGTERM");
    expect(app.state.ready).toBe(false);
    const r = await inflight;
    expect(r.status).toBe(200);
    expect(r.headers["connection"]).toBe("close");
    await expect(get(port)).rejects.toMatchObject({ code: "ECONNREFUSED" });
    expect(await code).toBe(0);
    expect(exits).toEqual([0]);
  });

  it("graceful: idle keep-alive connections are closed at once", async () => {
    const { app, port } = await start();
    const agent = new http.Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) => {
      http.get({ host: HOST, port, agent }, (res) => res.resume().on("end", resolve)).on("error", reject);
    });
    const t0 = Date.now();
    expect(await app.shutdown("SIGTERM")).toBe(0);
    expect(Date.now() - t0).toBeLessThan(1_000);
    agent.destroy();
  });

  it("graceful: the drain timeout destroys what is left and exits 1", async () => {
    const { app, port } = await start({ workMs: 5_000, drainTimeoutMs: 200 });
    const inflight = get(port);
    await until(() => app.state.inFlight === 1);
    const t0 = Date.now();
    expect(await app.shutdown("SIGTERM")).toBe(1);
    expect(Date.now() - t0).toBeLessThan(2_000);
    await expect(inflight).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(exits).toEqual([1]);
  });
});

describe("server-sent event streams (/stream)", () => {
  it("streams until ?ms=, then ends with an end event, naming version and pod", async () => {
    const { port } = await start();
    const r = await get(port, "/stream?ms=600");
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toBe("text/event-stream");
    expect(r.headers["x-pod-name"]).toBe("pod-a");
    expect(r.body).toMatch(/^: open\n\n(data: \d+\n\n)+event: end\ndata: done\n\n$/);
  });

  it("graceful shutdown ends every open stream with a goodbye and a reconnect hint, then exits 0 without waiting for the drain timeout", async () => {
    const { app, port } = await start({ drainTimeoutMs: 5_000 });
    const streams = [get(port, "/stream?ms=60000"), get(port, "/stream?ms=60000")];
    await sleep(300);
    const t0 = Date.now();
    expect(await app.shutdown("SIGTERM")).toBe(0);
    expect(Date.now() - t0).toBeLessThan(1_000);
    for (const r of await Promise.all(streams)) expect(r.body).toMatch(/event: goodbye\nretry: 0\ndata: reconnect\n\n$/);
  });
});

describe("sample app (child process, real signals)", () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    child = undefined;
  });

  async function spawnServer(env: Record<string, string>): Promise<{ port: number; exited: Promise<number | null>; lines: string[] }> {
    const c = spawn(process.execPath, ["--import", "tsx", "app/server.ts"], {
      cwd: ROOT,
      env: { ...process.env, HOST, PORT: "0", APP_VERSION: "v9", POD_NAME: "child", ...env },
      stdio: ["ignore", "pipe", "inherit"],
    });
    child = c;
    const exited = new Promise<number | null>((r) => c.on("exit", (code) => r(code)));
    const lines: string[] = [];
    const port = await new Promise<number>((resolve, reject) => {
      let buf = "";
      c.stdout!.setEncoding("utf8");
      c.stdout!.on("data", (d: string) => {
        buf += d;
        let i: number;
        while ((i = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          lines.push(line);
          const ev = JSON.parse(line) as { event: string; port?: number };
          if (ev.event === "listening" && ev.port) resolve(ev.port);
        }
      });
      c.on("exit", (code) => reject(new Error(`server exited early with ${code}`)));
    });
    return { port, exited, lines };
  }

  const inFlightMetric = async (port: number) => /nodrop_app_inflight_requests 1\b/.test((await get(port, "/metrics")).body);

  it("abrupt: SIGTERM exits at once and the in-flight request fails", async () => {
    const { port, exited, lines } = await spawnServer({ SHUTDOWN: "abrupt", WORK_MS: "3000" });
    const inflight = get(port);
    inflight.catch(() => {});
    await until(() => inFlightMetric(port));
    child!.kill("SIGTERM");
    await expect(inflight).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(await exited).toBe(0);
    expect(lines.map((l) => (JSON.parse(l) as { event: string }).event)).toContain("signal");
  }, 20_000);

  it("graceful: SIGTERM lets the in-flight request finish, then exits 0", async () => {
    const { port, exited } = await spawnServer({ SHUTDOWN: "graceful", WORK_MS: "500" });
    const inflight = get(port);
    await until(() => inFlightMetric(port));
    child!.kill("SIGTERM");
    const r = await inflight;
    expect(r.status).toBe(200);
    expect(r.headers["x-app-version"]).toBe("v9");
    expect(await exited).toBe(0);
  }, 20_000);
});

describe("keep-alive rotation", () => {
  it("closes a keep-alive connection after maxRequestsPerSocket requests", async () => {
    const { createApp } = await import("../../app/app.ts");
    const http = await import("node:http");
    const app = createApp({ version: "v1", podName: "p", maxRequestsPerSocket: 3, log: () => {} });
    await new Promise<void>((r) => app.server.listen(0, "127.0.0.1", () => r()));
    const port = (app.server.address() as { port: number }).port;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const conn: string[] = [];
    for (let i = 0; i < 4; i++) {
      conn.push(
        await new Promise<string>((resolve, reject) => {
          http.get({ host: "127.0.0.1", port, path: "/", agent }, (res) => {
            res.resume();
            res.on("end", () => resolve(String(res.headers["connection"])));
          }).on("error", reject);
        }),
      );
    }
    agent.destroy();
    await new Promise((r) => app.server.close(r));
    expect(conn.slice(0, 3)).toEqual(["keep-alive", "keep-alive", "close"]);
    expect(conn[3]).toBe("keep-alive");
  });
});

describe("idle keep-alive close", () => {
  // A raw connection: one request, then idle; resolves with when the server closed it.
  async function idleCloseAfterMs(port: number, requests: number, gapMs: number): Promise<number> {
    const net = await import("node:net");
    return new Promise((resolve, reject) => {
      const sock = net.connect(port, HOST);
      let answered = 0;
      let lastAnswerAt = 0;
      const send = () => sock.write(`GET / HTTP/1.1\r\nHost: x\r\n\r\n`);
      sock.setEncoding("utf8");
      sock.on("connect", send);
      sock.on("data", (d: string) => {
        answered += (d.match(/HTTP\/1\.1 200/g) ?? []).length;
        lastAnswerAt = Date.now();
        if (answered < requests) setTimeout(send, gapMs);
      });
      sock.on("close", () => (answered >= requests ? resolve(Date.now() - lastAnswerAt) : reject(new Error(`closed after ${answered} of ${requests} answers`))));
      sock.on("error", reject);
    });
  }

  it("closes a connection idle for keepAliveTimeout at that time, not node's extra second later", async () => {
    const { port } = await start({ keepAliveTimeoutMs: 100 });
    const idle = await idleCloseAfterMs(port, 1, 0);
    expect(idle).toBeGreaterThanOrEqual(90);
    expect(idle).toBeLessThan(900);
  });

  it("keeps a connection that is used more often than keepAliveTimeout", async () => {
    const { port } = await start({ keepAliveTimeoutMs: 200 });
    // 6 requests 50 ms apart on one connection: all answered, then closed when idle.
    const idle = await idleCloseAfterMs(port, 6, 50);
    expect(idle).toBeGreaterThanOrEqual(190);
  });
});
