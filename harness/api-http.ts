// Plain HTTP to the API server with the kubeconfig's credentials, for what
// the generated clients do not stream well: a pod's log followed line by line,
// and the service proxy to a runner's k6 REST API (stop, dropped_iterations).
import { request as httpRequest, type IncomingMessage, type RequestOptions } from "node:http";
import { request as httpsRequest } from "node:https";
import type { KubeConfig } from "@kubernetes/client-node";

async function options(kc: KubeConfig, method: string, path: string): Promise<{ url: URL; opts: RequestOptions }> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error("the kubeconfig has no current cluster");
  const url = new URL(server.replace(/\/$/, "") + path);
  const opts: RequestOptions = { method, headers: {} };
  await kc.applyToHTTPSOptions(opts as never);
  return { url, opts };
}

/** Opens `path` and resolves with the response once its headers arrived (the body is the caller's to read). */
export async function apiOpen(kc: KubeConfig, path: string, signal?: AbortSignal): Promise<IncomingMessage> {
  const { url, opts } = await options(kc, "GET", path);
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { ...opts, ...(signal ? { signal } : {}) }, resolve);
    req.on("error", reject);
    req.end();
  });
}

/** One request with a body of at most 1 MB read back; rejects on a network error or the timeout. */
export async function apiRequest(
  kc: KubeConfig,
  method: "GET" | "PATCH",
  path: string,
  body?: string,
  timeoutMs = 5000,
  contentType = "application/json",
): Promise<{ status: number; text: string }> {
  const { url, opts } = await options(kc, method, path);
  if (body !== undefined) opts.headers = { ...(opts.headers as Record<string, string>), "Content-Type": contentType };
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { ...opts, signal: AbortSignal.timeout(timeoutMs) }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        if (text.length < 1 << 20) text += c;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** The API server's proxy path to a Service's port (e.g. a runner's k6 REST API on 6565). */
export function serviceProxyPath(namespace: string, service: string, port: number, path: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/services/${encodeURIComponent(`http:${service}:${port}`)}/proxy${path}`;
}
