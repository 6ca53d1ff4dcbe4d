// The sample app's behaviour, kept free of process globals (env, signals,
// process.exit) so the unit tests can drive it in-process. app/server.ts is
// the entrypoint that wires it to the real process.
import http from "node:http";
import { Counter, Gauge, Registry } from "prom-client";
import { dbErrorMessage, type ItemStore } from "./db.ts";
import { closeIdleAfter } from "./idle-close.ts";

export type ShutdownMode = "graceful" | "abrupt";
export type ReadinessMode = "honest" | "lying";

export interface AppOptions {
  version: string;
  podName: string;
  shutdown?: ShutdownMode;
  /** Graceful mode: after this long, remaining sockets are destroyed and the exit code is 1. */
  drainTimeoutMs?: number;
  /** `/` answers 503 for this long after createApp(). */
  startupDelayMs?: number;
  /** honest: ready only when warm and not shutting down. lying: always ready. */
  readiness?: ReadinessMode;
  /** A bad version: readiness always 503 (wins over `readiness`). */
  neverReady?: boolean;
  /** Each `/` request waits this long before answering. */
  workMs?: number;
  /** Fraction (0..1) of `/` requests answered with 500. */
  errorRate?: number;
  /**
   * Fraction (0..1) of `/` requests that get no response: the connection is
   * reset (TCP RST, like a crashing process or a dying proxy). The client sees
   * a connection error (status 0, no version), not an HTTP error.
   */
  resetRate?: number;
  /**
   * Longer than any client's idle timeout, so the server never closes an idle
   * keep-alive connection just as the client reuses it (a drop unrelated to deploys).
   */
  keepAliveTimeoutMs?: number;
  /**
   * Close a keep-alive connection after this many requests (0 = never), like
   * nginx's keepalive_requests: clients reconnect, so traffic follows the
   * current endpoints (a canary step, a blue-green swap) within seconds.
   */
  maxRequestsPerSocket?: number;
  /**
   * Database mode (app/db.ts; server.ts sets it when DATABASE_URL is set):
   * each `/` request writes and reads one row; a failed query answers 500
   * with X-Db-Error. A graceful shutdown ends the pool after the drain.
   */
  db?: ItemStore;
  /** Database mode: how long the shutdown waits for the pool to end before exiting anyway. */
  dbCloseTimeoutMs?: number;
  /** Where lifecycle events go; default one JSON line on stdout. */
  log?: (event: string, fields?: Record<string, unknown>) => void;
  /** Called once when the process should end; default process.exit. */
  exit?: (code: number) => void;
  random?: () => number;
}

export interface AppState {
  readonly startedAt: number;
  /** True once startupDelayMs has elapsed. */
  readonly warm: boolean;
  /** True once the readiness endpoint would answer 200. */
  readonly ready: boolean;
  shuttingDown: boolean;
  /** `/` requests received and not yet answered. */
  inFlight: number;
}

export interface App {
  server: http.Server;
  state: AppState;
  registry: Registry;
  /**
   * Begins shutdown (idempotent). Resolves with the exit code after `exit` was
   * called: abrupt → 0 at once; graceful → 0 when drained, 1 on drain timeout.
   */
  shutdown(signal: string): Promise<number>;
}

export function jsonLog(event: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(JSON.stringify({ t: new Date().toISOString(), event, ...fields }) + "\n");
}

