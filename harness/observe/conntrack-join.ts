// Connections that cross two network namespaces before they reach a pod
// (kind: this machine DNATs 127.0.0.1:<port> to the node container on its
// bridge and masquerades the loopback source; the node's kube-proxy then
// DNATs to a pod). Each namespace's conntrack sees one hop:
//   host: k6's address:port → 127.0.0.1:port, answered from node:port to gw:P
//   node: gw:P → node:port, answered from pod:8080
// P (the masqueraded source port, usually k6's own) ties the two: the host
// hop's reply destination is the node hop's original source. Pure: events go
// in in the order each reader saw them, joined connections come out.
import type { TrackedConnection } from "../verdict/attribution.ts";

export interface Tuple {
  src: string;
  dst: string;
  sport: number;
  dport: number;
}

/** A NEW event: when it was read, the original direction and the reply direction (after NAT). */
export interface ConntrackTuples {
  t: number;
  orig: Tuple;
  reply: Tuple;
}

/** How long an unmatched hop is kept (a hop whose other half never comes: another client's, or a lost event). */
const KEEP_MS = 30_000;

interface Pending {
  t: number;
  value: TrackedConnection | string;
}

export class TwoHopJoin {
  /** Host hops waiting for their node hop, by the address:port the node sees them from. */
  readonly #hosts = new Map<string, Pending[]>();
  /** Node hops (pod address) waiting for their host hop, by source address:port. */
  readonly #nodes = new Map<string, Pending[]>();

  constructor(private readonly sourcePrefix = "127.1.") {}

  /**
   * A host-side NEW event; returns the joined connection when its node hop
   * was already seen and it is k6's. Other clients' connections (the
   * readiness probe's, a browser's) are joined too, and dropped: left
   * waiting, their node hop would be taken by a later k6 connection that the
   * masquerade gave the same port.
   */
  host(e: ConntrackTuples): TrackedConnection | null {
    const c: TrackedConnection = { t: e.t, src: e.orig.src, sport: e.orig.sport, podIp: "" };
    const key = `${e.reply.dst}:${e.reply.dport}`;
    const node = this.#take(this.#nodes, key, e.t);
    if (node === undefined) {
      this.#put(this.#hosts, key, { t: e.t, value: c });
      return null;
    }
    return this.#ours({ ...c, podIp: node as string });
  }

  /** A NEW event in the node's namespace; returns the joined connection when its host hop was already seen and it is k6's. */
  node(e: ConntrackTuples): TrackedConnection | null {
    const key = `${e.orig.src}:${e.orig.sport}`;
    const host = this.#take(this.#hosts, key, e.t);
    if (host === undefined) {
      this.#put(this.#nodes, key, { t: e.t, value: e.reply.src });
      return null;
    }
    return this.#ours({ ...(host as TrackedConnection), podIp: e.reply.src });
  }

  #ours(c: TrackedConnection): TrackedConnection | null {
    return c.src.startsWith(this.sourcePrefix) ? c : null;
  }

  /** The oldest waiting hop for `key` not older than KEEP_MS before `now` (ports are reused later). */
  #take(m: Map<string, Pending[]>, key: string, now: number): TrackedConnection | string | undefined {
    const list = m.get(key);
    if (!list) return undefined;
    while (list.length && list[0]!.t < now - KEEP_MS) list.shift();
    const first = list.shift();
    if (list.length === 0) m.delete(key);
    return first?.value;
  }

  #put(m: Map<string, Pending[]>, key: string, p: Pending): void {
    const list = m.get(key);
    if (list) list.push(p);
    else m.set(key, [p]);
    if (m.size > 50_000) this.#prune(m, p.t);
  }

  #prune(m: Map<string, Pending[]>, now: number): void {
    for (const [k, list] of m) {
      while (list.length && list[0]!.t < now - KEEP_MS) list.shift();
      if (list.length === 0) m.delete(k);
    }
  }
}
