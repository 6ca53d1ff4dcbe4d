// The k6 scenario: a constant arrival rate of GETs against one 127.0.0.1 URL,
// one JSON line per response on the console. The harness runs it as
//   k6 run --log-format raw --console-output <runDir>/samples.ndjson ...
// so every console.log line lands verbatim in samples.ndjson (measured with
// k6 v1.8.1: with --log-format raw the file holds exactly the logged text plus
// "\n"; without it each line is a logfmt record `time=… level=info msg="{\"t\":…}"`).
//
// Parameters come from __ENV (see lib/params.ts): TARGET, RATE, DURATION,
// PRE_ALLOCATED_VUS, MAX_VUS, WARMUP, TIMEOUT, NEWCONN_SHARE. The verdict is computed by the
// harness from the samples, so no threshold here can fail or abort the run.
import http from "k6/http";
import exec from "k6/execution";
import type { Options } from "k6/options";
import { defaultPreAllocatedVUs, parseScenarioParams, splitRate } from "./lib/params.ts";
import { formatSample, phaseAt, sampleRecord } from "./lib/sample.ts";
import { streamFate, streamUrl } from "./lib/stream.ts";
import { okField, parseRequests, pickRequest } from "./lib/requests.ts";

// k6 provides console in every context; @types/k6 does not declare it and the
// scenario's lib (ES2020, no DOM) has none.
declare const console: { log(...data: unknown[]): void };

// Init context: a bad TARGET (anything but http://127.0.0.1:<port>/...) or a
// bad number throws here, and k6 exits (code 107) before any request.
const P = parseScenarioParams(__ENV);
const TIMEOUT_MS = Math.round(P.timeoutS * 1000);

// Two probes side by side (like OpenShift's backend-disruption monitor): one
// opens a fresh connection per request ("Connection: close"), one reuses
// keep-alive connections. A reused connection stays on its pod until the pod
// closes it, so only the new-connection probe follows a traffic split at once
// (canary steps, a blue-green swap); the reused one catches connections cut
// by a pod that goes away.
const [NEW_RATE, REUSE_RATE] = splitRate(P.rate, P.newConnShare);
const probe = (rate: number) => ({
  executor: "constant-arrival-rate" as const,
  rate,
  timeUnit: "1s",
  duration: `${P.durationS}s`,
  preAllocatedVUs: Math.min(P.preAllocatedVUs, defaultPreAllocatedVUs(rate, P.maxVUs)),
  maxVUs: P.maxVUs,
  // Only used when the duration cap is reached: let in-flight requests
  // finish (they end within TIMEOUT). A stop through the REST API or a
  // signal does not wait for this.
  gracefulStop: `${Math.ceil(P.timeoutS) + 1}s`,
});

export const options: Options = {
  scenarios: {
    ...(NEW_RATE > 0 ? { newconn: probe(NEW_RATE) } : {}),
    ...(REUSE_RATE > 0 ? { reuse: probe(REUSE_RATE) } : {}),
    // Long-lived streams: each VU holds one open, and opens the next when it ends.
    ...(P.streams > 0
      ? { streams: { executor: "constant-vus" as const, vus: P.streams, duration: `${P.durationS}s`, exec: "stream", gracefulStop: `${Math.ceil(P.streamS) + 5}s` } }
      : {}),
  },
  // We only read status and headers; bodies would cost memory and CPU.
  discardResponseBodies: true,
  // Keep-alive connections for the reuse probe, as real clients use them: a
  // deploy must not break requests on connections open before a pod went away.
  noConnectionReuse: false,
  // A redirect would be a failure to notice, and must never lead off 127.0.0.1.
  maxRedirects: 0,
  summaryTrendStats: ["avg", "min", "med", "max", "p(90)", "p(95)", "p(99)", "count"],
  // Tags on k6's own metrics (k6-summary.json). expected_response is needed
  // for http_req_failed; url/name/method/proto/tls_version/... are constant here.
  systemTags: ["scenario", "status", "error_code", "expected_response"],
  // Never-failing thresholds: they only make k6 report per-phase sub-metrics
  // in k6-summary.json, as a cross-check of samples.ndjson. No abortOnFail.
  thresholds: {
    "http_reqs{phase:warmup}": ["count>=0"],
    "http_reqs{phase:deploy}": ["count>=0"],
    "http_req_failed{phase:deploy}": ["rate>=0"],
  },
};

// Only 200 is an expected response (k6's http_req_failed and the
// {expected_response:true} duration sub-metric follow this).
http.setResponseCallback(http.expectedStatuses(200));

const CLOSE = { Connection: "close" };
const BODY = JSON.stringify({ order: 1 });
const HEADERS = { version: P.versionHeader, pod: P.podHeader };

// nodrop-app.yaml `requests` (lib/requests.ts): the mix users send, each
// judged by its own success statuses. Absent: METHOD to TARGET, 200 only.
const REQUESTS = parseRequests(__ENV);
const ORIGIN = (/^https?:\/\/[^/]+/.exec(P.target) ?? [""])[0];
// k6 builds response callbacks in the init context only.
const CALLBACKS = REQUESTS.map((r) => http.expectedStatuses(...r.ok));

export default function (): void {
  const conn = exec.scenario.name === "newconn" ? "new" : "reuse";
  const t = Date.now();
  const ph = phaseAt(t - exec.scenario.startTime, P.warmupS);
  if (REQUESTS.length) {
    const spec = pickRequest(REQUESTS, exec.scenario.iterationInTest);
    const headers = conn === "new" ? { ...spec.headers, ...CLOSE } : spec.headers;
    const params = { timeout: TIMEOUT_MS, tags: { phase: ph, request: spec.name }, headers, responseCallback: CALLBACKS[REQUESTS.indexOf(spec)] };
    const res = http.request(spec.method, `${ORIGIN}${spec.path}`, spec.body ?? null, params);
    const ok = okField(spec, res.status);
    console.log(formatSample({ ...sampleRecord(t, res, ph, conn, HEADERS), u: exec.vu.idInInstance, q: spec.name, ...(ok === undefined ? {} : { ok }) }));
    return;
  }
  const params = { timeout: TIMEOUT_MS, tags: { phase: ph }, ...(conn === "new" ? { headers: CLOSE } : {}) };
  const res = P.method === "POST" ? http.post(P.target, BODY, params) : http.get(P.target, params);
  console.log(formatSample({ ...sampleRecord(t, res, ph, conn, HEADERS), u: exec.vu.idInInstance }));
}

const STREAM_URL = P.streams > 0 ? streamUrl(P.target, P.streamS) : "";
const STREAM_TIMEOUT_MS = Math.round((P.streamS + 10) * 1000);

/**
 * One stream per iteration; its sample is logged when it ends, with t = that
 * moment (when its fate was decided), d = how long it was open, and c = its
 * fate: stream-end / stream-goodbye (status 200) or stream-cut (a failure).
 */
export function stream(): void {
  const res = http.get(STREAM_URL, { timeout: STREAM_TIMEOUT_MS, responseType: "text", tags: { probe: "stream" } });
  const t = Date.now();
  const f = streamFate(res.status, res.error_code, typeof res.body === "string" ? res.body : "");
  const ph = phaseAt(t - exec.scenario.startTime, P.warmupS);
  console.log(formatSample({ ...sampleRecord(t, res, ph, f.c, HEADERS), s: f.s, e: f.e }));
}
