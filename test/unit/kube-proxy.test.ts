import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EventLog } from "../../harness/observe/events.ts";
import { parseProxyMetrics, watchKubeProxy } from "../../harness/observe/kube-proxy.ts";
import { outageCause, podExits } from "../../harness/verdict/outage-causes.ts";
import { removalToProgrammed } from "../../harness/verdict/proxy-lag.ts";
import { proxyLagText } from "../../reports/lag-text.ts";
import type { RunEvent } from "../../harness/verdict/types.ts";

// As kube-proxy v1.3x serves it (trimmed).
const METRICS = (lastSync: number, sum: number, count: number) => `# HELP kubeproxy_sync_proxy_rules_last_timestamp_seconds [ALPHA] The last time proxy rules were successfully synced
# TYPE kubeproxy_sync_proxy_rules_last_timestamp_seconds gauge
kubeproxy_sync_proxy_rules_last_timestamp_seconds{ip_family="IPv4"} ${lastSync}
kubeproxy_sync_proxy_rules_last_timestamp_seconds{ip_family="IPv6"} 1.7961322098041966e+09
kubeproxy_network_programming_duration_seconds_bucket{ip_family="IPv4",le="0.25"} 1
kubeproxy_network_programming_duration_seconds_sum{ip_family="IPv4"} ${sum}
kubeproxy_network_programming_duration_seconds_count{ip_family="IPv4"} ${count}
`;

describe("kube-proxy metrics", () => {
  it("reads the IPv4 last sync time (ms) and the programming histogram's sum and count", () => {
    expect(parseProxyMetrics(METRICS(1.7961322139040568e9, 7.5, 2))).toEqual({ lastSyncMs: 1796132213904, programming: { sum: 7.5, count: 2 } });
    expect(parseProxyMetrics("# nothing\n")).toEqual({ lastSyncMs: null, programming: null });
  });

  /** Polls the given scrapes in order (the last one repeated) until each was served, then stops; returns the events. */
  async function watchScrapes(bodies: string[]): Promise<{ events: EventLog; stopAgain: () => Promise<void> }> {
    const events = new EventLog(join(mkdtempSync(join(tmpdir(), "nodrop-kp-")), "events.ndjson"));
    let i = 0;
    let served: () => void = () => {};
    const all = new Promise<void>((r) => (served = r));
    const w = watchKubeProxy(["http://127.0.0.1:10249/metrics"], events, {
      intervalMs: 1,
      fetcher: async () => {
        if (i >= bodies.length - 1) served();
        return bodies[Math.min(i++, bodies.length - 1)]!;
      },
    });
    await all;
    await w.stop();
    return { events, stopAgain: () => w.stop() };
  }

  it("records each new sync with kube-proxy's time, and the histogram's difference over the run at stop", async () => {
    // Scrapes: the sync before the run (not an event), then two new syncs, then the same again.
    const { events, stopAgain } = await watchScrapes([METRICS(1000, 1, 2), METRICS(1000, 1, 2), METRICS(1001.25, 1.3, 3), METRICS(1002.5, 2.1, 5), METRICS(1002.5, 2.1, 5)]);
    await stopAgain(); // idempotent
    const kinds = events.events.map((e) => [e.kind, e["syncedAt"] ?? e["meanMs"]]);
    expect(kinds).toEqual([
      ["kube-proxy-sync", 1001250],
      ["kube-proxy-sync", 1002500],
      ["kube-proxy-programming", 367],
    ]);
    expect(events.events.at(-1)).toMatchObject({ count: 3 });
    expect(readFileSync(events.file, "utf8").trim().split("\n")).toHaveLength(3);
  });

  it("counts the histogram from zero when it was not exposed yet at the start (a fresh cluster)", async () => {
    const fresh = `kubeproxy_sync_proxy_rules_last_timestamp_seconds{ip_family="IPv4"} 1000\n`;
    const { events } = await watchScrapes([fresh, METRICS(1001, 0.9, 3)]);
    expect(events.events.at(-1)).toMatchObject({ kind: "kube-proxy-programming", count: 3, meanMs: 300 });
  });

  it("records an unreachable endpoint once and goes on", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nodrop-kp-"));
    const events = new EventLog(join(dir, "events.ndjson"));
    let calls = 0;
    const w = watchKubeProxy(["http://127.0.0.1:1/metrics"], events, {
      intervalMs: 1,
      fetcher: async () => {
        calls++;
        throw new Error("connect ECONNREFUSED 127.0.0.1:1");
      },
    });
    while (calls < 5) await new Promise((r) => setTimeout(r, 2));
    await w.stop();
    expect(events.events.map((e) => e.kind)).toEqual(["kube-proxy-metrics-unreachable"]);
  });
});

