// Counting requests: statuses, k6 error codes, failures.
import { inc } from "./format.ts";
import type { Histogram } from "./records.ts";
import type { ErrorCodeCount, Sample } from "./types.ts";

// k6 error codes (k6 docs, "Error codes"; lib/netext/httpext/error_codes.go)

export const K6_ERROR_CODES: Readonly<Record<number, string>> = {
  1000: "generic error",
  1010: "non-TCP network error",
  1020: "invalid URL",
  1050: "request timeout",
  // nodrop's own (scenarios/lib/stream.ts), not k6's: a stream whose body stopped with neither event.
  1090: "stream cut (no end or goodbye event)",
  1100: "DNS error",
  1101: "no such host",
  1110: "blacklisted IP",
  1111: "blocked hostname",
  1200: "TCP error",
  1201: "broken pipe",
  1202: "unknown TCP error",
  1210: "dial error",
  1211: "dial timeout",
  1212: "connection refused",
  1213: "dial unknown errno",
  1220: "connection reset by peer",
  1300: "TLS error",
  1301: "TLS record header error",
  1310: "TLS unknown authority",
  1311: "TLS hostname mismatch",
  1600: "HTTP/2 error",
  1610: "HTTP/2 GoAway",
  1630: "HTTP/2 stream error",
  1650: "HTTP/2 connection error",
  1701: "response decompression error",
};

const HTTP2_CODES = [
  "NO_ERROR",
  "PROTOCOL_ERROR",
  "INTERNAL_ERROR",
  "FLOW_CONTROL_ERROR",
  "SETTINGS_TIMEOUT",
  "STREAM_CLOSED",
  "FRAME_SIZE_ERROR",
  "REFUSED_STREAM",
  "CANCEL",
  "COMPRESSION_ERROR",
  "CONNECT_ERROR",
  "ENHANCE_YOUR_CALM",
  "INADEQUATE_SECURITY",
  "HTTP_1_1_REQUIRED",
];

/** Short name of a k6 error_code; never throws. */
export function k6ErrorName(code: number): string {
  const known = K6_ERROR_CODES[code];
  if (known) return known;
  if (code === 0) return "no error code";
  if (code >= 1400 && code <= 1599) return `HTTP ${code - 1000}`;
  for (const [base, what] of [
    [1610, "HTTP/2 GoAway"],
    [1630, "HTTP/2 stream error"],
    [1650, "HTTP/2 connection error"],
  ] as const) {
    const h2 = HTTP2_CODES[code - base - 1];
    if (code > base && code < base + 20 && h2) return `${what} ${h2}`;
  }
  if (code >= 1100 && code < 1200) return "DNS error";
  if (code >= 1200 && code < 1300) return "TCP error";
  if (code >= 1300 && code < 1400) return "TLS error";
  if (code >= 1600 && code < 1700) return "HTTP/2 error";
  return "unknown error";
}

/** Failed: not 200, unless the request's own success statuses said otherwise (sample field `ok`). */
export const isFailed = (s: Pick<Sample, "s" | "ok">): boolean => (s.ok === undefined ? s.s !== 200 : !s.ok);

/** status -> count; "0" = connection errors. */
export function histogram(samples: readonly Sample[]): Histogram {
  const h: Histogram = {};
  for (const s of samples) inc(h, String(s.s));
  return h;
}

/** Connection errors (status 0) by k6 error_code, most frequent first. */
export function errorsByCode(samples: readonly Sample[]): ErrorCodeCount[] {
  const counts = new Map<number, number>();
  for (const s of samples) if (s.s === 0) counts.set(s.e, (counts.get(s.e) ?? 0) + 1);
  return [...counts.entries()]
    .map(([code, count]) => ({ code, name: k6ErrorName(code), count }))
    .sort((a, b) => b.count - a.count || a.code - b.code);
}

