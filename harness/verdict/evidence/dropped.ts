// k6's dropped_iterations are requests the scenario planned but never sent
// (the load generator fell behind): nobody judged them. k6 only gives a
// cumulative counter, polled about once a second, and a final total, so a
// drop is known only to within a poll interval: an interval that touches a
// deploy window counts against it (conservative).
import { countList, formatOffset, grouped, inc } from "../format.ts";
import type { DeployWindow, DroppedIterationsInput, DroppedStats } from "../types.ts";
import { finding, type Finding } from "./finding.ts";

/** The first window that (a, b] overlaps: drops counted at poll b happened after poll a. */
function windowOf(a: number, b: number, wins: readonly DeployWindow[]): DeployWindow | null {
  for (const w of wins) if (a < w.end && b >= w.start) return w;
  return null;
}

/**
 * Splits the dropped iterations into inside / outside the deploy windows.
 * Before the first poll, drops happened after `startedAt`; after the last poll
 * (final total − last poll), before `endedAt`.
 */
export function attributeDropped(input: DroppedIterationsInput, wins: readonly DeployWindow[], startedAt: number, endedAt: number): DroppedStats {
  const out: DroppedStats = { total: null, inWindows: 0, outsideWindows: 0, byWindow: {}, complete: false };
  const series = [...input.series].sort((a, b) => a.t - b.t);
  if (input.total === null && series.length === 0) return out;
  const add = (a: number, b: number, n: number) => {
    if (n <= 0) return;
    const w = windowOf(a, b, wins);
    if (w) {
      out.inWindows += n;
      inc(out.byWindow, w.label, n);
    } else out.outsideWindows += n;
  };
  let prevT = startedAt;
  let counted = 0;
  for (const p of series) {
    // A counter never goes down; a lower poll is noise, not negative drops.
    add(prevT, p.t, p.count - counted);
    counted = Math.max(counted, p.count);
    prevT = p.t;
  }
  if (input.total !== null) {
    add(prevT, Math.max(prevT, endedAt), input.total - counted);
    out.total = Math.max(input.total, counted);
    out.complete = true;
  } else {
    // Without k6's final count, drops after the last poll are unknown: fine only if no window was still open then.
    out.total = counted;
    out.complete = wins.every((w) => w.end <= prevT);
  }
  return out;
}

export function droppedEvidence(
  input: DroppedIterationsInput,
  wins: readonly DeployWindow[],
  startedAt: number,
  endedAt: number,
  origin: number,
): { stats: DroppedStats; finding: Finding } {
  const stats = attributeDropped(input, wins, startedAt, endedAt);
  const check = (ok: boolean, detail: string) => [{ check: "dropped iterations", ok, detail }];
  if (stats.total === null) {
    const why = "k6 reported no final count and its dropped_iterations counter was never polled";
    return {
      stats,
      finding: finding(check(false, `unknown: ${why}`), [`dropped iterations unknown: ${why}, so requests k6 failed to send cannot be ruled out`]),
    };
  }
  const lastPoll = input.series.reduce((m, p) => Math.max(m, p.t), -Infinity);
  const total = grouped(stats.total);
  const inside = `${grouped(stats.inWindows)} inside deploy windows (${countList(stats.byWindow, String, grouped)})`;
  const problems: string[] = [];
  const notes: string[] = [];
  let detail = stats.total === 0 ? "0 dropped" : `${total} dropped, ${stats.inWindows > 0 ? inside : "none inside deploy windows"}`;
  if (stats.inWindows > 0) {
    problems.push(
      `k6 could not send ${total} planned requests (dropped_iterations), ${grouped(stats.inWindows)} of them inside deploy windows ` +
        `(${countList(stats.byWindow, String, grouped)}): the load generator fell behind, so requests users would have sent were never judged`,
    );
  } else if (stats.total > 0) {
    notes.push(`note: k6 could not send ${total} planned requests (dropped_iterations), none inside deploy windows`);
  }
  if (!stats.complete) {
    const open = wins.find((w) => w.end > lastPoll)!;
    problems.push(
      `dropped iterations unknown after ${formatOffset(lastPoll, origin)}: k6 reported no final count and its counter was last polled ` +
        `before ${open.label} ended (${formatOffset(open.end, origin)})`,
    );
    detail += `; unknown after ${formatOffset(lastPoll, origin)} (no final count from k6)`;
  } else if (input.total === null) {
    notes.push(`note: k6 reported no final dropped_iterations count; counted until the last poll at ${formatOffset(lastPoll, origin)}, after every deploy window`);
    detail += ` (counted until the last poll at ${formatOffset(lastPoll, origin)})`;
  }
  return { stats, finding: finding(check(problems.length === 0, detail), problems, notes) };
}
