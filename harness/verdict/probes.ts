// The scenario sends two probes: a fresh connection per request ("new") and
// keep-alive ("reuse"). They fail differently during a deploy (refused
// connects vs. resets on a kept connection), so they are counted apart.
import { errorsByCode, histogram, isFailed } from "./counting.ts";
import type { ProbeKind, ProbeStats, Sample } from "./types.ts";

const ORDER: readonly ProbeKind[] = ["new", "reuse", ""];

/** One ProbeStats per connection kind present, in the order new, reuse, "" (samples without `c`). */
export function probeStats(samples: readonly Sample[], inWindow: (t: number) => boolean): ProbeStats[] {
  const by = new Map<ProbeKind, Sample[]>();
  for (const s of samples) {
    const k: ProbeKind = s.c ?? "";
    let list = by.get(k);
    if (!list) by.set(k, (list = []));
    list.push(s);
  }
  return ORDER.filter((k) => by.has(k)).map((conn) => {
    const list = by.get(conn)!;
    let failed = 0;
    let inDeployWindow = 0;
    let failedInDeployWindow = 0;
    for (const s of list) {
      const w = inWindow(s.t);
      const f = isFailed(s);
      if (f) failed++;
      if (w) inDeployWindow++;
      if (w && f) failedInDeployWindow++;
    }
    return { conn, requests: list.length, failed, inDeployWindow, failedInDeployWindow, histogram: histogram(list), errorsByCode: errorsByCode(list) };
  });
}

/** Column title of a probe in the reports. */
export function probeLabel(conn: ProbeKind): string {
  return conn === "new" ? "new connection per request" : conn === "reuse" ? "keep-alive" : "(connection kind not recorded)";
}
