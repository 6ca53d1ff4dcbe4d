// The scenario's parameters: parsed from k6's __ENV in the init context (a bad
// value throws there, so k6 exits before sending a single request), and
// produced for the harness by scenarioEnv(). Pure: no k6 imports, so it also
// runs (and is unit-tested) in Node.

export interface ScenarioParams {
  /** Where every request goes: http://127.0.0.1:<port>/..., or with targetScope "cluster" a private IPv4 address. */
  target: string;
  /**
   * "loopback": k6 runs on this machine and sends to 127.0.0.1 only.
   * "cluster": k6 runs as a pod (load=operator) and sends to a Service's
   * ClusterIP, a private address inside the cluster's own network.
   */
  targetScope: "loopback" | "cluster";
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

export const TARGET_SCOPES = ["loopback", "cluster"] as const;

/** __ENV name of each parameter. */
export const SCENARIO_ENV = {
  target: "TARGET",
  targetScope: "TARGET_SCOPE",
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
type NumericParam = Exclude<keyof ScenarioParams, "target" | "targetScope" | "versionHeader" | "podHeader" | "method">;
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
const CLUSTER_TARGET_RE = /^http:\/\/([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3}):([0-9]{1,5})(\/[^\s#\\]*)?$/;

/** 10/8, 172.16/12, 192.168/16: the ranges a cluster's Service and pod addresses come from. */
function isPrivateIPv4(a: number, b: number, c: number, d: number): boolean {
  if ([a, b, c, d].some((x) => x > 255)) return false;
  return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
}

/**
 * Returns the target if it is allowed; throws otherwise. nodrop sends load to
 * the loopback address only (a NodePort/hostPort published on 127.0.0.1),
 * never to another host; a runner pod (scope "cluster") sends to a private
 * address inside the cluster's network (a Service's ClusterIP).
 */
export function validateTarget(target: string | undefined, scope: ScenarioParams["targetScope"] = "loopback"): string {
  const t = (target ?? "").trim();
  if (scope === "cluster") {
    const m = CLUSTER_TARGET_RE.exec(t);
    const port = m ? Number(m[5]) : 0;
    if (!m || port < 1 || port > 65535 || !isPrivateIPv4(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]))) {
      throw new Error(
        `${SCENARIO_ENV.target} must be a URL of the form http://<private IPv4>:<port>/<path> with ${SCENARIO_ENV.targetScope}=cluster ` +
          `(a Service's ClusterIP: a runner pod sends load inside the cluster only), got '${target ?? ""}'`,
      );
    }
    return t;
  }
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
  const scopeRaw = env[SCENARIO_ENV.targetScope];
  const targetScope = scopeRaw === undefined || scopeRaw.trim() === "" ? "loopback" : scopeRaw.trim();
  if (targetScope !== "loopback" && targetScope !== "cluster") throw new Error(`${SCENARIO_ENV.targetScope} must be loopback or cluster, got '${scopeRaw}'`);
  const target = validateTarget(env[SCENARIO_ENV.target], targetScope);
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
  return { target, targetScope, rate, durationS, preAllocatedVUs, maxVUs, warmupS, timeoutS, newConnShare, versionHeader, podHeader, method, streams, streamS };
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
