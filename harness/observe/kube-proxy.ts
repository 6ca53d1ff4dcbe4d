// kube-proxy's own account of when it programmed the node: its metrics
// endpoint, polled during the run. Each new value of
// kubeproxy_sync_proxy_rules_last_timestamp_seconds (set when a sync of the
// iptables rules has finished) becomes a "kube-proxy-sync" event with that
// time; the network-programming histogram (EndpointSlice change → rules
// programmed, as kube-proxy measures it) is read at the start and at the end,
// and its difference recorded as "kube-proxy-programming".
import type { EventLog } from "./events.ts";

export interface ProxyMetrics {
  /** Epoch ms of the last finished sync (IPv4), or null if absent. */
  lastSyncMs: number | null;
  /** kubeproxy_network_programming_duration_seconds (IPv4): sum (s) and count. */
  programming: { sum: number; count: number } | null;
}

/** Reads the figures above out of a Prometheus text exposition. */
export function parseProxyMetrics(text: string): ProxyMetrics {
  const value = (name: string): number | null => {
    const re = new RegExp(`^${name}(?:\\{([^}]*)\\})? (\\S+)$`, "gm");
    for (let m = re.exec(text); m; m = re.exec(text)) {
      if (m[1] && /ip_family="IPv6"/.test(m[1])) continue;
      const n = Number(m[2]);
      if (Number.isFinite(n)) return n;
    }
    return null;
  };
  const last = value("kubeproxy_sync_proxy_rules_last_timestamp_seconds");
  const sum = value("kubeproxy_network_programming_duration_seconds_sum");
  const count = value("kubeproxy_network_programming_duration_seconds_count");
  return {
    lastSyncMs: last === null ? null : Math.round(last * 1000),
    programming: sum === null || count === null ? null : { sum, count },
  };
}

export type Fetcher = (url: string) => Promise<string>;

const fetchText: Fetcher = async (url) => {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return res.text();
};

export interface ProxyWatch {
  stop(): Promise<void>;
}

/**
 * Polls each kube-proxy (one URL per node, all on this machine) every
 * `intervalMs` until stop(). Unreachable metrics are recorded once per node
 * and the run goes on: the figures are then simply missing from the report.
 */
export function watchKubeProxy(urls: readonly string[], events: EventLog, opts: { intervalMs?: number; fetcher?: Fetcher } = {}): ProxyWatch {
  const get = opts.fetcher ?? fetchText;
  const last = new Map<string, number | null>();
  const first = new Map<string, ProxyMetrics["programming"]>();
  const failed = new Set<string>();
  let stopped = false;

  const poll = async (url: string, node: number): Promise<ProxyMetrics | null> => {
    try {
      const m = parseProxyMetrics(await get(url));
      // A histogram with no observation yet is not exposed at all (a fresh cluster): it starts at zero.
      if (!first.has(url)) first.set(url, m.programming ?? { sum: 0, count: 0 });
      if (m.lastSyncMs !== null && last.has(url) && m.lastSyncMs !== last.get(url)) events.record("kube-proxy-sync", { node, syncedAt: m.lastSyncMs });
      last.set(url, m.lastSyncMs);
      return m;
    } catch (e) {
      if (!failed.has(url)) events.record("kube-proxy-metrics-unreachable", { node, url, message: (e as Error).message });
      failed.add(url);
      return null;
    }
  };
  const loop = (async () => {
    while (!stopped) {
      await Promise.all(urls.map((u, i) => poll(u, i)));
      await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100));
    }
  })();
  let stopping: Promise<void> | undefined;
  const stop = async () => {
    stopped = true;
    await loop;
    await Promise.all(
      urls.map(async (u, node) => {
        const end = await poll(u, node);
        const start = first.get(u);
        if (!end?.programming || !start) return;
        const count = end.programming.count - start.count;
        const sum = end.programming.sum - start.sum;
        events.record("kube-proxy-programming", { node, count, meanMs: count > 0 ? Math.round((sum / count) * 1000) : null });
      }),
    );
  };
  // Idempotent: the run stops it before judging, the cleanup again on every path.
  return { stop: () => (stopping ??= stop()) };
}
