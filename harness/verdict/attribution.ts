// Which pod answered a request, from what nodrop observes itself rather than
// from the app's headers: a service that sends no version header still gets
// per-version numbers, outage causes and a live gate.
//
// How: k6 runs with --local-ips, so each VU has a source address of its own
// (load/sources.ts), and every sample names its VU (`u`). kube-proxy's DNAT
// of each new connection is in conntrack: its NEW event (observe/conntrack.ts)
// holds the source address and the pod address the connection went to. A VU
// sends one request at a time, so per source address, with `next` the send
// time of the VU's next request (when known):
//   - a new-connection request ("Connection: close") is the first connection
//     that address opened at or after its send time (and before `next`);
//   - a keep-alive request rode the last connection that address opened
//     before `next` (before its own end + a margin while `next` is unknown):
//     a fresh one if the pod had closed the old.
// Event times are when conntrack's reader got the event: measured up to
// ~40 ms after the SYN on a busy machine, and k6's duration leaves out the
// connect, so a request's own end is no bound for its connection's event.
// The pod address then names the pod, and the pod's label its version, from
// the pod watch (events.ndjson), as they were at that moment (addresses are
// reused by later pods).
//
// Pure and incremental: the live gate feeds it as events arrive; the verdict
// feeds it the run's files. Samples with a version header are left alone.
import type { AttributionStats } from "./records.ts";
import type { RunEvent, Sample } from "./types.ts";

/** A conntrack NEW event: one connection from `src` that kube-proxy sent to `podIp`. */
export interface TrackedConnection {
  /** Epoch ms the event was seen. */
  t: number;
  src: string;
  sport: number;
  /** The reply direction's source: the address the connection was NATed to (a pod's). */
  podIp: string;
}

interface PodAt {
  t: number;
  pod: string;
  version: string;
}

/** k6's send time is Date.now() taken before the request, in whole ms: an event is never earlier than t − 1. */
const SKEW_MS = 1;
/** While the VU's next request is unknown (live), how long after a keep-alive request's end its fresh connection's event may come. */
const LIVE_EVENT_LAG_MS = 100;

export class ConnectionAttributor {
  readonly #bySource = new Map<string, TrackedConnection[]>();
  readonly #byIp = new Map<string, PodAt[]>();
  readonly #addressOf: (vu: number) => string | undefined;

  /** `addressOf`: a VU's own source address (load/sources.ts), undefined when it shares one. */
  constructor(addressOf: (vu: number) => string | undefined) {
    this.#addressOf = addressOf;
  }

  addConnection(c: TrackedConnection): void {
    const list = this.#bySource.get(c.src) ?? [];
    if (!list.length) this.#bySource.set(c.src, list);
    // Events come in time order; keep the list sorted if one does not.
    let i = list.length;
    while (i > 0 && list[i - 1]!.t > c.t) i--;
    list.splice(i, 0, c);
  }

  /** A pod event (events.ndjson kind "pod"); only those with an address and a version count. */
  addPodEvent(ev: RunEvent): void {
    const ip = ev["ip"];
    const pod = ev["pod"];
    const version = ev["version"];
    if (typeof ip !== "string" || !ip || typeof pod !== "string" || typeof version !== "string" || !version) return;
    const list = this.#byIp.get(ip) ?? [];
    if (!list.length) this.#byIp.set(ip, list);
    const last = list[list.length - 1];
    if (last && last.pod === pod) return;
    list.push({ t: ev.t, pod, version });
  }

  /** The connection a request rode, or undefined. `next`: the send time of the same VU's next request, when known. */
  connectionOf(s: Sample, next?: number): TrackedConnection | undefined {
    if (!s.u || s.c?.startsWith("stream")) return undefined;
    const address = this.#addressOf(s.u);
    const list = address === undefined ? undefined : this.#bySource.get(address);
    if (!list?.length) return undefined;
    if (s.c === "new") {
      const c = list[firstAtOrAfter(list, s.t - SKEW_MS)];
      return c && (next === undefined || c.t < next) ? c : undefined;
    }
    const i = firstAtOrAfter(list, next ?? s.t + s.d + LIVE_EVENT_LAG_MS) - 1;
    return i >= 0 ? list[i] : undefined;
  }

