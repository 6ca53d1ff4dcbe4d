// How long traffic reached a pod after it left service, in words: the pods'
// own (last answer after deletion), kube-proxy's, and the ingress controller's.
import type { IngressLag, LagStats, ProxyLag } from "../harness/verdict/records.ts";

/** "median 0.45 s, min 0.12 s, max 1.60 s over 4 pods", or a dash when nothing was measured. */
export function lagText(lag: LagStats | null | undefined): string {
  if (!lag) return "–";
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  return `median ${s(lag.medianMs)}, min ${s(lag.minMs)}, max ${s(lag.maxMs)} over ${lag.pods.length} pod${lag.pods.length === 1 ? "" : "s"}${lag.requests === "all" ? " (all requests: no new-connection probe)" : ""}`;
}

/** "median 0.21 s, min 0.02 s, max 0.95 s over 12 pods (kube-proxy's own mean: 0.40 s over 30 changes)", or a dash. */
export function proxyLagText(lag: ProxyLag | null | undefined): string {
  if (!lag) return "–";
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const own = lag.programming?.meanMs != null ? ` (kube-proxy's own mean: ${s(lag.programming.meanMs)} over ${lag.programming.count} changes)` : "";
  if (lag.pods.length === 0) return `no endpoint change followed by a sync${own}`;
  return `median ${s(lag.medianMs)}, min ${s(lag.minMs)}, max ${s(lag.maxMs)} over ${lag.pods.length} pod${lag.pods.length === 1 ? "" : "s"}${own}`;
}

/** "median 1.20 s, min 0.10 s, max 2.05 s over 12 pods", a note on pods cut short, or a dash (NodePort path). */
export function ingressLagText(lag: IngressLag | null | undefined): string {
  if (!lag) return "–";
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  if (lag.pods.length === 0) return "no deleted pod answered a request after its endpoint left service";
  const cut = lag.cutShort > 0 ? ` (${lag.cutShort} of them named by an outage: they stopped while it still sent to them, so a lower bound there)` : "";
  return `median ${s(lag.medianMs)}, min ${s(lag.minMs)}, max ${s(lag.maxMs)} over ${lag.pods.length} pod${lag.pods.length === 1 ? "" : "s"}${cut}`;
}
