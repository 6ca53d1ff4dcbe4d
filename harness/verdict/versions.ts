// Per app version: what each version answered, and how a version is named in text.
import { isFailed } from "./counting.ts";
import { inc } from "./format.ts";
import type { Sample, VersionStats } from "./types.ts";

/** Label used in text for a version: "" (no header) becomes "(no version)". */
export const versionLabel = (v: string): string => (v === "" ? "(no version)" : v);

/** Per app version ("" = no X-App-Version header), ordered by first appearance, "" last. */
export function versions(samples: readonly Sample[]): VersionStats[] {
  const m = new Map<string, VersionStats>();
  for (const s of samples) {
    let v = m.get(s.v);
    if (!v) {
      v = { version: s.v, requests: 0, ok: 0, failed: 0, histogram: {}, first: s.t, last: s.t };
      m.set(s.v, v);
    }
    v.requests++;
    if (isFailed(s)) v.failed++;
    else v.ok++;
    inc(v.histogram, String(s.s));
    if (s.t < v.first) v.first = s.t;
    if (s.t > v.last) v.last = s.t;
  }
  return [...m.values()].sort((a, b) => Number(a.version === "") - Number(b.version === "") || a.first - b.first);
}
