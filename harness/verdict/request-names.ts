// Per request of a mixed load (nodrop-app.yaml `requests:`; each sample
// names its request in `q`): which of them failed, and how. Empty when the
// load sends one request only (no sample has a name).
import { isFailed } from "./counting.ts";
import { inc } from "./format.ts";
import type { RequestNameStats } from "./records.ts";
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
