// Versions from connections (issue 24): which pod answered a request that
// named no version, from conntrack's NEW events and k6's per-VU addresses.
import { describe, expect, it } from "vitest";
import { attributeSamples, ConnectionAttributor, type TrackedConnection } from "../../harness/verdict/attribution.ts";
import { conntrackArgv, parseConntrackEvent, parseConntrackTuples } from "../../harness/observe/conntrack.ts";
import { TwoHopJoin } from "../../harness/observe/conntrack-join.ts";
import { LOAD_SOURCE_RANGE, ownSourceAddressOfVu, sourceAddressOfVu } from "../../harness/load/sources.ts";
import type { RunEvent, Sample } from "../../harness/verdict/types.ts";

const addr = (u: number) => `127.1.0.${u}`;
const conn = (t: number, u: number, podIp: string): TrackedConnection => ({ t, src: addr(u), sport: 40000 + t, podIp });
const pod = (t: number, name: string, ip: string, version: string): RunEvent => ({ t, kind: "pod", pod: name, ip, version });
const sample = (t: number, u: number, c: "new" | "reuse", extra: Partial<Sample> = {}): Sample => ({ t, d: 10, s: 200, e: 0, v: "", p: "", ph: "deploy", c, u, ...extra });

describe("sourceAddressOfVu (k6 --local-ips: VU n gets index n-1 of the pool, wrapping)", () => {
  it("ownSourceAddressOfVu: none past the pool, where VUs share addresses", () => {
    expect(ownSourceAddressOfVu(1022)).toBe("127.1.3.254");
    expect(ownSourceAddressOfVu(1023)).toBeUndefined();
  });
  it("maps VUs onto the range across octets and wraps at its size", () => {
    expect(LOAD_SOURCE_RANGE).toBe("127.1.0.1-127.1.3.254");
    expect(sourceAddressOfVu(1)).toBe("127.1.0.1");
    expect(sourceAddressOfVu(255)).toBe("127.1.0.255");
    expect(sourceAddressOfVu(256)).toBe("127.1.1.0");
    expect(sourceAddressOfVu(1022)).toBe("127.1.3.254");
    expect(sourceAddressOfVu(1023)).toBe("127.1.0.1");
  });
});

describe("parseConntrackEvent", () => {
  it("reads the time, k6's address and port, and the pod address of a NEW event", () => {
    const line = "[1733560000.123456]\t    [NEW] tcp      6 120 SYN_SENT src=127.1.0.5 dst=127.0.0.1 sport=40312 dport=30080 [UNREPLIED] src=10.88.0.7 dst=10.88.0.1 sport=8080 dport=40312";
    expect(parseConntrackEvent(line)).toEqual({ t: 1733560000123.456, src: "127.1.0.5", sport: 40312, podIp: "10.88.0.7" });
  });
  it("ignores other sources, other events and noise", () => {
    expect(parseConntrackEvent("[1733560000.1]\t [NEW] tcp 6 120 SYN_SENT src=127.0.0.2 dst=127.0.0.1 sport=1 dport=30080 [UNREPLIED] src=10.88.0.7 dst=10.88.0.1 sport=8080 dport=1")).toBeNull();
    expect(parseConntrackEvent("[1733560000.1]\t [DESTROY] tcp 6 src=127.1.0.5 dst=127.0.0.1 sport=1 dport=30080 src=10.88.0.7 dst=10.88.0.1 sport=8080 dport=1")).toBeNull();
    expect(parseConntrackEvent("conntrack v1.4.7 (conntrack-tools): 3 flow events have been shown.")).toBeNull();
  });
  it("asks for NEW TCP events to the port, with timestamps", () => {
    expect(conntrackArgv(30080)).toEqual(["conntrack", "-E", "-e", "NEW", "-p", "tcp", "--orig-port-dst", "30080", "-o", "timestamp"]);
  });
});

