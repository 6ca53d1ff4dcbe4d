// For the sample app's unit tests (not a test file itself): a GET on a fresh
// connection (agent: false, so "refuses new connections" is observable), and
// in-process apps started and stopped per test.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createApp, type App, type AppOptions } from "../../app/app.ts";

export const HOST = "127.0.0.1";

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export function get(port: number, path = "/"): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: HOST, port, path, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.setTimeout(10_000, () => req.destroy(new Error("client timeout")));
  });
}

/**
 * In-process sample apps on a free loopback port, recording their lifecycle
 * log and exit codes instead of logging and exiting; `stopAll` after each test.
 */
export function appHarness() {
  const apps: App[] = [];
  const events: { event: string; fields: Record<string, unknown> }[] = [];
  const exits: number[] = [];
  return {
    events,
    exits,
    async start(opts: Partial<AppOptions> = {}): Promise<{ app: App; port: number }> {
      const app = createApp({
        version: "v1",
        podName: "pod-a",
        log: (event, fields = {}) => void events.push({ event, fields }),
        exit: (code) => void exits.push(code),
        ...opts,
      });
      apps.push(app);
      await new Promise<void>((r) => app.server.listen(0, HOST, r));
      return { app, port: (app.server.address() as AddressInfo).port };
    },
    async stopAll(): Promise<void> {
      for (const a of apps.splice(0)) {
        a.server.closeAllConnections();
        await new Promise((r) => a.server.close(r));
      }
      events.length = 0;
      exits.length = 0;
    },
  };
}
