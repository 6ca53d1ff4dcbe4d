// Entrypoint of the sample app: reads the env, listens, wires signals.
// Bundled by harness/images/app-image.ts into /app/server.mjs.
import os from "node:os";
import { createApp, jsonLog, type ReadinessMode, type ShutdownMode } from "./app.ts";
import { DB_COLUMNS, type DbColumn, pgStore } from "./db.ts";

function num(name: string, def: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return def;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) {
    jsonLog("config-error", { name, value: raw });
    process.exit(2);
  }
  return n;
}

function oneOf<T extends string>(name: string, allowed: readonly T[], def: T): T {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return def;
  if (!(allowed as readonly string[]).includes(raw)) {
    jsonLog("config-error", { name, value: raw, allowed });
    process.exit(2);
  }
  return raw as T;
}

// Database mode (app/db.ts) only when DATABASE_URL is set; otherwise no pool
// exists and `/` answers as it always did.
const databaseUrl = process.env["DATABASE_URL"];
const db = databaseUrl
  ? pgStore({
      url: databaseUrl,
      column: oneOf<DbColumn>("DB_COLUMN", DB_COLUMNS, "title"),
      poolSize: num("DB_POOL_SIZE", 10, 1, 1000),
      connectTimeoutMs: num("DB_CONNECT_TIMEOUT_MS", 3_000, 1),
      log: jsonLog,
    })
  : undefined;

const app = createApp({
  version: process.env["APP_VERSION"] || "dev",
  podName: process.env["POD_NAME"] || os.hostname(),
  shutdown: oneOf<ShutdownMode>("SHUTDOWN", ["graceful", "abrupt"], "graceful"),
  drainTimeoutMs: num("DRAIN_TIMEOUT_MS", 10_000),
  startupDelayMs: num("STARTUP_DELAY_MS", 0),
  readiness: oneOf<ReadinessMode>("READINESS", ["honest", "lying"], "honest"),
  neverReady: process.env["NEVER_READY"] === "true",
  workMs: num("WORK_MS", 0),
  errorRate: num("ERROR_RATE", 0, 0, 1),
  resetRate: num("RESET_RATE", 0, 0, 1),
  keepAliveTimeoutMs: num("KEEP_ALIVE_TIMEOUT_MS", 65_000, 1),
  maxRequestsPerSocket: num("MAX_REQUESTS_PER_SOCKET", 0, 0),
  db,
});

// node is PID 1 in the container: without handlers, SIGTERM/SIGINT are ignored
// and the kubelet has to SIGKILL after the grace period.
for (const sig of ["SIGTERM", "SIGINT"] as const) {
  process.on(sig, () => void app.shutdown(sig));
}

app.server.listen(num("PORT", 8080, 0, 65535), process.env["HOST"] || "0.0.0.0");