describe("two hops (kind): this machine's conntrack joined with the node's by the port the node sees", () => {
  // k6 at 127.1.0.5:40312 → 127.0.0.1:30080, DNATed to the node 10.89.0.2 and masqueraded to the bridge's 10.89.0.1:40312.
  const host = (t: string, sport: number, masq: number) =>
    parseConntrackTuples(`[${t}]\t [NEW] tcp 6 120 SYN_SENT src=127.1.0.5 dst=127.0.0.1 sport=${sport} dport=30080 [UNREPLIED] src=10.89.0.2 dst=10.89.0.1 sport=30080 dport=${masq}`)!;
  const node = (t: string, masq: number, pod: string) =>
    parseConntrackTuples(`[${t}]\t [NEW] tcp 6 120 SYN_SENT src=10.89.0.1 dst=10.89.0.2 sport=${masq} dport=30080 [UNREPLIED] src=${pod} dst=10.89.0.2 sport=8080 dport=${masq}`)!;

  it("joins in either order, with k6's address and port, the host's time and the pod's address", () => {
    const j = new TwoHopJoin();
    expect(j.host(host("1733560000.100", 40312, 40312))).toBeNull();
    expect(j.node(node("1733560000.102", 40312, "10.244.1.7"))).toEqual({ t: 1733560000100, src: "127.1.0.5", sport: 40312, podIp: "10.244.1.7" });
    expect(j.node(node("1733560001.000", 40400, "10.244.2.3"))).toBeNull();
    expect(j.host(host("1733560001.001", 40400, 40400))).toEqual({ t: 1733560001001, src: "127.1.0.5", sport: 40400, podIp: "10.244.2.3" });
  });

  it("follows a source port the masquerade changed (two VUs on the same port), and never joins a port's earlier use", () => {
    const j = new TwoHopJoin();
    j.host(host("1733560000.000", 40312, 1024));
    expect(j.node(node("1733560000.001", 40312, "10.244.1.9"))).toBeNull();
    expect(j.node(node("1733560000.002", 1024, "10.244.1.7"))).toMatchObject({ sport: 40312, podIp: "10.244.1.7" });
    // The unmatched node hop on 40312 is 40 s old when the port is used again: not this connection's.
    expect(j.host(host("1733560040.000", 40312, 40312))).toBeNull();
    expect(j.node(node("1733560040.001", 40312, "10.244.2.2"))).toMatchObject({ podIp: "10.244.2.2" });
  });

  it("leaves out connections that are not k6's, and their node hop is not left for a later k6 connection on the same port", () => {
    const j = new TwoHopJoin();
    const probe = parseConntrackTuples("[1733560000.1]\t [NEW] tcp 6 120 SYN_SENT src=127.0.0.2 dst=127.0.0.1 sport=40312 dport=30080 [UNREPLIED] src=10.89.0.2 dst=10.89.0.1 sport=30080 dport=40312")!;
    expect(j.node(node("1733560000.099", 40312, "10.244.9.9"))).toBeNull();
    expect(j.host(probe)).toBeNull();
    expect(j.host(host("1733560005.000", 40312, 40312))).toBeNull();
    expect(j.node(node("1733560005.001", 40312, "10.244.1.7"))).toMatchObject({ podIp: "10.244.1.7" });
  });
});

