// Requests k6 counted (its http_reqs) that no sample line shows. The
// scenario logs a request's sample after the request returns, so the
// harness's own stop can cut an iteration between the two: k6 counted the
// request, the sample was never written (seen in CI: a runner with
// http_reqs 1638, iterations 1637 and 1,637 samples). nodrop's scenario sends
// one request per iteration and logs it in the same iteration, so there:
//   - every finished iteration has its line (lines ≥ iterations), and
//   - at most one request per VU can be cut that way (the iterations in
//     flight at the stop).
// Such requests are the stop's doing. They are harmless when k6's own count
// of failed requests (http_req_failed, by the same success statuses) is no
// more than the lines show (so each cut one succeeded), or when none can
// have been sent in a deploy window (evidence/recorded.ts). Anything else —
// a finished iteration without its line, more cut than VUs, or a scenario of
// the user's own (several requests per iteration: a missing line cannot be
// told from a forgotten record()) — is a request nobody judged.
// Pure.

export interface LoadCounts {
  /** k6's http_reqs (null: no summary). */
  httpReqs: number | null;
  /** k6's iterations: finished ones (null: no summary). */
  iterations: number | null;
  /** Sample lines read (requests cancelled at the stop included). */
  lines: number;
}

export interface LoggingShape {
  /** nodrop's scenario: one request and one sample per iteration. */
  onePerIteration: boolean;
  /** The most iterations that can be in flight at once (k6's VUs). */
  maxInFlight: number;
}

export type Unlogged =
  | { kind: "none" }
  | { kind: "unknown"; why: string }
  | { kind: "cut"; count: number; detail: string }
  | { kind: "lost"; count: number; why: string };

export function unloggedRequests(c: LoadCounts, shape: LoggingShape): Unlogged {
  if (c.httpReqs === null) return { kind: "unknown", why: "k6's own count unknown (no summary)" };
  if (c.lines >= c.httpReqs) return { kind: "none" };
  const count = c.httpReqs - c.lines;
  const counted = `k6 counted ${c.httpReqs} requests, ${c.lines} sample line(s) were read`;
  if (!shape.onePerIteration) return { kind: "lost", count, why: `${counted}: a scenario must record() every request it sends` };
  if (c.iterations === null) return { kind: "lost", count, why: `${counted}, and k6's count of finished iterations is unknown` };
  if (c.lines < c.iterations) return { kind: "lost", count, why: `${counted} for ${c.iterations} finished iterations: lines were lost` };
  if (count > shape.maxInFlight) return { kind: "lost", count, why: `${counted}: ${count} unlogged, more than the ${shape.maxInFlight} iterations that can be in flight at the stop` };
  return { kind: "cut", count, detail: `${c.lines} sample(s) for ${c.iterations} finished iteration(s); ${count} request(s) k6 counted in iteration(s) the stop cut before their line was written` };
}
