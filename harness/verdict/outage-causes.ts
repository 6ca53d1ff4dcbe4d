// Why an outage happened: the pod and EndpointSlice changes around it, on the
// clock the requests were sent on (events.ndjson is written by the harness as
// the watches report them; samples carry k6's send times; both are this
// machine's epoch ms). Rules are tried in order; when none matches, the
// explanation says so rather than guess.
import { formatOffset } from "./format.ts";
import type { OutageCause } from "./records.ts";
import type { Outage, RunEvent } from "./types.ts";
import { upstreamCloseCause } from "./upstream-close-cause.ts";

/** What the watches saw of one pod going away. Times are epoch ms; null = not seen. */
export interface PodExit {
  pod: string;
  /** The pod's deletion timestamp was first seen (it got SIGTERM then, or its preStop hook started). */
  deletedAt: number | null;
  /** Its endpoint was first listed not ready or terminating after the deletion. */
  endpointNotReadyAt: number | null;
  /** Its endpoint was first missing from an EndpointSlice that had listed it. */
  endpointRemovedAt: number | null;
  /** The pod's phase became Succeeded or Failed: its containers had exited. */
  exitedAt: number | null;
  /**
   * kube-proxy had synced its rules after the endpoint left service (went not
   * ready/terminating, or was removed: kube-proxy routes to neither while a
   * ready endpoint exists), on every node whose kube-proxy was observed: the
   * end of the first sync at or after leftServiceAt() ("kube-proxy-sync"
   * events). null: not observed.
   */
  programmedAt: number | null;
}

/** When the endpoint left service: the first of not ready/terminating and removed (null: neither seen). */
export function leftServiceAt(e: PodExit): number | null {
  if (e.endpointNotReadyAt === null) return e.endpointRemovedAt;
  if (e.endpointRemovedAt === null) return e.endpointNotReadyAt;
  return Math.min(e.endpointNotReadyAt, e.endpointRemovedAt);
}

interface SliceEndpoint {
  pod?: string;
  ready?: boolean;
  terminating?: boolean;
}

/** One PodExit per pod that got a deletion timestamp, from the run's pod and endpoints events. */
export function podExits(events: readonly RunEvent[]): PodExit[] {
  const exits = new Map<string, PodExit>();
  const get = (pod: string): PodExit => {
    let e = exits.get(pod);
    if (!e) exits.set(pod, (e = { pod, deletedAt: null, endpointNotReadyAt: null, endpointRemovedAt: null, exitedAt: null, programmedAt: null }));
    return e;
  };
  const listed = new Map<string, Set<string>>(); // slice -> pods it listed last
  const syncs = new Map<number, number[]>(); // node -> kube-proxy sync ends
  const sorted = [...events].sort((a, b) => a.t - b.t);
  for (const ev of sorted) {
    if (ev.kind === "kube-proxy-sync" && typeof ev["syncedAt"] === "number") {
      const node = typeof ev["node"] === "number" ? ev["node"] : 0;
      const list = syncs.get(node);
      if (list) list.push(ev["syncedAt"]);
      else syncs.set(node, [ev["syncedAt"]]);
    } else if (ev.kind === "pod" && typeof ev["pod"] === "string") {
      const e = get(ev["pod"]);
      if (ev["terminating"] === true && e.deletedAt === null) e.deletedAt = ev.t;
      if ((ev["phase"] === "Succeeded" || ev["phase"] === "Failed") && e.exitedAt === null) e.exitedAt = ev.t;
    } else if (ev.kind === "endpoints" && typeof ev["slice"] === "string") {
      const eps = (Array.isArray(ev["endpoints"]) ? ev["endpoints"] : []) as SliceEndpoint[];
      const now = new Set<string>();
      for (const ep of eps) {
        if (typeof ep.pod !== "string") continue;
        now.add(ep.pod);
        const e = get(ep.pod);
        // terminating implies a deletion; not ready counts only after one (a new pod starts not ready).
        if (e.endpointNotReadyAt === null && (ep.terminating === true || (e.deletedAt !== null && ep.ready === false))) e.endpointNotReadyAt = ev.t;
      }
      const before = listed.get(ev["slice"]) ?? new Set<string>();
      for (const pod of before) {
        const e = get(pod);
        if (!now.has(pod) && e.endpointRemovedAt === null) e.endpointRemovedAt = ev.t;
      }
      listed.set(ev["slice"], ev["type"] === "DELETED" ? new Set() : now);
    }
  }
  const out = [...exits.values()].filter((e) => e.deletedAt !== null);
  for (const list of syncs.values()) list.sort((a, b) => a - b);
  for (const e of out) e.programmedAt = programmedAfter(leftServiceAt(e), syncs);
  return out;
}