describe("ConnectionAttributor", () => {
  const pods = [pod(0, "a-1", "10.0.0.1", "v1"), pod(0, "a-2", "10.0.0.2", "v1"), pod(5000, "b-1", "10.0.0.3", "v2")];

  it("a new-connection request is the first connection its VU opened at or after its send time", () => {
    const samples = [sample(1000, 1, "new"), sample(1020, 1, "new"), sample(6000, 1, "new")];
    const stats = attributeSamples(samples, [conn(1000.4, 1, "10.0.0.1"), conn(1021, 1, "10.0.0.2"), conn(6001, 1, "10.0.0.3")], pods, addr);
    expect(samples.map((s) => `${s.v}/${s.p}`)).toEqual(["v1/a-1", "v1/a-2", "v2/b-1"]);
    expect(stats).toEqual({ method: "conntrack", byHeader: 0, byConnection: 3, unattributed: 0 });
  });

  it("a keep-alive request rode its VU's last connection opened before it ended (a fresh one when the old closed)", () => {
    const samples = [sample(1000, 2, "reuse"), sample(3000, 2, "reuse"), sample(7000, 2, "reuse")];
    attributeSamples(samples, [conn(999, 2, "10.0.0.2"), conn(7003, 2, "10.0.0.3")], pods, addr);
    expect(samples.map((s) => s.v)).toEqual(["v1", "v1", "v2"]);
  });

  it("a new-connection request with no connection before the VU's next request stays unattributed", () => {
    const samples = [sample(1000, 3, "new"), sample(1050, 3, "new")];
    const stats = attributeSamples(samples, [conn(900, 3, "10.0.0.1"), conn(1060, 3, "10.0.0.2")], pods, addr);
    expect(samples.map((s) => s.p)).toEqual(["", "a-2"]);
    expect(stats.unattributed).toBe(1);
  });

  it("a connection whose event came after the request ended still counts (measured: 38 ms after the send, d 21 ms; a refused one has d 0)", () => {
    const samples = [sample(1000, 7, "new", { d: 21.5 }), sample(2000, 7, "new", { d: 0, s: 0, e: 1212 }), sample(3300, 7, "new")];
    attributeSamples(samples, [conn(1038.3, 7, "10.0.0.2"), conn(2005.2, 7, "10.0.0.1"), conn(3301, 7, "10.0.0.3")], pods, addr);
    expect(samples.map((s) => s.p)).toEqual(["a-2", "a-1", "b-1"]);
  });

  it("a keep-alive request whose fresh connection's event came late still gets it, not the old one", () => {
    const samples = [sample(1000, 8, "reuse"), sample(2000, 8, "reuse", { d: 5 }), sample(3000, 8, "reuse")];
    attributeSamples(samples, [conn(900, 8, "10.0.0.1"), conn(2060, 8, "10.0.0.3")], pods, addr);
    expect(samples.map((s) => s.p)).toEqual(["a-1", "b-1", "b-1"]);
  });

  it("a VU with no address of its own (more VUs than addresses) is not attributed", () => {
    const samples = [sample(1000, 9, "new")];
    const stats = attributeSamples(samples, [conn(1001, 9, "10.0.0.1")], pods, (u) => (u === 9 ? undefined : addr(u)));
    expect(samples[0]!.v).toBe("");
    expect(stats.unattributed).toBe(1);
  });

  it("an address reused by a later pod names the pod that had it then", () => {
    const events = [pod(0, "old", "10.0.0.9", "v1"), pod(10_000, "new", "10.0.0.9", "v2")];
    const samples = [sample(2000, 4, "new"), sample(12_000, 4, "new")];
    attributeSamples(samples, [conn(2001, 4, "10.0.0.9"), conn(12_001, 4, "10.0.0.9")], events, addr);
    expect(samples.map((s) => s.p)).toEqual(["old", "new"]);
  });

  it("leaves a sample that named its version alone, and counts it as by header; a failed one is attributed too", () => {
    const samples = [sample(1000, 1, "new", { v: "v9", p: "x" }), sample(1000, 5, "new", { s: 0, e: 1212 })];
    const stats = attributeSamples(samples, [conn(1001, 1, "10.0.0.1"), conn(1001, 5, "10.0.0.3")], [...pods, pod(0, "b-0", "10.0.0.3", "v2")], addr);
    expect(samples.map((s) => s.v)).toEqual(["v9", "v2"]);
    expect(stats).toEqual({ method: "conntrack", byHeader: 1, byConnection: 1, unattributed: 0 });
  });

  it("keeps a VU's connections in time order when an event comes late", () => {
    const a = new ConnectionAttributor(addr);
    a.addConnection(conn(2000, 6, "10.0.0.2"));
    a.addConnection(conn(1000, 6, "10.0.0.1"));
    expect(a.connectionOf(sample(1000, 6, "new"))?.podIp).toBe("10.0.0.1");
    expect(a.connectionOf(sample(1999, 6, "new"))?.podIp).toBe("10.0.0.2");
    // Live (next request unknown): a keep-alive request takes the last connection up to its end + 100 ms.
    expect(a.connectionOf(sample(1900, 6, "reuse"))?.podIp).toBe("10.0.0.2");
    expect(a.connectionOf(sample(1800, 6, "reuse"))?.podIp).toBe("10.0.0.1");
  });
});

describe("checkAttribution (accuracy against the app's own headers)", () => {
  it("counts agreement on version and pod, and leaves the samples as they were", async () => {
    const { checkAttribution } = await import("../../harness/verdict/attribution.ts");
    const pods = [pod(0, "a-1", "10.0.0.1", "v1"), pod(0, "b-1", "10.0.0.3", "v2")];
    const samples = [
      sample(1000, 1, "new", { v: "v1", p: "a-1" }), // right
      sample(2000, 1, "new", { v: "v1", p: "a-1" }), // traced to b-1: wrong
      sample(3000, 1, "new", { v: "v2", p: "b-1" }), // no connection: not attributed
      sample(4000, 1, "new", { s: 0, e: 1212 }), // a connection error: not compared
    ];
    const c = checkAttribution(samples, [conn(1001, 1, "10.0.0.1"), conn(2001, 1, "10.0.0.3"), conn(4001, 1, "10.0.0.3")], pods, addr);
    expect(c).toEqual({ compared: 3, attributed: 2, sameVersion: 1, samePod: 1, withPodHeader: 2 });
    expect(samples[0]).toMatchObject({ v: "v1", p: "a-1" });
  });
});
