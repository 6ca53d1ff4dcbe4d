// Every RunConfig key's meaning and unit: the one source of the configuration
// reference (docs/configuration.md), the JSON Schemas (docs/schema/) and
// `nodrop run --help`. config-schema.ts attaches each to its key's schema; a
// key without an entry here fails at load (and in the unit tests).

export interface KeyDoc {
  /** What it means; Markdown (backticks, links into docs/). */
  text: string;
  /** The unit of a number (s, ms, req/s), if it has one. */
  unit?: string;
}

export const KEY_DOCS: Record<string, KeyDoc> = {
  scenario: { text: "deploy: a new version rolls out under load; drain: the workers are drained in turn under load, the version stays (see [Node drain](strategies.md))" },
  strategy: { text: "how the new version is deployed" },
  provider: { text: "where the cluster comes from" },
  path: { text: "where the load enters: the app's NodePort (kube-proxy only), or an ingress controller (Traefik) in front of the app's Service; see [The ingress path](ingress.md)" },
  nodes: { text: "`provider=kind` only: 1 control plane + `nodes - 1` workers" },
  kubeconfig: { text: "`provider=existing`: the kubeconfig file's path" },
  context: { text: "`provider=existing`: the kubeconfig context's name" },
  keep: { text: "keep the run's namespace (and a cluster it created); k6 and the watches still stop. `nodrop cleanup` removes it later" },
  runId: { text: "names `reports/runs/<runId>` and namespace `nodrop-<runId>`" },
  app: { text: "your own app (`--app DIR`); see [Your own app](your-app.md)" },
  replicas: { text: "with `app`: the manifest's unless set" },
  maxSurge: { text: "rolling update: pods above `replicas` during the update (an integer or `N%`; not 0 together with `maxUnavailable`)" },
  maxUnavailable: { text: "rolling update: pods below `replicas` during the update (an integer or `N%`; not 0 together with `maxSurge`)" },
  preStopSleep: { text: "the preStop hook's sleep; 0 = no preStop hook; shorter than `terminationGracePeriod`", unit: "s" },
  preStopAction: { text: "exec runs a sleep in the container; sleep uses the kubelet's native sleep action" },
  terminationGracePeriod: { text: "the pod's `terminationGracePeriodSeconds`: preStop plus the app's shutdown must end within it", unit: "s" },
  readinessPeriod: { text: "readiness probe (`/healthz/ready`): seconds between checks", unit: "s" },
  readinessInitialDelay: { text: "readiness probe (`/healthz/ready`): delay before the first check", unit: "s" },
  readinessFailureThreshold: { text: "readiness probe (`/healthz/ready`): failed checks before the pod is not ready" },
  livenessPeriod: { text: "liveness probe (`/healthz/live`): seconds between checks", unit: "s" },
  pdb: { text: "add a PodDisruptionBudget (minAvailable = replicas − 1)" },
  shutdown: { text: "the app on SIGTERM" },
  drainTimeout: { text: "graceful drain limit", unit: "s" },
  startupDelay: { text: "the app answers 503 until warm", unit: "s" },
  readiness: { text: "`lying`: ready at once, while `/` still answers 503 until warm" },
  workMs: { text: "work per request (keeps requests in flight)", unit: "ms" },
  badVersion: { text: "what the new version does wrong (`resets`: destroys the connection without an answer; `slow`: answers 200, `badDelayMs` later)" },
  badDelayMs: { text: "`badVersion=slow`: the new version's extra time per request", unit: "ms" },
  database: { text: "the sample app writes and reads a row of a real PostgreSQL (in the run namespace) per request; see [Schema changes during a rollout](migrations.md)" },
  migration: { text: "a schema change as steps of a rolling v1 → v2 update (implies `database`; `strategy=rolling`, `rollouts=1`; `preStopSleep` defaults to 5 s)" },
  badErrorRate: { text: "share of requests hit by `badVersion=errors` / `resets`" },
  load: { text: "where k6 runs: one process on this machine, or `runners` pods on the cluster through Grafana's k6-operator (see [Load beyond one machine](distributed-load.md); not with `streams`)" },
  runners: { text: "`load=operator`: the TestRun's parallelism: each runner sends its execution segment of `rate`" },
  rate: { text: "constant arrival rate", unit: "req/s" },
  warmup: { text: "load before the first deploy", unit: "s" },
  cooldown: { text: "load after the last deploy; at least `requestTimeout` (requests sent at the end of the last window need up to `requestTimeout` to end before k6 is stopped)", unit: "s" },
  rollouts: { text: "deploys per run (v1→v2→v3…)" },
  requestTimeout: { text: "per request", unit: "s" },
  newConnShare: { text: "share of the rate sent on a fresh connection per request (the new-connection probe); the rest reuses keep-alive connections" },
  keepAliveMaxRequests: { text: "the app closes a keep-alive connection after this many requests (0 = never)" },
  keepAliveTimeout: { text: "the sample app closes a keep-alive connection idle this long, exactly (node's own default is 5 s, and node 20.20 closes 1 s after its setting; see [Upstream keep-alive mismatch](ingress.md))", unit: "s" },
  method: { text: "every request's method (POST: a small JSON body). A proxy or client may resend a GET whose reused connection the server just closed (Go's transport does, in k6 and Traefik); never a POST" },
  streams: { text: "long-lived streams (the sample app's server-sent events) held open beside the requests, each VU reconnecting when its stream ends; see [Long-lived streams](streams.md)" },
  streamSeconds: { text: "each stream's length (the server ends it with `event: end`)", unit: "s" },
  ingressIdleTimeout: { text: "`path=ingress`: how long the controller keeps an idle upstream connection (Traefik's `serversTransport.forwardingTimeouts.idleConnTimeout`, default 90 s; nginx's upstream `keepalive_timeout`)", unit: "s" },
  ingressController: { text: "`path=ingress`: Traefik (an Ingress / Gateway API controller), or Debian's nginx as a reverse proxy to the Service with upstream keep-alive (see [Upstream keep-alive mismatch](ingress.md); not with `canaryBy=weight`)" },
  maxVUs: { text: "k6 VU cap (per probe); with `load=operator` unset means 200 × `runners` (at most 2,000), split between the runners by k6" },
  deployTimeout: { text: "Deployment `progressDeadlineSeconds`; a rollout that misses it is undone", unit: "s" },
  canarySteps: { text: "canary traffic steps (by replica ratio, or by route weight with `canaryBy=weight`)" },
  canaryBy: { text: "how the canary takes traffic: its share of ready replicas behind one Service, or route weights at the ingress (needs `path=ingress`; see [The ingress path](ingress.md))" },
  canaryPause: { text: "pause (under analysis) at each canary step", unit: "s" },
  scaleDownDelay: { text: "blue-green: old slot keeps serving after the swap (Argo Rollouts' default)", unit: "s" },
  analysisMaxErrorRate: { text: "live analysis: allowed error ratio of the new version" },
  analysisMinRequests: { text: "responses from the new version before the analysis can pass" },
  minRequestsInWindow: { text: "evidence needed for a pass" },
  latencyFactor: { text: "0: latency shown, not judged. Otherwise a window fails when the new version's p99 > max(warm-up p99 × factor, + `latencyFloorMs`) and its median > max(warm-up median × factor, + `latencyMedianFloorMs`); see [Latency](latency.md)" },
  latencyFloorMs: { text: "the absolute floor of the p99 limit (see `latencyFactor`)", unit: "ms" },
  latencyMedianFloorMs: { text: "the absolute floor of the median limit (see `latencyFactor`)", unit: "ms" },
};
