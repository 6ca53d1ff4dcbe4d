// One line of samples.ndjson per request, built from a k6 response. Pure: no
// k6 imports, so it runs (and is unit-tested) in Node. The harness reads these
// lines back with harness/verdict/samples.ts; the field names are the contract.

/** The phase the scenario PLANNED from elapsed time (the verdict uses the harness's events, not this). */
export type Phase = "warmup" | "deploy";

/** "warmup" during the first `warmupS` seconds after the scenario started, then "deploy". */
export function phaseAt(elapsedMs: number, warmupS: number): Phase {
  return elapsedMs < warmupS * 1000 ? "warmup" : "deploy";
}

/** The part of a k6 http Response that a sample needs. */
export interface ResponseLike {
  status: number;
  error_code: number;
  timings: { duration: number };
  headers: { [name: string]: string };
}

export interface SampleRecord {
  /** Epoch ms taken just before the request was sent. */
  t: number;
  /** Request duration, ms (k6's timings.duration: sending + waiting + receiving), 3 decimals. */
  d: number;
  /** HTTP status; 0 = no response (connection error, timeout). */
  s: number;
  /** k6 error_code (e.g. 1212 connection refused, 1503 for an HTTP 503); 0 if none. */
  e: number;
  /** The version header (default X-App-Version), "" if absent. */
  v: string;
  /** The pod header (default X-Pod-Name), "" if absent. */
  p: string;
  ph: Phase;
  /** Connection kind: "new" (a fresh connection per request) or "reuse" (keep-alive). */
  c?: ConnKind;
  /** The app's database error (header X-Db-Error) when it answered because its database failed; absent otherwise. */
  db?: string;
  /**
   * The k6 VU that sent it (exec.vu.idInInstance). With k6's --local-ips each
   * VU has its own source address, which is how the harness finds the
   * connection, and so the pod, behind a request that names no version
   * (harness/verdict/attribution.ts).
   */
  u?: number;
  /**
   * Whether the status counted as success, written only where it differs
   * from the default rule "200 and nothing else" (nodrop-app.yaml
   * `requests[].ok`: e.g. true for an expected 204, false for a 200 where 201 was expected).
   */
  ok?: boolean;
  /** The request's name when the load mixes several (lib/requests.ts). */
  q?: string;
}

/** The header the sample app sets when its database failed a request (app/db.ts). */
export const DB_ERROR_HEADER = "X-Db-Error";

/** "new" connection per request, "reuse" (keep-alive), or a long-lived stream's fate (lib/stream.ts). */
export type ConnKind = "new" | "reuse" | "stream-end" | "stream-goodbye" | "stream-cut";

/** Header lookup, case-insensitive (k6 canonicalises names, but a proxy may not). */
export function headerValue(headers: { [name: string]: string } | undefined, name: string): string {
  if (!headers) return "";
  const direct = headers[name];
  if (typeof direct === "string") return direct;
  const lower = name.toLowerCase();
  for (const k in headers) {
    if (k.toLowerCase() === lower) return String(headers[k]);
  }
  return "";
}

const finiteOr0 = (n: unknown): number => (typeof n === "number" && isFinite(n) ? n : 0);

export function sampleRecord(t: number, res: ResponseLike, ph: Phase, c?: ConnKind, headers = { version: "X-App-Version", pod: "X-Pod-Name" }): SampleRecord {
  const db = res.status !== 200 ? headerValue(res.headers, DB_ERROR_HEADER) : "";
  return {
    ...(c ? { c } : {}),
    ...(db ? { db } : {}),
    t,
    d: Math.round(finiteOr0(res.timings && res.timings.duration) * 1000) / 1000,
    s: finiteOr0(res.status),
    e: finiteOr0(res.error_code),
    v: headerValue(res.headers, headers.version),
    p: headerValue(res.headers, headers.pod),
    ph,
  };
}

/** One compact JSON line, keys in a fixed order: {"t":…,"d":…,"s":…,"e":…,"v":…,"p":…,"ph":…[,"c":…][,"db":…][,"u":…][,"ok":…][,"q":…]}. */
export function formatSample(r: SampleRecord): string {
  const o: Record<string, unknown> = { t: r.t, d: r.d, s: r.s, e: r.e, v: r.v, p: r.p, ph: r.ph };
  if (r.c) o["c"] = r.c;
  if (r.db) o["db"] = r.db;
  if (r.u) o["u"] = r.u;
  if (r.ok !== undefined) o["ok"] = r.ok;
  if (r.q) o["q"] = r.q;
  return JSON.stringify(o);
}
