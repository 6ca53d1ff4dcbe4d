// Propagation lag, measured from the requests themselves: how long after a
// pod got its deletion timestamp new connections still reached it (the last
// request on a new connection it answered, by the pod header, by send time). With a preStop sleep the pod
// keeps answering while the endpoint change propagates, so this is the time
// the Service kept routing to it; a preStop sleep shorter than this drops
// requests. A pod that stops at once answers nothing after its deletion, so
// runs without preStop show ~0 here: their failures are in the outages.
import type { PodExit } from "./outage-causes.ts";
import { spread } from "./spread.ts";
import type { LagStats } from "./records.ts";
import type { Sample } from "./types.ts";

export function deletionToLastAnswer(exits: readonly PodExit[], samples: readonly Sample[]): LagStats | null {
  const deletedAt = new Map(exits.filter((e) => e.deletedAt !== null).map((e) => [e.pod, e.deletedAt!]));
  if (deletedAt.size === 0) return null;
  // A kept-alive connection stays on its pod until the pod closes it, so only
  // requests on a new connection (routed at connect time) show the Service's
  // routing; runs without the new-connection probe use every request.
  const probe = samples.some((s) => s.c === "new") ? "new" : undefined;
  const last = new Map<string, number>();
  for (const s of samples) {
    if (s.s === 0 || !s.p || !deletedAt.has(s.p) || (probe && s.c !== probe)) continue;
    if (s.t > (last.get(s.p) ?? -Infinity)) last.set(s.p, s.t);
  }
  const pods = [...last].map(([pod, t]) => ({ pod, ms: Math.max(0, t - deletedAt.get(pod)!) })).sort((a, b) => a.pod.localeCompare(b.pod));
  if (pods.length === 0) return null;
  const s = spread(pods.map((p) => p.ms))!;
  return { requests: probe ?? "all", pods, minMs: s.min, medianMs: s.median, maxMs: s.max };
}
