// load=operator: each runner's share of the requests, from the samples it
// sent (tagged `r`) and what it said of itself (k6's summary, its exit).
// Pure.
import { isFailed } from "./counting.ts";
import type { RunnerReport } from "../load/operator/runners.ts";
import type { Sample } from "./types.ts";

export interface RunnerShare {
  runner: string;
  pod: string;
  node: string;
  /** Requests judged (samples of this runner after those cancelled at the stop were set aside). */
  requests: number;
  failed: number;
  /** Percent of all judged requests. */
  share: number;
  /** Requests per second over the runner's own first to last send. */
  achievedRate: number;
  /** k6's own count (its end-of-test summary), null when it printed none. */
  k6HttpReqs: number | null;
  /** k6's finished iterations (its end-of-test summary), null when it printed none. */
  k6Iterations: number | null;
  dropped: number | null;
  exitCode: number | null;
  /** Samples read from its log (before any were set aside). */
  samplesRead: number;
}

export interface LoadRunners {
  engine: string;
  runners: RunnerShare[];
  /** Sum of the runners' achieved rates, requests per second. */
  totalRate: number;
  /** How the runners' clocks relate: the merge by send time rests on it. */
  clock: string;
}

export function runnerShares(samples: Sample[], reports: RunnerReport[], engine: string): LoadRunners {
  const by = new Map<string, { n: number; failed: number; first: number; last: number }>();
  for (const s of samples) {
    if (s.r === undefined) continue;
    const x = by.get(s.r) ?? { n: 0, failed: 0, first: s.t, last: s.t };
    x.n++;
    if (isFailed(s)) x.failed++;
    if (s.t < x.first) x.first = s.t;
    if (s.t > x.last) x.last = s.t;
    by.set(s.r, x);
  }
  const total = samples.length;
  const runners = reports
    .slice()
    .sort((a, b) => Number(a.runner) - Number(b.runner))
    .map((r): RunnerShare => {
      const x = by.get(r.runner);
      const spanS = x && x.last > x.first ? (x.last - x.first) / 1000 : 0;
      return {
        runner: r.runner,
        pod: r.pod,
        node: r.node,
        requests: x?.n ?? 0,
        failed: x?.failed ?? 0,
        share: total > 0 ? (100 * (x?.n ?? 0)) / total : 0,
        achievedRate: spanS > 0 ? Math.round((x!.n / spanS) * 10) / 10 : 0,
        k6HttpReqs: r.summary.httpReqs,
        k6Iterations: r.summary.iterations,
        dropped: r.summary.dropped,
        exitCode: r.exitCode,
        samplesRead: r.samples,
      };
    });
  const nodes = new Set(runners.map((r) => r.node).filter(Boolean));
  const clock =
    nodes.size <= 1
      ? `all runners ran on one node (${[...nodes][0] ?? "?"}): one clock, so the merge by send time is exact`
      : `the runners ran on ${nodes.size} nodes (${[...nodes].join(", ")}); the merge by send time assumes their clocks agree: on kind (and the local cluster) every node is this machine's clock; on an existing cluster the skew between the nodes' clocks, which nodrop does not measure, bounds the error of the merged order and of each request's place in a deploy window`;
  return { engine, runners, totalRate: Math.round(runners.reduce((a, r) => a + r.achievedRate, 0) * 10) / 10, clock };
}