  /** The pod at `ip` at time t: the last one seen with that address by then (else the first ever). */
  podAt(ip: string, t: number): PodAt | undefined {
    const list = this.#byIp.get(ip);
    if (!list?.length) return undefined;
    let found = list[0];
    for (const p of list) if (p.t <= t) found = p;
    return found;
  }

  /** Fills s.v and s.p from the request's connection when the app named no version. True when it did. */
  attribute(s: Sample, next?: number): boolean {
    if (s.v !== "") return false;
    const c = this.connectionOf(s, next);
    if (!c) return false;
    const pod = this.podAt(c.podIp, c.t);
    if (!pod) return false;
    s.v = pod.version;
    if (s.p === "") s.p = pod.pod;
    return true;
  }
}

/** Index of the first connection with t ≥ `t` (list sorted by t). */
function firstAtOrAfter(list: readonly TrackedConnection[], t: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]!.t < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The verdict's pass over a finished run: every request sample without a
 * version gets one from its connection where it can. Mutates the samples.
 */
export function attributeSamples(samples: Sample[], connections: Iterable<TrackedConnection>, events: readonly RunEvent[], addressOf: (vu: number) => string | undefined): AttributionStats {
  const a = attributorFor(connections, events, addressOf);
  const next = nextByVu(samples);
  const stats: AttributionStats = { method: "conntrack", byHeader: 0, byConnection: 0, unattributed: 0 };
  for (const [i, s] of samples.entries()) {
    if (s.c?.startsWith("stream")) continue;
    if (s.v !== "") stats.byHeader++;
    else if (a.attribute(s, next[i])) stats.byConnection++;
    else stats.unattributed++;
  }
  return stats;
}

function attributorFor(connections: Iterable<TrackedConnection>, events: readonly RunEvent[], addressOf: (vu: number) => string | undefined): ConnectionAttributor {
  const a = new ConnectionAttributor(addressOf);
  for (const c of connections) a.addConnection(c);
  for (const ev of events) if (ev.kind === "pod") a.addPodEvent(ev);
  return a;
}

/** For each sample, the send time of the same VU's next request (undefined for its last). */
export function nextByVu(samples: readonly Sample[]): (number | undefined)[] {
  const order = samples.map((_, i) => i).filter((i) => samples[i]!.u && !samples[i]!.c?.startsWith("stream"));
  order.sort((x, y) => samples[x]!.t - samples[y]!.t);
  const out: (number | undefined)[] = new Array(samples.length).fill(undefined);
  const last = new Map<number, number>();
  for (const i of order) {
    const s = samples[i]!;
    const prev = last.get(s.u!);
    if (prev !== undefined) out[prev] = s.t;
    last.set(s.u!, i);
  }
  return out;
}

export interface AttributionCheck {
  /** Answered requests (status > 0) that named their version in a header and rode a traced VU. */
  compared: number;
  /** Of those, attributed from their connection at all. */
  attributed: number;
  /** Of the attributed ones, the same version / the same pod as the header said. */
  sameVersion: number;
  samePod: number;
  /** Requests that named their pod in a header, among the attributed ones (samePod is out of these). */
  withPodHeader: number;
}

/**
 * Accuracy of attribution on a run whose app names its version and pod in
 * headers (the sample app): each answered request is attributed as if it had
 * named nothing, and compared with what its headers said. Pure: the samples
 * are not changed.
 */
export function checkAttribution(samples: readonly Sample[], connections: Iterable<TrackedConnection>, events: readonly RunEvent[], addressOf: (vu: number) => string | undefined): AttributionCheck {
  const a = attributorFor(connections, events, addressOf);
  const next = nextByVu(samples);
  const out: AttributionCheck = { compared: 0, attributed: 0, sameVersion: 0, samePod: 0, withPodHeader: 0 };
  for (const [i, s] of samples.entries()) {
    if (s.s === 0 || s.v === "" || !s.u || s.c?.startsWith("stream")) continue;
    out.compared++;
    const blind: Sample = { ...s, v: "", p: "" };
    if (!a.attribute(blind, next[i])) continue;
    out.attributed++;
    if (blind.v === s.v) out.sameVersion++;
    if (s.p !== "") {
      out.withPodHeader++;
      if (blind.p === s.p) out.samePod++;
    }
  }
  return out;
}
