// The ingress controller's share of the propagation lag (path=ingress): how
// long after a deleted pod's endpoint left service (not ready or terminating,
// or removed, as the harness's EndpointSlice watch saw it) the controller
// still sent it requests. The controller picks a backend per request (also on
// a kept-alive client connection), so every request a pod answered counts:
// the last one's send time, minus the moment its endpoint left service.
//
// The figure is only the controller's when the pod was still there to answer:
// with a preStop sleep longer than the lag. A pod that exited first answers
// nothing more; the controller's requests to it fail (502, or time out) and
// show in the outages instead, which name the pod: its figure here is then a
// lower bound (counted in `cutShort`).
import { leftServiceAt, type PodExit } from "./outage-causes.ts";
import { spread } from "./spread.ts";
import type { IngressLag } from "./records.ts";
import type { RunEvent, Sample } from "./types.ts";

/** The controller in front of the app, from the run's "ingress" event; null: the load went to a NodePort. */
export function ingressController(events: readonly RunEvent[]): string | null {
  const e = events.find((x) => x.kind === "ingress");
  return e ? String(e["controller"] ?? "ingress") : null;
}

export function endpointOutToLastRequest(exits: readonly PodExit[], samples: readonly Sample[], events: readonly RunEvent[], namedByOutages: ReadonlySet<string> = new Set()): IngressLag | null {
  const controller = ingressController(events);
  if (!controller) return null;
  const left = new Map<string, number>();
  for (const x of exits) {
    const at = leftServiceAt(x);
    if (at !== null) left.set(x.pod, at);
  }
  const last = new Map<string, number>();
  for (const s of samples) {
    if (s.s === 0 || !s.p || !left.has(s.p)) continue;
    if (s.t > (last.get(s.p) ?? -Infinity)) last.set(s.p, s.t);
  }
  const pods = [...last].map(([pod, t]) => ({ pod, ms: Math.max(0, t - left.get(pod)!) })).sort((a, b) => a.pod.localeCompare(b.pod));
  const cutShort = pods.filter((p) => namedByOutages.has(p.pod)).length;
  const s = spread(pods.map((p) => p.ms));
  if (!s) return { controller, pods: [], minMs: NaN, medianMs: NaN, maxMs: NaN, cutShort };
  return { controller, pods, minMs: s.min, medianMs: s.median, maxMs: s.max, cutShort };
}
