// Draining one node the way `kubectl drain` does: cordon it, ask the
// Eviction API to evict each pod (a PodDisruptionBudget may refuse with 429;
// the eviction is asked again every `retryMs`, like kubectl's 5 s), then wait
// until the evicted pods are gone. Only the run's pods are evicted: other pods
// on the node are not nodrop's. Pure logic over a small API, so that unit
// tests drive it with a fake cluster and a fake clock.
import { currentAbort } from "../abort.ts";
import { type Clock, realClock } from "../wait.ts";

export type EvictResult = { ok: true } | { ok: false; refused: string };

export interface NodeDrainApi {
  /** Marks the node unschedulable (and notes that this run did it). */
  cordon(node: string): Promise<void>;
  uncordon(node: string): Promise<void>;
  /** The run's pods on `node` that are not terminating yet. */
  podsOn(node: string): Promise<string[]>;
  /** One Eviction; a 429 (disruption budget) is `{ ok: false }`, any other error throws. */
  evict(pod: string): Promise<EvictResult>;
  /** True once the pod no longer exists. */
  gone(pod: string): Promise<boolean>;
}

export interface DrainOptions {
  /** How long the evictions may be refused before the drain fails. */
  timeoutMs: number;
  /** How long an evicted pod may take to terminate (its grace period + margin). */
  goneTimeoutMs: number;
  /** kubectl drain asks again every 5 s after a refusal. */
  retryMs?: number;
  clock?: Clock;
  /** Called for each step, to put it on the run's timeline. */
  record(kind: "cordon" | "eviction" | "eviction-refused" | "node-drained", fields: Record<string, unknown>): void;
}

export interface DrainOutcome {
  node: string;
  evicted: string[];
  /** Refusals (429) per pod, for those refused at least once. */
  refusals: Record<string, number>;
}

export async function drainNode(api: NodeDrainApi, node: string, o: DrainOptions): Promise<DrainOutcome> {
  const clock = o.clock ?? realClock;
  const retryMs = o.retryMs ?? 5_000;
  await api.cordon(node);
  const pods = await api.podsOn(node);
  o.record("cordon", { node, pods });
  const pending = new Set(pods);
  const evicted: string[] = [];
  const refusals: Record<string, number> = {};
  const start = clock.now();
  let lastRefusal = "";
  // An aborted run (Ctrl-C, a dead component) stops evicting at once.
  const abort = currentAbort();
  while (pending.size > 0) {
    abort?.throwIfAborted();
    for (const pod of [...pending]) {
      const r = await api.evict(pod);
      if (r.ok) {
        pending.delete(pod);
        evicted.push(pod);
        o.record("eviction", { node, pod });
      } else {
        refusals[pod] = (refusals[pod] ?? 0) + 1;
        lastRefusal = r.refused;
        o.record("eviction-refused", { node, pod, message: r.refused });
      }
    }
    if (pending.size === 0) break;
    if (clock.now() - start + retryMs > o.timeoutMs) {
      throw new Error(`drain of node ${node}: eviction of ${[...pending].join(", ")} still refused after ${Math.round((clock.now() - start) / 1000)} s (last refusal: ${lastRefusal})`);
    }
    await clock.sleep(retryMs);
  }
  // Like kubectl drain: done when the evicted pods are gone, not when replacements are ready.
  const goneBy = clock.now() + o.goneTimeoutMs;
  const left = new Set(evicted);
  while (left.size > 0) {
    abort?.throwIfAborted();
    for (const pod of [...left]) if (await api.gone(pod)) left.delete(pod);
    if (left.size === 0) break;
    if (clock.now() >= goneBy) throw new Error(`drain of node ${node}: evicted pod(s) ${[...left].join(", ")} still exist after ${Math.round(o.goneTimeoutMs / 1000)} s`);
    await clock.sleep(250);
  }
  o.record("node-drained", { node, evicted });
  return { node, evicted, refusals };
}
