// Per request of a mixed load (nodrop-app.yaml `requests:`; each sample
// names its request in `q`): which of them failed, and how. Empty when the
// load sends one request only (no sample has a name).
import { isFailed } from "./counting.ts";
import { inc } from "./format.ts";
import type { Histogram, RequestNameStats } from "./records.ts";
import type { Sample } from "./types.ts";

export function byRequestName(samples: readonly Sample[]): RequestNameStats[] {
  const m = new Map<string, RequestNameStats>();
  for (const s of samples) {
    if (s.q === undefined) continue;
    let r = m.get(s.q);
    if (!r) m.set(s.q, (r = { name: s.q, requests: 0, ok: 0, failed: 0, histogram: {}, firstFailure: null }));
    r.requests++;
    inc(r.histogram, String(s.s));
    if (isFailed(s)) {
      r.failed++;
      if (r.firstFailure === null || s.t < r.firstFailure) r.firstFailure = s.t;
    } else r.ok++;
  }
  return [...m.values()].sort((a, b) => b.requests - a.requests || a.name.localeCompare(b.name));
}

export const REQUEST_NAME_HEADER = ["request", "sent", "ok", "failed", "statuses", "first failure"];

/** Rows for REQUEST_NAME_HEADER; `off` formats a send time, `hist` a histogram. */
export function requestNameRows(list: readonly RequestNameStats[], off: (t: number) => string, hist: (h: Histogram) => string): (string | number)[][] {
  return list.map((r) => [r.name, r.requests, r.ok, r.failed, hist(r.histogram), r.firstFailure === null ? "–" : off(r.firstFailure)]);
}
