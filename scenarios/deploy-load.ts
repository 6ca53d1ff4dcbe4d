// The k6 scenario: a constant arrival rate of GETs against one 127.0.0.1 URL,
// one JSON line per response on the console. The harness runs it as
//   k6 run --log-format raw --console-output <runDir>/samples.ndjson ...
// so every console.log line lands verbatim in samples.ndjson (measured with
// k6 v1.8.1: with --log-format raw the file holds exactly the logged text plus
// "\n"; without it each line is a logfmt record `time=… level=info msg="{\"t\":…}"`).
//
// Parameters come from __ENV (see lib/params.ts): TARGET, RATE, DURATION,
// PRE_ALLOCATED_VUS, MAX_VUS, WARMUP, TIMEOUT. The verdict is computed by the
// harness from the samples, so no threshold here can fail or abort the run.
import http from "k6/http";
import exec from "k6/execution";
import type { Options } from "k6/options";
import { parseScenarioParams } from "./lib/params.ts";
import { formatSample, phaseAt, sampleRecord } from "./lib/sample.ts";

// k6 provides console in every context; @types/k6 does not declare it and the
// scenario's lib (ES2020, no DOM) has none.
declare const console: { log(...data: unknown[]): void };

// Init context: a bad TARGET (anything but http://127.0.0.1:<port>/...) or a
// bad number throws here, and k6 exits (code 107) before any request.
const P = parseScenarioParams(__ENV);
const TIMEOUT_MS = Math.round(P.timeoutS * 1000);

export const options: Options = {
  scenarios: {
    deploy: {
      executor: "constant-arrival-rate",
      rate: P.rate,
      timeUnit: "1s",
      duration: `${P.durationS}s`,
      preAllocatedVUs: P.preAllocatedVUs,
      maxVUs: P.maxVUs,
      // Only used when the duration cap is reached: let in-flight requests
      // finish (they end within TIMEOUT). A stop through the REST API or a
      // signal does not wait for this.
      gracefulStop: `${Math.ceil(P.timeoutS) + 1}s`,
    },
  },
  // We only read status and headers; bodies would cost memory and CPU.
  discardResponseBodies: true,
  // Keep-alive connections, as real clients use them: a deploy must not break
  // requests on connections that were open before a pod went away.
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

export default function (): void {
  const t = Date.now();
  const ph = phaseAt(t - exec.scenario.startTime, P.warmupS);
  const res = http.get(P.target, { timeout: TIMEOUT_MS, tags: { phase: ph } });
  console.log(formatSample(sampleRecord(t, res, ph)));
}
