// A silence inside a deploy window is time nobody watched: an outage there
// would be invisible. The limit allows for a low rate's own spacing.
import { formatOffset, seconds } from "../format.ts";
import { lowerBound, upperBound } from "../sorted.ts";
import type { DeployWindow, EvidenceGap } from "../types.ts";
import { finding, type Finding } from "./finding.ts";

const SHOWN = 5;

/** The longest silence allowed: max(1000 ms, 5000 / rate ms), i.e. about 5 planned requests. */
export const gapLimitMs = (targetRate: number): number => Math.max(1000, targetRate > 0 ? Math.ceil(5000 / targetRate) : 0);

/**
 * Silences longer than the limit between consecutive send times inside each
 * window; the window's start and end count as edges (no request yet / any more).
 */
export function gapsInWindows(ts: ArrayLike<number>, wins: readonly DeployWindow[], targetRate: number): { gaps: EvidenceGap[]; longestMs: number } {
  const limitMs = gapLimitMs(targetRate);
  const gaps: EvidenceGap[] = [];
  let longestMs = 0;
  for (const w of wins) {
    const hi = upperBound(ts, w.end);
    let prev = w.start;
    for (let i = lowerBound(ts, w.start); i <= hi; i++) {
      const t = i < hi ? ts[i]! : w.end;
      const d = t - prev;
      if (d > longestMs) longestMs = d;
      if (d > limitMs) gaps.push({ window: w.label, start: prev, end: t, durationMs: d, limitMs });
      prev = t;
    }
  }
  return { gaps, longestMs };
}

export function gapEvidence(gaps: readonly EvidenceGap[], longestMs: number, hasWindows: boolean, targetRate: number, origin: number): Finding {
  const limitMs = gapLimitMs(targetRate);
  if (!hasWindows) return finding([{ check: "gaps in deploy windows", ok: true, detail: "no deploy window to check" }]);
  if (gaps.length === 0) {
    return finding([{ check: "gaps in deploy windows", ok: true, detail: `none longer than ${limitMs} ms (longest ${Math.round(longestMs)} ms)` }]);
  }
  const at = (g: EvidenceGap) => `${formatOffset(g.start, origin)}…${formatOffset(g.end, origin)}`;
  const longest = gaps.reduce((a, b) => (b.durationMs > a.durationMs ? b : a));
  const problems = gaps
    .slice(0, SHOWN)
    .map(
      (g) =>
        `no request was sent for ${Math.round(g.durationMs)} ms inside ${g.window}, ${at(g)} ` +
        `(limit ${limitMs} ms at ${targetRate} req/s): a gap in the evidence`,
    );
  if (gaps.length > SHOWN) {
    const rest = gaps.slice(SHOWN);
    problems.push(`and ${rest.length} more gaps inside deploy windows, ${seconds(rest.reduce((n, g) => n + g.durationMs, 0))} in all`);
  }
  return finding(
    [
      {
        check: "gaps in deploy windows",
        ok: false,
        detail: `${gaps.length} longer than ${limitMs} ms; longest ${Math.round(longest.durationMs)} ms inside ${longest.window} at ${at(longest)}`,
      },
    ],
    problems,
  );
}
