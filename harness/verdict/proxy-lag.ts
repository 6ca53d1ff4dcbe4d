// kube-proxy's share of the propagation lag: from the moment the harness saw a
// deleted pod's endpoint leave service in its EndpointSlice (not ready or
// terminating, or removed) to the end of the first kube-proxy sync after it
// (PodExit.programmedAt, from the syncs that observe/kube-proxy.ts records out
// of kube-proxy's own metrics; all on this machine's clock). kube-proxy syncs
// at most once per minSyncPeriod (1 s by default), so a change that comes
// just after a sync waits up to that long. kube-proxy's own histogram of network programming (change trigger
// time → rules programmed) is reported beside it, as a cross-check.
import { leftServiceAt, type PodExit } from "./outage-causes.ts";
import { spread } from "./spread.ts";
import type { ProxyLag } from "./records.ts";
import type { RunEvent } from "./types.ts";

export function removalToProgrammed(exits: readonly PodExit[], events: readonly RunEvent[]): ProxyLag | null {
  let count = 0;
  let weighted = 0;
  let programmed = false;
  for (const e of events) {
    if (e.kind !== "kube-proxy-programming" || typeof e["count"] !== "number") continue;
    programmed = true;
    count += e["count"];
    if (typeof e["meanMs"] === "number") weighted += e["meanMs"] * e["count"];
  }
  const pods = exits
    .filter((x) => leftServiceAt(x) !== null && x.programmedAt !== null)
    .map((x) => ({ pod: x.pod, ms: x.programmedAt! - leftServiceAt(x)! }))
    .sort((a, b) => a.pod.localeCompare(b.pod));
  const s = spread(pods.map((p) => p.ms));
  if (!s && !programmed) return null;
  return {
    pods,
    minMs: s?.min ?? NaN,
    medianMs: s?.median ?? NaN,
    maxMs: s?.max ?? NaN,
    programming: programmed ? { count, meanMs: count > 0 ? Math.round(weighted / count) : null } : null,
  };
}
