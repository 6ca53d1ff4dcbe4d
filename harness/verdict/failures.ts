// The one-line account of a run's failed requests, by status and k6 error code.
import { errorsByCode, histogram, isFailed } from "./counting.ts";
import { plural } from "./format.ts";
import type { Histogram } from "./records.ts";
import type { ErrorCodeCount, Sample } from "./types.ts";

/**
 * "37 of 12011 requests failed (36 connection errors: 1212 connection refused ×30,
 * 1220 connection reset by peer ×6; 1 × HTTP 503)".
 */
export function describeFailures(samples: readonly Sample[], total = samples.length): string {
  const h = histogram(samples.filter(isFailed));
  return describeFailureHistogram(h, errorsByCode(samples), total);
}

export function describeFailureHistogram(h: Histogram, errs: ErrorCodeCount[], total: number): string {
  const conn = h["0"] ?? 0;
  const http = Object.entries(h)
    .filter(([st]) => st !== "0")
    .sort((a, b) => b[1] - a[1] || Number(a[0]) - Number(b[0]));
  const failed = conn + http.reduce((n, [, c]) => n + c, 0);
  if (failed === 0) return `0 of ${total} requests failed`;
  const parts: string[] = [];
  if (conn > 0) {
    parts.push(`${plural(conn, "connection error")}: ${errs.map((e) => `${e.code} ${e.name} ×${e.count}`).join(", ")}`);
  }
  if (http.length > 0) parts.push(http.map(([st, c]) => `${c} × HTTP ${st}`).join(", "));
  return `${failed} of ${total} requests failed (${parts.join("; ")})`;
}
