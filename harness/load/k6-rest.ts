// k6's REST API (on 127.0.0.1, or on a node's address when k6 runs in its
// network namespace): a free port for it, and its /v1/status (read the state,
// or ask k6 to stop).
import { createServer } from "node:net";

export interface K6RestStatus {
  status: number;
  paused: boolean;
  vus: number;
  "vus-max": number;
  stopped: boolean;
  running: boolean;
  tainted: boolean;
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

export const STOP_BODY = JSON.stringify({ data: { type: "status", id: "default", attributes: { stopped: true } } });

export async function rest(port: number, method: "GET" | "PATCH", body?: string, host = "127.0.0.1"): Promise<K6RestStatus> {
  const res = await fetch(`http://${host}:${port}/v1/status`, {
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
