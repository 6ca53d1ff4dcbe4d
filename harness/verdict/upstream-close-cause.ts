// The keep-alive race as an outage cause: the proxy in front of the app logged,
// in the outage's seconds, that upstream connections it had reused were closed
// or reset by the app before any answer (harness/ingress/upstream-closes.ts
// records them as "proxy-upstream-closed" events), and the failed requests are
// the proxy's own 502s. The app closing a connection the proxy still holds as
// idle is the mismatch between their keep-alive timeouts (or the app closing
// its idle connections at SIGTERM): the proxy cannot resend the request.
import { formatOffset } from "./format.ts";
import type { Outage, RunEvent } from "./types.ts";

export interface UpstreamCloseCause {
  rule: "proxy-upstream-closed";
  pods: string[];
  text: string;
}

/** The proxy's and the app's idle timeouts as the run recorded them ("ingress" event), seconds. */
function keepAlive(events: readonly RunEvent[]): { app: number; proxy: number } | null {
  const e = events.find((x) => x.kind === "ingress");
  const k = e?.["keepAlive"] as { app?: unknown; proxy?: unknown } | undefined;
  return typeof k?.app === "number" && typeof k.proxy === "number" ? { app: k.app, proxy: k.proxy } : null;
}

export function upstreamCloseCause(outage: Outage, events: readonly RunEvent[], origin: number, controller: string): UpstreamCloseCause | null {
  const proxied = outage.histogram["502"] ?? 0;
  if (proxied * 2 < outage.failed) return null;
  // nginx logs whole seconds: the outage's seconds, inclusive.
  const from = Math.floor(outage.start / 1000) * 1000;
  const to = Math.floor(outage.end / 1000) * 1000 + 999;
  const closes = events.filter((e) => e.kind === "proxy-upstream-closed" && typeof e["at"] === "number" && (e["at"] as number) >= from && (e["at"] as number) <= to);
  if (closes.length === 0) return null;
  const what = new Map<string, number>();
  for (const c of closes) what.set(String(c["what"]), (what.get(String(c["what"])) ?? 0) + 1);
  const said = [...what].sort((a, b) => b[1] - a[1]).map(([w, n]) => `"${w}" ×${n}`).join(", ");
  const ka = keepAlive(events);
  const advice = ka
    ? ka.app < ka.proxy
      ? `the app closes a connection idle for ${ka.app} s while the proxy keeps idle upstream connections for ${ka.proxy} s: make the app's keep-alive timeout longer than the proxy's (keepAliveTimeout > ingressIdleTimeout)`
      : `the app's idle timeout (${ka.app} s) is already longer than the proxy's (${ka.proxy} s), so the app closed them for another reason, e.g. closing idle connections at SIGTERM`
    : "an app whose idle keep-alive timeout is shorter than the proxy's does this";
  return {
    rule: "proxy-upstream-closed",
    pods: [],
    text:
      `requests failed from ${formatOffset(outage.start, origin)} to ${formatOffset(outage.end, origin)} with ${proxied} × 502 from the proxy (${controller}), ` +
      `which logged in those seconds that the app closed or reset upstream connections it had just reused (${said}): ` +
      `the app closed keep-alive connections the proxy still held as idle, and a proxy does not resend a request it has written — ${advice}`,
  };
}
