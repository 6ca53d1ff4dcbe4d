// The deploy must be watched at the planned rate: a window where k6 sent
// fewer requests than planned judged less traffic than it claims to.
import { formatOffset, seconds } from "../format.ts";
import { lowerBound, upperBound } from "../sorted.ts";
import type { DeployWindow, WindowRate } from "../types.ts";
import { finding, type Finding } from "./finding.ts";

export const MIN_WINDOW_RATE_SHARE = 0.95;

const round2 = (n: number) => Math.round(n * 100) / 100;

/** The fewest requests a window needs: 95 % of plan, minus one request of slack for very short windows. */
export const minimumSent = (expected: number): number => MIN_WINDOW_RATE_SHARE * expected - 1;

/** Requests sent in each window ([start, end], like the rest of the verdict) against target rate × duration. */
export function windowRates(ts: ArrayLike<number>, wins: readonly DeployWindow[], targetRate: number): WindowRate[] {
  return wins.map((w) => {
    const durationMs = Math.max(0, w.end - w.start);
    const sent = upperBound(ts, w.end) - lowerBound(ts, w.start);
    const expected = round2(Math.max(0, targetRate) * (durationMs / 1000));
    return {
      label: w.label,
      start: w.start,
      end: w.end,
      durationMs,
      sent,
      expected,
      achieved: durationMs > 0 ? round2(sent / (durationMs / 1000)) : 0,
      ok: sent >= minimumSent(expected),
    };
  });
}

export function windowRateEvidence(rates: readonly WindowRate[], targetRate: number, origin: number): Finding {
  const checks = rates.map((r) => ({
    check: `rate in ${r.label}`,
    ok: r.ok,
    detail:
      `${r.sent} sent in ${seconds(r.durationMs)} (${r.achieved} req/s); ` +
      `expected ${r.expected} at ${targetRate} req/s, at least ${Math.max(0, Math.ceil(minimumSent(r.expected)))}`,
  }));
  const problems = rates
    .filter((r) => !r.ok)
    .map(
      (r) =>
        `only ${r.sent} requests were sent inside ${r.label} (${formatOffset(r.start, origin)}…${formatOffset(r.end, origin)}, ${seconds(r.durationMs)}): ` +
        `${((r.sent / r.expected) * 100).toFixed(1)} % of the ${r.expected} expected at ${targetRate} req/s ` +
        `(minimum ${MIN_WINDOW_RATE_SHARE * 100} %): the load did not keep up during the deploy`,
    );
  return finding(checks, problems);
}
