// The one small HTTP client of the harness (health checks, smoke gates, probes).
// Always a fresh connection (agent: false): a probe must not ride on a
// keep-alive connection to a pod that is already gone.
import { readFileSync } from "node:fs";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";

export interface HttpReply {
  status: number;
  headers: IncomingMessage["headers"];
  body: string;
}

export interface HttpOptions {
  timeoutMs?: number;
  /** Files for https: CA, client certificate and key; or skip verification. */
  tls?: { ca?: string; cert?: string; key?: string; insecure?: boolean };
  /** Source address of the connection (e.g. 127.0.0.2: see harness/target.ts for why). */
  localAddress?: string;
}

/** GET `url`; rejects on connection errors and timeouts. */
export function httpGet(url: string, opts: HttpOptions = {}): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const tls = opts.tls ?? {};
    const options = {
      method: "GET",
      agent: false as const,
      timeout: opts.timeoutMs ?? 3_000,
      ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
      ...(tls.ca ? { ca: readFileSync(tls.ca) } : {}),
      ...(tls.cert ? { cert: readFileSync(tls.cert) } : {}),
      ...(tls.key ? { key: readFileSync(tls.key) } : {}),
      ...(tls.insecure ? { rejectUnauthorized: false } : {}),
    };
    const onReply = (res: IncomingMessage) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    };
    const req = u.protocol === "https:" ? httpsRequest(u, options, onReply) : httpRequest(u, options, onReply);
    req.on("timeout", () => req.destroy(new Error(`GET ${url}: no answer within ${options.timeout} ms`)));
    req.on("error", reject);
    req.end();
  });
}

/** GET `url` as a probe: status 0 (and no headers) on a connection error or timeout. */
export async function httpProbe(url: string, timeoutMs = 3_000, localAddress?: string): Promise<HttpReply> {
  return httpGet(url, { timeoutMs, ...(localAddress ? { localAddress } : {}) }).catch(() => ({ status: 0, headers: {}, body: "" }));
}
