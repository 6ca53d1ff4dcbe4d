// The k6 scenario: a constant arrival rate of requests against the service's
// NodePort on 127.0.0.1, one JSON line per response on the console. The
// harness runs it as
//   k6 run --log-format raw --console-output <runDir>/samples.ndjson ...
// so every console.log line lands verbatim in samples.ndjson (measured with
// k6 v1.8.1: with --log-format raw the file holds exactly the logged text plus
// "\n"; without it each line is a logfmt record `time=… level=info msg="{\"t\":…}"`).
//
// Parameters come from __ENV (see lib/params.ts): TARGET, RATE, DURATION,
// PRE_ALLOCATED_VUS, MAX_VUS, WARMUP, TIMEOUT, NEWCONN_SHARE, and the app's
// REQUESTS (lib/requests.ts). It is built from the sampling library users'
// own scenarios import (lib/k6.ts, "nodrop/scenario"). The verdict is
// computed by the harness from the samples, so no threshold here can fail or
// abort the run.
import http from "k6/http";
import exec from "k6/execution";
import type { Options } from "k6/options";
import { baseOptions, params as P, record, requestParams, url } from "./lib/k6.ts";
import { formatSample, phaseAt, sampleRecord } from "./lib/sample.ts";
import { streamFate, streamUrl } from "./lib/stream.ts";
import { okField, parseRequests, pickRequest } from "./lib/requests.ts";

// k6 provides console in every context; @types/k6 does not declare it and the
// scenario's lib (ES2020, no DOM) has none.
declare const console: { log(...data: unknown[]): void };

const base = baseOptions(P);
export const options: Options = {
  ...base,
  scenarios: {
    ...base.scenarios,
    // Long-lived streams: each VU holds one open, and opens the next when it ends.
    ...(P.streams > 0
      ? { streams: { executor: "constant-vus" as const, vus: P.streams, duration: `${P.durationS}s`, exec: "stream", gracefulStop: `${Math.ceil(P.streamS) + 5}s` } }
      : {}),
  },
};

// Only 200 is an expected response (k6's http_req_failed and the
// {expected_response:true} duration sub-metric follow this).
http.setResponseCallback(http.expectedStatuses(200));

const BODY = JSON.stringify({ order: 1 });
const HEADERS = { version: P.versionHeader, pod: P.podHeader };

// nodrop-app.yaml `requests` (lib/requests.ts): the mix users send, each
// judged by its own success statuses. Absent: METHOD to TARGET, 200 only.
const REQUESTS = parseRequests(__ENV);
// k6 builds response callbacks in the init context only.
const CALLBACKS = REQUESTS.map((r) => http.expectedStatuses(...r.ok));

export default function (): void {
  const t = Date.now();
  if (REQUESTS.length) {
    const spec = pickRequest(REQUESTS, exec.scenario.iterationInTest);
    const params = requestParams(t, { headers: spec.headers, tags: { request: spec.name }, responseCallback: CALLBACKS[REQUESTS.indexOf(spec)] });
    const res = http.request(spec.method, url(spec.path), spec.body ?? null, params);
    const ok = okField(spec, res.status);
    record(t, res, { name: spec.name, ...(ok === undefined ? {} : { ok }) });
    return;
  }
  const params = requestParams(t);
  const res = P.method === "POST" ? http.post(P.target, BODY, params) : http.get(P.target, params);
  record(t, res);
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