export function createApp(opts: AppOptions): App {
  const mode = opts.shutdown ?? "graceful";
  const drainTimeoutMs = opts.drainTimeoutMs ?? 10_000;
  const startupDelayMs = opts.startupDelayMs ?? 0;
  const readinessMode = opts.readiness ?? "honest";
  const neverReady = opts.neverReady ?? false;
  const workMs = opts.workMs ?? 0;
  const errorRate = opts.errorRate ?? 0;
  const resetRate = opts.resetRate ?? 0;
  const log = opts.log ?? jsonLog;
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const random = opts.random ?? Math.random;
  const db = opts.db;
  const dbCloseTimeoutMs = opts.dbCloseTimeoutMs ?? 2_000;
  const startedAt = Date.now();

  const state: AppState = {
    startedAt,
    get warm() {
      return Date.now() - startedAt >= startupDelayMs;
    },
    get ready() {
      if (neverReady) return false;
      if (readinessMode === "lying") return true;
      return this.warm && !this.shuttingDown;
    },
    shuttingDown: false,
    inFlight: 0,
  };

  // A registry per app, so several apps in one test process don't collide.
  const registry = new Registry();
  const requests = new Counter({
    name: "nodrop_app_requests_total",
    help: "Requests to / by HTTP status.",
    labelNames: ["status", "version"] as const,
    registers: [registry],
  });
  new Gauge({
    name: "nodrop_app_inflight_requests",
    help: "Requests to / being worked on.",
    registers: [registry],
    collect() {
      this.set(state.inFlight);
    },
  });
  new Gauge({
    name: "nodrop_app_ready",
    help: "1 when the readiness endpoint answers 200.",
    registers: [registry],
    collect() {
      this.set(state.ready ? 1 : 0);
    },
  });

  const send = (res: http.ServerResponse, status: number, body: string, contentType = "application/json", extra?: http.OutgoingHttpHeaders) => {
    if (res.destroyed || res.writableEnded) return;
    const headers: http.OutgoingHttpHeaders = {
      "Content-Type": contentType,
      "Content-Length": Buffer.byteLength(body),
      "X-App-Version": opts.version,
      "X-Pod-Name": opts.podName,
      // Database mode only: which column this version reads and writes.
      ...(db ? { "X-Db-Column": db.column } : {}),
      ...extra,
    };
    // Tells keep-alive clients not to reuse this connection, so it closes
    // after this response and the drain can finish.
    if (state.shuttingDown) headers["Connection"] = "close";
    res.writeHead(status, headers);
    res.end(body);
  };
  const json = (o: Record<string, unknown>) => JSON.stringify({ version: opts.version, pod: opts.podName, ...o });

  // Server-sent event streams open now: a graceful shutdown says goodbye on each.
  const streams = new Set<(why: "end" | "goodbye") => void>();
  const openStream = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const ms = Math.min(600_000, Math.max(100, Number(new URL(req.url ?? "/", "http://x").searchParams.get("ms")) || 20_000));
    res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-App-Version": opts.version, "X-Pod-Name": opts.podName });
    let n = 0;
    const finish = (why: "end" | "goodbye") => {
      if (!streams.delete(finish)) return;
      clearInterval(tick);
      clearTimeout(until);
      // goodbye: the server is going away; `retry` tells an EventSource to reconnect at once (to another pod).
      res.end(why === "goodbye" ? "event: goodbye\nretry: 0\ndata: reconnect\n\n" : "event: end\ndata: done\n\n");
    };
    streams.add(finish);
    const tick = setInterval(() => res.write(`data: ${n++}\n\n`), 250);
    const until = setTimeout(() => finish("end"), ms);
    res.on("close", () => {
      streams.delete(finish);
      clearInterval(tick);
      clearTimeout(until);
    });
    res.write(": open\n\n");
    if (state.shuttingDown) finish("goodbye");
  };

  // One write and one read per request; the row records who wrote it.
  const answerFromDb = (res: http.ServerResponse) => {
    db!.roundTrip(`${opts.version} ${opts.podName}`).then(
      (id) => send(res, 200, json({ id })),
      (e: unknown) => {
        const message = dbErrorMessage(e);
        send(res, 500, json({ error: "database", message }), "application/json", { "X-Db-Error": message });
      },
    );
  };

  // Database mode: the pool ends after the drain (every request has had its
  // answer, so no connection is checked out), bounded so a stuck connection
  // cannot hold the exit past the grace period.
  const closeDb = async (store: ItemStore): Promise<void> => {
    const t0 = Date.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        store.close(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`pool did not end within ${dbCloseTimeoutMs} ms`)), dbCloseTimeoutMs);
        }),
      ]);
      log("db-pool-ended", { afterMs: Date.now() - t0 });
    } catch (e) {
      log("db-pool-end-failed", { error: dbErrorMessage(e), afterMs: Date.now() - t0 });
    } finally {
      clearTimeout(timer);
    }
  };

  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    switch (path) {
      case "/stream":
        openStream(req, res);
        return;
      case "/": {
        state.inFlight++;
        let counted = false;
        const done = () => {
          if (counted) return;
          counted = true;
          state.inFlight--;
        };
        res.on("finish", () => {
          requests.inc({ status: String(res.statusCode), version: opts.version });
          done();
        });
        res.on("close", done);
        if (!state.warm) {
          send(res, 503, json({ error: "warming" }));
          return;
        }
        const answer = () => {
          if (resetRate > 0 && random() < resetRate) {
            // No status line, no headers: the whole connection goes, with RST.
            if (!req.socket.destroyed) req.socket.resetAndDestroy();
            return;
          }
          if (errorRate > 0 && random() < errorRate) send(res, 500, json({ error: "injected" }));
          else if (db) answerFromDb(res);
          else send(res, 200, json({}));
        };
        if (workMs > 0) setTimeout(answer, workMs);
        else answer();
        return;
      }
      case "/healthz/live":
        send(res, 200, "ok\n", "text/plain");
        return;
      case "/healthz/ready":
        if (state.ready) send(res, 200, "ready\n", "text/plain");
        else send(res, 503, (state.shuttingDown ? "shutting down" : neverReady ? "never ready" : "warming") + "\n", "text/plain");
        return;
      case "/metrics":
        registry.metrics().then(
          (text) => send(res, 200, text, registry.contentType),
          (e: unknown) => send(res, 500, String(e) + "\n", "text/plain"),
        );
        return;
      default:
        send(res, 404, json({ error: "not found" }));
    }
  });
  server.keepAliveTimeout = opts.keepAliveTimeoutMs ?? 65_000;
  closeIdleAfter(server, server.keepAliveTimeout);
  server.maxRequestsPerSocket = opts.maxRequestsPerSocket ?? 0;
  // Must exceed keepAliveTimeout (node's rule for headersTimeout).
  server.headersTimeout = server.keepAliveTimeout + 1_000;

  server.on("listening", () => {
    const a = server.address();
    log("listening", {
      port: typeof a === "object" && a ? a.port : a,
      version: opts.version,
      pod: opts.podName,
      shutdown: mode,
      readiness: neverReady ? "never-ready" : readinessMode,
      startupDelayMs,
      workMs,
      errorRate,
      resetRate,
      ...(db ? { dbColumn: db.column } : {}),
    });
  });
  if (startupDelayMs > 0) {
    setTimeout(() => {
      if (!state.shuttingDown) log("warm", { afterMs: Date.now() - startedAt });
    }, startupDelayMs).unref();
  }

  let shutdownPromise: Promise<number> | undefined;
  const shutdown = (signal: string): Promise<number> => {
    if (shutdownPromise) return shutdownPromise;
    state.shuttingDown = true;
    log("signal", { signal, mode, inFlight: state.inFlight });
    if (mode === "abrupt") {
      log("exit", { code: 0, abrupt: true });
      exit(0);
      shutdownPromise = Promise.resolve(0);
      return shutdownPromise;
    }
    shutdownPromise = new Promise<number>((resolve) => {
      let finished = false;
      const finish = (code: number, event: string) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        log(event, { inFlight: state.inFlight, afterMs: Date.now() - t0 });
        const end = () => {
          log("exit", { code });
          exit(code);
          resolve(code);
        };
        if (db) void closeDb(db).then(end);
        else end();
      };
      const t0 = Date.now();
      const timer = setTimeout(() => {
        server.closeAllConnections();
        finish(1, "drain-timeout");
      }, drainTimeoutMs);
      log("draining", { inFlight: state.inFlight, streams: streams.size, drainTimeoutMs });
      // Open streams never end by themselves: each gets a goodbye (clients reconnect elsewhere) and ends.
      for (const finishStream of [...streams]) finishStream("goodbye");
      // Stops accepting; the callback runs once every connection has closed.
      server.close(() => finish(0, "drained"));
      server.closeIdleConnections();
    });
    return shutdownPromise;
  };

  return { server, state, registry, shutdown };
}