const T = 1_700_000_000_000;
const slice = (t: number, pods: string[]): RunEvent => ({ t: T + t, kind: "endpoints", slice: "s", endpoints: pods.map((pod) => ({ pod, ready: true })) });
const del = (t: number, pod: string): RunEvent => ({ t: T + t, kind: "pod", pod, phase: "Running", terminating: true });
const sync = (syncedAt: number, node = 0): RunEvent => ({ t: T + syncedAt + 20, kind: "kube-proxy-sync", node, syncedAt: T + syncedAt });

describe("endpoint out of service → kube-proxy synced", () => {
  // a: deleted 0, removed 300, synced 250 (before: not it) and 1000. b: deleted 2000, removed 2100, synced 2150.
  const events: RunEvent[] = [slice(-1000, ["a", "b", "c"]), del(0, "a"), sync(250), slice(300, ["b", "c"]), sync(1000), del(2000, "b"), slice(2100, ["c"]), sync(2150)];

  it("is the end of the first sync at or after the removal", () => {
    const exits = podExits(events);
    expect(exits.map((e) => [e.pod, e.programmedAt! - T])).toEqual([
      ["a", 1000],
      ["b", 2150],
    ]);
    const lag = removalToProgrammed(exits, [...events, { t: T + 3000, kind: "kube-proxy-programming", node: 0, count: 4, meanMs: 400 }])!;
    expect(lag.pods).toEqual([
      { pod: "a", ms: 700 },
      { pod: "b", ms: 50 },
    ]);
    expect([lag.minMs, lag.medianMs, lag.maxMs]).toEqual([50, 375, 700]);
    expect(proxyLagText(lag)).toBe("median 0.38 s, min 0.05 s, max 0.70 s over 2 pods (kube-proxy's own mean: 0.40 s over 4 changes)");
  });

  it("with two nodes, waits for the slower one; a node that never synced after it leaves it unknown", () => {
    const two = [...events, sync(400, 1), sync(2120, 1)];
    expect(podExits(two).map((e) => [e.pod, e.programmedAt! - T])).toEqual([
      ["a", 1000],
      ["b", 2150],
    ]);
    const late = [...events, sync(400, 1)];
    expect(podExits(late).map((e) => e.programmedAt === null)).toEqual([false, true]);
  });

  it("counts from the endpoint going not ready when that comes first: kube-proxy stops routing to it then", () => {
    const term: RunEvent = { t: T + 40, kind: "endpoints", slice: "s", endpoints: [{ pod: "a", ready: false, terminating: true }, { pod: "b", ready: true }, { pod: "c", ready: true }] };
    const ev = [slice(-1000, ["a", "b", "c"]), del(0, "a"), term, sync(60), slice(300, ["b", "c"]), sync(1060)];
    const [a] = podExits(ev);
    expect(a!.programmedAt! - T).toBe(60);
    expect(removalToProgrammed([a!], ev)!.pods).toEqual([{ pod: "a", ms: 20 }]);
  });

  it("is null when kube-proxy was not observed", () => {
    const plain = events.filter((e) => e.kind !== "kube-proxy-sync");
    expect(podExits(plain).every((e) => e.programmedAt === null)).toBe(true);
    expect(removalToProgrammed(podExits(plain), plain)).toBeNull();
    expect(proxyLagText(null)).toBe("–");
  });

  it("puts kube-proxy's sync into the explanation of an outage", () => {
    const outage = { start: T + 150, end: T + 900, durationMs: 750, failed: 20, requests: 80, histogram: { "0": 20 }, errorsByCode: [] };
    const c = outageCause(outage, podExits(events), events, T);
    expect(c.rule).toBe("stopped-before-traffic");
    expect(c.text).toContain("kube-proxy synced +1.00 s");
    expect(c.text).toContain("kube-proxy's rules without the pod (up to 1.00 s here)");
  });
});
