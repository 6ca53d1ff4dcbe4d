// The sampling library for k6 scenarios: what nodrop's own scenario
// (deploy-load.ts) is built from, and what a user's TypeScript scenario
// imports as "nodrop/scenario" (nodrop-app.yaml `scenario`; the bundle step
// maps the name here). It keeps the two rules every scenario must follow:
//   - the load's shape comes from the harness (__ENV: rate, duration cap,
//     warm-up, VUs, both probes), so the deploy windows and evidence hold;
//   - every request is recorded with record(), one line of samples.ndjson,
//     so that every request is judged.
// Imports k6's modules, so it runs in k6 only; the pure parts it uses
// (params.ts, sample.ts) are unit-tested in Node.
import http from "k6/http";
import exec from "k6/execution";
import type { Options, Scenario } from "k6/options";
import { defaultPreAllocatedVUs, parseScenarioParams, splitRate, type ScenarioParams } from "./params.ts";
import { type ConnKind, formatSample, phaseAt, type ResponseLike, sampleRecord } from "./sample.ts";

// k6 provides console in every context; @types/k6 does not declare it and the
// scenario's lib (ES2020, no DOM) has none.
declare const console: { log(...data: unknown[]): void };

/**
 * The harness's parameters, parsed in the init context: a bad TARGET
 * (anything but http://127.0.0.1:<port>/...) or a bad number throws here,
 * and k6 exits (code 107) before any request.
 */
export const params: ScenarioParams = parseScenarioParams(__ENV);

const CLOSE = { Connection: "close" };

/**
 * The two probes side by side (like OpenShift's backend-disruption monitor):
 * "newconn" opens a fresh connection per request ("Connection: close"),
 * "reuse" keeps keep-alive connections. A reused connection stays on its pod
 * until the pod closes it, so only the new-connection probe follows a
 * traffic split at once (canary steps, a blue-green swap); the reused one
 * catches connections cut by a pod that goes away.
 */
export function probeScenarios(p: ScenarioParams = params, exec?: string): Record<string, Scenario> {
  const [newRate, reuseRate] = splitRate(p.rate, p.newConnShare);
  const probe = (rate: number): Scenario => ({
    executor: "constant-arrival-rate",
    rate,
    timeUnit: "1s",
    duration: `${p.durationS}s`,
    preAllocatedVUs: Math.min(p.preAllocatedVUs, defaultPreAllocatedVUs(rate, p.maxVUs)),
    maxVUs: p.maxVUs,
    // Only used when the duration cap is reached: let in-flight requests
    // finish (they end within TIMEOUT). A stop through the REST API or a
    // signal does not wait for this.
    gracefulStop: `${Math.ceil(p.timeoutS) + 1}s`,
    ...(exec ? { exec } : {}),
  });
  return { ...(newRate > 0 ? { newconn: probe(newRate) } : {}), ...(reuseRate > 0 ? { reuse: probe(reuseRate) } : {}) };
}

/** k6 options every nodrop scenario needs; add to them, do not drop them. */
export function baseOptions(p: ScenarioParams = params): Options {
  return {
    scenarios: probeScenarios(p),
    // Status and headers are what is judged; bodies would cost memory and CPU.
    discardResponseBodies: true,
    // Keep-alive connections for the reuse probe, as real clients use them.
    noConnectionReuse: false,
    // A redirect would be a failure to notice, and must never lead off 127.0.0.1.
    maxRedirects: 0,
    summaryTrendStats: ["avg", "min", "med", "max", "p(90)", "p(95)", "p(99)", "count"],
    // Tags on k6's own metrics (k6-summary.json); expected_response is needed for http_req_failed.
    systemTags: ["scenario", "status", "error_code", "expected_response"],
    // Never-failing thresholds: they only make k6 report per-phase sub-metrics
    // in k6-summary.json, as a cross-check of samples.ndjson. No abortOnFail.
    thresholds: {
      "http_reqs{phase:warmup}": ["count>=0"],
      "http_reqs{phase:deploy}": ["count>=0"],
      "http_req_failed{phase:deploy}": ["rate>=0"],
    },
  };
}

/** The probe of the running iteration: "new" (a fresh connection per request) or "reuse". */
export function connKind(): ConnKind {
  return exec.scenario.name === "newconn" ? "new" : "reuse";
}

/** The phase a request sent at `t` belongs to, as the scenario planned it (the verdict uses the harness's events). */
export function phaseOf(t: number): "warmup" | "deploy" {
  return phaseAt(t - exec.scenario.startTime, params.warmupS);
}

/** The target's origin + `path` (starting with "/"): every request goes to the service under test. */
export function url(path: string): string {
  const origin = (/^https?:\/\/[^/]+/.exec(params.target) ?? [""])[0];
  if (!path.startsWith("/")) throw new Error(`url(): the path must start with "/", got '${path}'`);
  return `${origin}${path}`;
}

/**
 * http params for one request: the harness's timeout, the phase tag, and on
 * the new-connection probe "Connection: close" on top of `extra.headers`.
 */
export function requestParams<T extends { headers?: Record<string, string>; tags?: Record<string, string> }>(t: number, extra?: T): T & { timeout: number; tags: Record<string, string>; headers: Record<string, string> } {
  const headers = { ...(extra?.headers ?? {}), ...(connKind() === "new" ? CLOSE : {}) };
  return { ...(extra ?? ({} as T)), timeout: Math.round(params.timeoutS * 1000), tags: { ...(extra?.tags ?? {}), phase: phaseOf(t) }, headers };
}

/**
 * Records one request as a line of samples.ndjson: `t` is Date.now() taken
 * just before sending it. `name` labels it when a scenario sends several
 * kinds; `ok` overrides "200 and nothing else" as its success rule.
 */
export function record(t: number, res: ResponseLike, opts: { name?: string; ok?: boolean } = {}): void {
  const r = { ...sampleRecord(t, res, phaseOf(t), connKind(), { version: params.versionHeader, pod: params.podHeader }), u: exec.vu.idInInstance };
  const ok = opts.ok === undefined || opts.ok === (r.s === 200) ? undefined : opts.ok;
  console.log(formatSample({ ...r, ...(opts.name ? { q: opts.name } : {}), ...(ok === undefined ? {} : { ok }) }));
}

