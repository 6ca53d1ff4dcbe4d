// The scenario's parameters: parsed from k6's __ENV in the init context (a bad
// value throws there, so k6 exits before sending a single request), and
// produced for the harness by scenarioEnv(). Pure: no k6 imports, so it also
// runs (and is unit-tested) in Node.

export interface ScenarioParams {
  /** Where every request goes. Only http://127.0.0.1:<port>/... is accepted. */
  target: string;
  /** Requests started per second (constant-arrival-rate). */
  rate: number;
  /** Safety cap on the scenario's duration, seconds; the harness normally stops k6 earlier. */
  durationS: number;
  preAllocatedVUs: number;
  maxVUs: number;
  /** The first WARMUP seconds are tagged phase=warmup, the rest phase=deploy. */
  warmupS: number;
  /** Per-request timeout, seconds. */
  timeoutS: number;
  /**
   * Share of the rate sent on a fresh connection per request (the rest reuses
   * keep-alive connections). Both probes run side by side, as OpenShift's
   * disruption monitor does: reused connections stick to their pod, so only
   * new connections follow a traffic split (canary, blue-green swap) at once.
   */
  newConnShare: number;
  /** Response header naming the version that answered (the user's app may name its own). */
  versionHeader: string;
  /** Response header naming the pod that answered. */
  podHeader: string;
  /**
   * GET, or POST with a small body. A client or proxy may resend a GET whose
   * reused connection the server had just closed (Go's transport does, in k6
   * and in Traefik); a POST it may not: the race of a keep-alive mismatch shows.
   */
  method: "GET" | "POST";
  /** Long-lived streams held open side by side with the requests (the sample app's /stream); 0 = none. */
  streams: number;
  /** Each stream's length, seconds (the server ends it then; a client reconnects after every stream). */
  streamS: number;
}

export type ScenarioParamsInput = Pick<ScenarioParams, "target"> & Partial<Omit<ScenarioParams, "target">>;

/** __ENV name of each parameter. */
export const SCENARIO_ENV = {
  target: "TARGET",
  rate: "RATE",
  durationS: "DURATION",
  preAllocatedVUs: "PRE_ALLOCATED_VUS",
  maxVUs: "MAX_VUS",
  warmupS: "WARMUP",
  timeoutS: "TIMEOUT",
  newConnShare: "NEWCONN_SHARE",
  versionHeader: "VERSION_HEADER",
  podHeader: "POD_HEADER",
  method: "METHOD",
  streams: "STREAMS",
  streamS: "STREAM_SECONDS",
} as const satisfies Record<keyof ScenarioParams, string>;

export const SCENARIO_DEFAULTS = {
  rate: 300,
  durationS: 1800,
  maxVUs: 200,
  warmupS: 10,
  timeoutS: 5,
  newConnShare: 0.5,
  versionHeader: "X-App-Version",
  podHeader: "X-Pod-Name",
  method: "GET",
  streams: 0,
  streamS: 20,
} as const;

/** Bounds (inclusive). The duration is always bounded: no load loop runs forever. */
type NumericParam = Exclude<keyof ScenarioParams, "target" | "versionHeader" | "podHeader" | "method">;
const LIMITS: Record<NumericParam, [min: number, max: number, integer: boolean]> = {
  rate: [1, 5000, true],
  durationS: [1, 6 * 3600, true],
  preAllocatedVUs: [1, 5000, true],
  maxVUs: [1, 5000, true],
  warmupS: [0, 3600, false],
  timeoutS: [0.1, 60, false],
  newConnShare: [0, 1, false],
  streams: [0, 1000, true],
  streamS: [1, 3600, false],
};

