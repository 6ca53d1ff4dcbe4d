// What a node drain did (scenario=drain), from events.ndjson and the samples:
// per drained node, its evictions, the disruption budget's refusals, and the
// requests sent while it was being drained; and the fewest pods that were
// ready during the drain windows — the reason a drain did or did not drop
// requests. Pure: fixture-tested.
import { isFailed } from "./counting.ts";
import type { RunEvent, Sample } from "./types.ts";

export interface NodeDrainRow {
  /** The window, e.g. "drain-1". */
  label: string;
  node: string;
  cordonAt: number;
  /** When its last evicted pod was gone; null if the drain did not finish. */
  drainedAt: number | null;
  uncordonAt: number | null;
  evictions: { pod: string; at: number }[];
  /** 429 answers of the Eviction API (the PodDisruptionBudget said no). */
  refusals: number;
  /** Requests sent from the cordon until the next node's cordon (or the window's end). */
  requests: number;
  failed: number;
}

export interface DrainSummary {
  nodes: NodeDrainRow[];
  /** The fewest pods ready (and not terminating) at any time in the drain windows; null without pod events. */
  minReadyPods: number | null;
  /** When minReadyPods was first reached. */
  minReadyAt: number | null;
}

/** Pods ready and not terminating over time, from the pod watch events. */
function readyCounts(events: readonly RunEvent[]): { t: number; n: number }[] {
  const ready = new Map<string, boolean>();
  const out: { t: number; n: number }[] = [];
  for (const e of events) {
    if (e.kind !== "pod" || typeof e["pod"] !== "string") continue;
    const pod = e["pod"];
    if (e["type"] === "DELETED") ready.delete(pod);
    else ready.set(pod, e["ready"] === true && e["terminating"] !== true);
    out.push({ t: e.t, n: [...ready.values()].filter(Boolean).length });
  }
  return out;
}

export function drainSummary(events: readonly RunEvent[], samples: readonly Sample[]): DrainSummary | null {
  const sorted = [...events].sort((a, b) => a.t - b.t);
  const rows: NodeDrainRow[] = [];
  const windows: { start: number; end: number }[] = [];
  let openWindow: number | null = null;
  for (const e of sorted) {
    const label = String(e.label ?? "");
    if (e.kind === "window-start" && label.startsWith("drain-")) openWindow = e.t;
    if (e.kind === "window-end" && label.startsWith("drain-") && openWindow !== null) {
      windows.push({ start: openWindow, end: e.t });
      openWindow = null;
    }
    const node = String(e["node"] ?? "");
    const row = () => [...rows].reverse().find((r) => r.node === node && r.label === label);
    if (e.kind === "cordon") rows.push({ label, node, cordonAt: e.t, drainedAt: null, uncordonAt: null, evictions: [], refusals: 0, requests: 0, failed: 0 });
    else if (e.kind === "eviction") row()?.evictions.push({ pod: String(e["pod"]), at: e.t });
    else if (e.kind === "eviction-refused") {
      const r = row();
      if (r) r.refusals++;
    } else if (e.kind === "node-drained") {
      const r = row();
      if (r) r.drainedAt = e.t;
    } else if (e.kind === "uncordon") {
      const r = row();
      if (r) r.uncordonAt = e.t;
    }
  }
  if (rows.length === 0) return null;
  if (openWindow !== null) windows.push({ start: openWindow, end: Infinity });

  // Requests per node: from its cordon to the next cordon in the same window, or the window's end.
  rows.forEach((r, i) => {
    const next = rows[i + 1];
    const win = windows.find((w) => r.cordonAt >= w.start && r.cordonAt <= w.end);
    const end = next && next.label === r.label ? next.cordonAt : (win?.end ?? Infinity);
    for (const s of samples) {
      if (s.t < r.cordonAt || s.t >= end) continue;
      r.requests++;
      if (isFailed(s)) r.failed++;
    }
  });

  let minReadyPods: number | null = null;
  let minReadyAt: number | null = null;
  const counts = readyCounts(sorted);
  for (const w of windows) {
    // The count as the window opened, then every change inside it.
    const atStart = [...counts].reverse().find((c) => c.t <= w.start);
    const inside = counts.filter((c) => c.t > w.start && c.t <= w.end);
    for (const c of [...(atStart ? [{ t: w.start, n: atStart.n }] : []), ...inside]) {
      if (minReadyPods === null || c.n < minReadyPods) {
        minReadyPods = c.n;
        minReadyAt = c.t;
      }
    }
  }
  return { nodes: rows, minReadyPods, minReadyAt };
}

/**
 * One sentence on why the drains dropped requests or did not, in terms of
 * the disruption budget and the ready pods.
 */
export function explainDrain(d: DrainSummary, pdb: boolean): string {
  const failed = d.nodes.reduce((a, r) => a + r.failed, 0);
  const refusals = d.nodes.reduce((a, r) => a + r.refusals, 0);
  const ready = d.minReadyPods === null ? "the pods' readiness was not observed" : `the fewest ready pods at any time was ${d.minReadyPods}`;
  if (failed > 0) {
    if (d.minReadyPods === 0) {
      return pdb
        ? `${failed} request(s) failed and ${ready}: the disruption budget (${refusals} refusal(s)) did not keep a ready pod — check its minAvailable against replicas and the pods' readiness`
        : `${failed} request(s) failed: with no disruption budget every pod on a drained node was evicted at once, and ${ready} — no pod was left to serve while the replacements started; a PodDisruptionBudget (pdb=true) makes the evictions wait for them`;
    }
    return `${failed} request(s) failed although ${ready}: the dropped requests came from pods that stopped while still receiving traffic (a preStop sleep at least as long as the endpoint propagation covers that), not from a lack of ready pods`;
  }
  return pdb
    ? `no request failed: the disruption budget refused ${refusals} eviction(s) until replacements were ready, and ${ready}`
    : `no request failed although no disruption budget held the evictions back: ${ready}, so a ready pod was always there to serve (more replicas than one node's share, or replacements ready before the next node's drain)`;
}
