// The scenario sends two probes: a fresh connection per request ("new") and
// keep-alive ("reuse"). They fail differently during a deploy (refused
// connects vs. resets on a kept connection), so they are counted apart; so is
// each fate of the long-lived streams (streams=N: end, goodbye, cut).
import { errorsByCode, histogram, isFailed } from "./counting.ts";
import type { ProbeKind, ProbeStats, Sample } from "./types.ts";

const ORDER: readonly ProbeKind[] = ["new", "reuse", "stream-end", "stream-goodbye", "stream-cut", ""];

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
  switch (conn) {
    case "new":
      return "new connection per request";
    case "reuse":
      return "keep-alive";
    case "stream-end":
      return "streams that ran their full length";
    case "stream-goodbye":
      return "streams the server closed with a goodbye (clients reconnected)";
    case "stream-cut":
      return "streams cut";
    default:
      return "(connection kind not recorded)";
  }
}

/** "streams: 40 ran their full length, 20 closed by the server with a goodbye, 20 cut (all 20 in deploy windows)", or null without streams. */
export function streamsNote(probes: readonly ProbeStats[]): string | null {
  const n = (conn: ProbeKind) => probes.find((p) => p.conn === conn);
  const [end, bye, cut] = [n("stream-end"), n("stream-goodbye"), n("stream-cut")];
  if (!end && !bye && !cut) return null;
  const parts = [`${end?.requests ?? 0} ran their full length`, `${bye?.requests ?? 0} closed by the server with a goodbye`, `${cut?.requests ?? 0} cut`];
  return `streams: ${parts.join(", ")}${cut ? ` (${cut.inDeployWindow} in deploy windows)` : ""}`;
}