const TARGET_RE = /^http:\/\/127\.0\.0\.1:([0-9]{1,5})(\/[^\s#\\]*)?$/;

/**
 * Returns the target if it is http://127.0.0.1:<port>[/path]; throws otherwise.
 * nodrop sends load to the loopback address only (a port-forward or a
 * NodePort/hostPort published on 127.0.0.1), never to another host.
 */
export function validateTarget(target: string | undefined): string {
  const t = (target ?? "").trim();
  const m = TARGET_RE.exec(t);
  const port = m ? Number(m[1]) : 0;
  if (!m || port < 1 || port > 65535) {
    throw new Error(
      `${SCENARIO_ENV.target} must be a URL of the form http://127.0.0.1:<port>/<path> ` +
        `(nodrop only sends load to the local loopback address), got '${target ?? ""}'`,
    );
  }
  return t;
}

/** Requests per second of each probe: [new-connection, reused-connection]; they add up to `rate`. */
export function splitRate(rate: number, newConnShare: number): [newConn: number, reuse: number] {
  const n = Math.round(rate * newConnShare);
  return [n, rate - n];
}

/**
 * VUs allocated before the load starts: the whole pool (maxVUs).
 * constant-arrival-rate DROPS an iteration whenever no VU is free at its
 * start time and only then allocates another, so any pool smaller than the
 * worst moment drops requests on a latency spike, and the verdict turns
 * inconclusive. Measured: rate/2 per probe (75 at 150 req/s) was reached on
 * kind (latency spikes to 1.2 s on 2 shared cores: 75 and 81 requests in
 * flight) and cost 49 dropped iterations in the demo's variant B; 15 per probe
 * had cost 20 on the local cluster. The whole pool costs little: 2 probes x
 * 200 VUs took 144 MB RSS and 2.5 s for a 2 s run, against 87 MB and 2.4 s
 * with 75 each (k6 v1.8.1, the bundled scenario, a local HTTP server).
 */
export function defaultPreAllocatedVUs(_rate: number, maxVUs: number): number {
  return maxVUs;
}

function num(env: Record<string, string | undefined>, key: keyof typeof LIMITS, def: number): number {
  const name = SCENARIO_ENV[key];
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return def;
  const [min, max, integer] = LIMITS[key];
  const s = raw.trim();
  const n = /^[0-9]+(\.[0-9]+)?$/.test(s) ? Number(s) : NaN;
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
    throw new Error(`${name} must be ${integer ? "an integer" : "a number"} between ${min} and ${max}, got '${raw}'`);
  }
  return n;
}

function headerName(env: Record<string, string | undefined>, key: "versionHeader" | "podHeader", def: string): string {
  const raw = env[SCENARIO_ENV[key]];
  if (raw === undefined || raw.trim() === "") return def;
  if (!/^[A-Za-z0-9-]{1,64}$/.test(raw.trim())) throw new Error(`${SCENARIO_ENV[key]} must be an HTTP header name (letters, digits, '-'), got '${raw}'`);
  return raw.trim();
}

/** Parses k6's __ENV. Throws an Error naming the variable on any bad value. */
export function parseScenarioParams(env: Record<string, string | undefined>): ScenarioParams {
  const target = validateTarget(env[SCENARIO_ENV.target]);
  const rate = num(env, "rate", SCENARIO_DEFAULTS.rate);
  const durationS = num(env, "durationS", SCENARIO_DEFAULTS.durationS);
  const maxVUs = num(env, "maxVUs", SCENARIO_DEFAULTS.maxVUs);
  const preAllocatedVUs = num(env, "preAllocatedVUs", defaultPreAllocatedVUs(rate, maxVUs));
  const warmupS = num(env, "warmupS", SCENARIO_DEFAULTS.warmupS);
  const timeoutS = num(env, "timeoutS", SCENARIO_DEFAULTS.timeoutS);
  const newConnShare = num(env, "newConnShare", SCENARIO_DEFAULTS.newConnShare);
  if (preAllocatedVUs > maxVUs) {
    throw new Error(`${SCENARIO_ENV.preAllocatedVUs} (${preAllocatedVUs}) must not exceed ${SCENARIO_ENV.maxVUs} (${maxVUs})`);
  }
  const versionHeader = headerName(env, "versionHeader", SCENARIO_DEFAULTS.versionHeader);
  const podHeader = headerName(env, "podHeader", SCENARIO_DEFAULTS.podHeader);
  const method = env[SCENARIO_ENV.method] ?? SCENARIO_DEFAULTS.method;
  if (method !== "GET" && method !== "POST") throw new Error(`${SCENARIO_ENV.method} must be GET or POST, got '${method}'`);
  const streams = num(env, "streams", SCENARIO_DEFAULTS.streams);
  const streamS = num(env, "streamS", SCENARIO_DEFAULTS.streamS);
  return { target, rate, durationS, preAllocatedVUs, maxVUs, warmupS, timeoutS, newConnShare, versionHeader, podHeader, method, streams, streamS };
}

/**
 * The k6 environment (`-e KEY=VALUE`) for the given parameters, for the
 * harness. Validated with the same parser the scenario uses, so a bad value
 * fails in the harness before k6 starts.
 */
export function scenarioEnv(input: ScenarioParamsInput): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of Object.keys(SCENARIO_ENV) as (keyof ScenarioParams)[]) {
    const v = input[key];
    if (v !== undefined) env[SCENARIO_ENV[key]] = String(v);
  }
  parseScenarioParams(env);
  return env;
}