/** The latest over nodes of each node's first sync end at or after t; null if a node has none. */
function programmedAfter(t: number | null, syncs: ReadonlyMap<number, readonly number[]>): number | null {
  if (t === null || syncs.size === 0) return null;
  let done = -Infinity;
  for (const list of syncs.values()) {
    const after = list.find((x) => x >= t);
    if (after === undefined) return null;
    done = Math.max(done, after);
  }
  return done;
}

/** The user-facing Service every strategy manages (deploy/strategy.ts SERVICE_NAME); other Services' slices (a preview, the ingress controller's own) do not serve users. */
const USER_SERVICE = "app";

/** Ready endpoints over the user-facing Service's slices at time t (null: no endpoints event before t). */
function readyEndpointsAt(events: readonly RunEvent[], t: number): number | null {
  const slices = new Map<string, number>();
  for (const ev of events) {
    if (ev.t > t) break;
    if (ev.kind !== "endpoints" || typeof ev["slice"] !== "string") continue;
    if (typeof ev["service"] === "string" && ev["service"] !== USER_SERVICE) continue;
    const eps = (Array.isArray(ev["endpoints"]) ? ev["endpoints"] : []) as SliceEndpoint[];
    slices.set(ev["slice"], ev["type"] === "DELETED" ? 0 : eps.filter((e) => e.ready === true).length);
  }
  return slices.size === 0 ? null : [...slices.values()].reduce((a, b) => a + b, 0);
}

const LOOKBACK_MS = 10_000;
/**
 * How long after a failure a deletion that caused it may still be first
 * seen. The pod watch reports a deletion when the API server sends it to the
 * harness, which shares the machine with the cluster and the load; the
 * kubelet acts on its own watch. A CI run on kind (3 node containers on 2
 * cores) found a one-request outage with 4 endpoints ready and no deletion
 * in the 10 s before it: a kept-alive request to a pod that shut down before
 * the harness saw it deleted.
 */
const WATCH_DELAY_MS = 1_000;

/**
 * The cause of one outage. `app-answered-errors`: at least half of its
 * failed requests got an HTTP answer (non-200) from a pod. `proxy-upstream-closed`:
 * the proxy's 502s, with its log saying the app closed connections it reused
 * (upstream-close-cause.ts). `stopped-before-traffic`: a pod got its deletion
 * timestamp from 10 s before the first failed request to 1 s after the
 * last one ended (WATCH_DELAY_MS), and its endpoint was
 * still listed (not yet removed) when requests began to fail — traffic was
 * still sent to a pod that had stopped serving. `no-ready-endpoint`: no ready
 * endpoint at all when the outage began.
 */
