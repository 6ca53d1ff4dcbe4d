// The per-request table of a mixed load (nodrop-app.yaml `requests:`).
import type { Histogram, RequestNameStats } from "../harness/verdict/records.ts";

export const REQUEST_NAME_HEADER = ["request", "sent", "ok", "failed", "statuses", "first failure"];

/** Rows for REQUEST_NAME_HEADER; `off` formats a send time, `hist` a histogram. */
export function requestNameRows(list: readonly RequestNameStats[], off: (t: number) => string, hist: (h: Histogram) => string): (string | number)[][] {
  return list.map((r) => [r.name, r.requests, r.ok, r.failed, hist(r.histogram), r.firstFailure === null ? "–" : off(r.firstFailure)]);
}