export function outageCause(outage: Outage, exits: readonly PodExit[], events: readonly RunEvent[], origin: number, ingress: string | null = null): OutageCause {
  // `events` are sorted by time (judge sorts them once for every rule).
  const at = (t: number | null): string => (t === null ? "never seen" : formatOffset(t, origin));
  const rel = (t: number | null, from: number): string => (t === null ? "not seen" : `${t - from >= 0 ? "+" : ""}${((t - from) / 1000).toFixed(2)} s`);
  const answeredBy = outage.answeredBy ?? {};
  const answered = Object.values(answeredBy).reduce((x, y) => x + y, 0);
  if (answered > 0 && answered * 2 >= outage.failed) {
    const pods = Object.entries(answeredBy).sort((x, y) => y[1] - x[1]);
    const statuses = Object.entries(outage.histogram).filter(([k]) => k !== "0").map(([k, n]) => `${k}×${n}`).join(", ");
    return {
      rule: "app-answered-errors",
      pods: pods.map(([p]) => p),
      text:
        `requests failed from ${at(outage.start)} to ${at(outage.end)} with answers from the app (${statuses}), ` +
        `from ${pods.map(([p, n]) => `${p} ×${n}`).join(", ")}: the pods answered, so look at the version they run or their readiness, not at the network`,
    };
  }
  const closed = ingress ? upstreamCloseCause(outage, events, origin, ingress) : null;
  if (closed) return closed;
  const seenBy = Math.max(outage.end, outage.doneAt ?? outage.end) + WATCH_DELAY_MS;
  const near = exits
    .filter((e) => e.deletedAt! <= seenBy && e.deletedAt! >= outage.start - LOOKBACK_MS)
    .filter((e) => e.endpointRemovedAt === null || e.endpointRemovedAt >= outage.start - 1000)
    .sort((a, b) => a.deletedAt! - b.deletedAt!);
  if (near.length > 0) {
    // Deletion → the endpoint out of kube-proxy's rules (or out of the slice, where kube-proxy was not observed).
    const lag = Math.max(...near.map((e) => (e.programmedAt ?? e.endpointRemovedAt ?? outage.end) - e.deletedAt!));
    const proxySeen = near.some((e) => e.programmedAt !== null);
    const detail = near
      .map(
        (e) =>
          `${e.pod}: deleted at ${at(e.deletedAt)}; endpoint not ready ${rel(e.endpointNotReadyAt, e.deletedAt!)}, ` +
          `removed ${rel(e.endpointRemovedAt, e.deletedAt!)}${e.programmedAt !== null ? `, kube-proxy synced ${rel(e.programmedAt, e.deletedAt!)}` : ""}; exited ${rel(e.exitedAt, e.deletedAt!)}`,
      )
      .join("; ");
    return {
      rule: "stopped-before-traffic",
      pods: near.map((e) => e.pod),
      text:
        `requests failed from ${at(outage.start)} to ${at(outage.end)} while ${near.length === 1 ? "a pod that was being deleted was" : "pods that were being deleted were"} still listed as endpoints (${detail}): ` +
        `the pod stopped serving before traffic to it stopped — ` +
        (ingress
          ? `a preStop sleep longer than deletion → the ingress controller (${ingress}) stops sending to the pod (it routes to pod addresses from the EndpointSlices itself, on its own schedule; see the ingress lag) keeps it serving until then`
          : proxySeen
          ? `a preStop sleep longer than deletion → kube-proxy's rules without the pod (up to ${(lag / 1000).toFixed(2)} s here) keeps it serving until then`
          : `a preStop sleep longer than deletion → endpoint removal (up to ${(lag / 1000).toFixed(2)} s here) plus kube-proxy's programming lag keeps it serving until then`),
    };
  }
  const ready = readyEndpointsAt(events, outage.start);
  if (ready === 0) {
    return { rule: "no-ready-endpoint", pods: [], text: `requests failed from ${at(outage.start)} to ${at(outage.end)}: no endpoint of the Service was ready when they began` };
  }
  return { rule: null, pods: [], text: `no rule matched: no pod was deleted from ${LOOKBACK_MS / 1000} s before the outage to ${WATCH_DELAY_MS / 1000} s after its last failed request ended (${at(outage.start)} to ${at(outage.end)}), and ${ready === null ? "no EndpointSlice was seen" : `${ready} endpoint(s) were ready`}` };
}
