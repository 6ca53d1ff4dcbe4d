// The RunConfig's keys: each one's type, range and default, with its meaning
// and unit from config-keys.ts attached. The rules between keys are in
// config-rules.ts; config.ts turns config files and `--set` values into a
// validated RunConfig.
import { z } from "zod";
import { KEY_DOCS } from "./config-keys.ts";

const intOrPercent = z.union([
  z.number().int().min(0),
  z.string().regex(/^(100|[1-9]?[0-9])%$/, "an integer >= 0 or a percentage like 25%"),
]);

const seconds = (def: number, max = 3600) => z.number().min(0).max(max).default(def);

export const STRATEGIES = ["rolling", "blue-green", "canary"] as const;
export const PROVIDERS = ["local", "kind", "existing"] as const;
export const SHUTDOWNS = ["graceful", "abrupt"] as const;
export const PRESTOP_ACTIONS = ["exec", "sleep"] as const;
export const READINESS = ["honest", "lying"] as const;
export const BAD_VERSIONS = ["none", "errors", "never-ready", "resets", "slow"] as const;
/** deploy: a new version rolls out during the load; drain: the workers are drained in turn (node maintenance), the version stays. */
export const SCENARIOS = ["deploy", "drain"] as const;
/** Where the load enters: the app's NodePort (kube-proxy only), or an ingress controller's NodePort in front of the app's Service. */
export const PATHS = ["nodeport", "ingress"] as const;
export const METHODS = ["GET", "POST"] as const;
/** How a canary takes traffic: by its share of ready replicas behind one Service, or by route weights at the ingress. */
export const CANARY_BY = ["replicas", "weight"] as const;
export const INGRESS_CONTROLLERS = ["traefik", "nginx"] as const;
export const MIGRATIONS = ["none", "contract-in-one-step", "expand-contract"] as const;
/** Where k6 runs: one process on this machine, or N runner pods on the cluster through Grafana's k6-operator. */
export const LOADS = ["local", "operator"] as const;

/** Each key's schema with its meaning and unit (config-keys.ts) attached, for the JSON Schema, the reference and --help. */
function documented<T extends Record<string, z.ZodType>>(shape: T): T {
  const out: Record<string, z.ZodType> = {};
  for (const [key, schema] of Object.entries(shape)) {
    const doc = KEY_DOCS[key];
    if (!doc) throw new Error(`config key '${key}' has no entry in harness/config-keys.ts`);
    out[key] = schema.meta({ description: doc.text, ...(doc.unit ? { unit: doc.unit } : {}) });
  }
  const extra = Object.keys(KEY_DOCS).filter((k) => !(k in shape));
  if (extra.length) throw new Error(`harness/config-keys.ts documents keys the config does not have: ${extra.join(", ")}`);
  return out as T;
}

/** Every key of a run's config, with its documentation (no cross-field rules: config-rules.ts). */
export const RunConfigObject = z
  .object(documented({
    scenario: z.enum(SCENARIOS).default("deploy"),
    strategy: z.enum(STRATEGIES).default("rolling"),
    provider: z.enum(PROVIDERS).default("local"),
    path: z.enum(PATHS).default("nodeport"),
    // path=ingress: Traefik (an Ingress/Gateway controller), or Debian's nginx as a
    // plain proxy to the Service (upstream keep-alive as ingress-nginx has it).
    ingressController: z.enum(INGRESS_CONTROLLERS).default("traefik"),
    // Cluster size for provider kind: 1 control plane + (nodes - 1) workers.
    nodes: z.number().int().min(1).max(5).default(1),
    kubeconfig: z.string().optional(),
    context: z.string().optional(),
    keep: z.boolean().default(false),
    runId: z
      .string()
      .regex(/^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/, "lower-case letters, digits and '-', at most 32 characters")
      .optional(),

    // What is deployed: the sample app, or a folder with the user's own app
    // (Deployment manifest + image archive; harness/userapp/).
    app: z.string().min(1, "a folder path").optional(),

    // Workload shape.
    replicas: z.number().int().min(1).max(20).default(4),
    maxSurge: intOrPercent.default(1),
    maxUnavailable: intOrPercent.default(0),
    preStopSleep: seconds(0, 300),
    preStopAction: z.enum(PRESTOP_ACTIONS).default("exec"),
    terminationGracePeriod: seconds(30, 600),
    readinessPeriod: z.number().int().min(1).max(60).default(1),
    readinessInitialDelay: seconds(0, 300),
    readinessFailureThreshold: z.number().int().min(1).max(30).default(1),
    livenessPeriod: z.number().int().min(1).max(60).default(5),
    pdb: z.boolean().default(false),

    // The sample app's behaviour (both versions).
    shutdown: z.enum(SHUTDOWNS).default("graceful"),
    drainTimeout: seconds(10, 300),
    startupDelay: seconds(0, 120),
    readiness: z.enum(READINESS).default("honest"),
    workMs: z.number().int().min(0).max(10_000).default(0),
    // What the new version does wrong (issue: gates and rollback).
    badVersion: z.enum(BAD_VERSIONS).default("none"),
    badErrorRate: z.number().min(0).max(1).default(0.2),
    // badVersion=slow: the new version answers this much later (on top of workMs), still 200.
    badDelayMs: z.number().int().min(1).max(10_000).default(200),

    // The sample app's database (a PostgreSQL pod in the run namespace): every request writes and reads a row.
    database: z.boolean().default(false),
    // A schema change as steps of the rollout (implies database=true): v1 uses column title, v2 column label.
    migration: z.enum(MIGRATIONS).default("none"),

    // Load.
    load: z.enum(LOADS).default("local"),
    // load=operator: the TestRun's parallelism (each runner sends its execution segment of the rate).
    runners: z.number().int().min(1).max(10).default(1),
    rate: z.number().int().min(1).max(5000).default(300),
    warmup: seconds(10, 600),
    cooldown: seconds(10, 600),
    rollouts: z.number().int().min(1).max(20).default(1),
    requestTimeout: z.number().min(0.1).max(60).default(5),
    // Share of the rate sent on a fresh connection per request; the rest reuses keep-alive connections.
    // Both probes by default: they fail differently during a deploy.
    newConnShare: z.number().min(0).max(1).default(0.5),
    // The app closes a keep-alive connection after this many requests (0 = never).
    keepAliveMaxRequests: z.number().int().min(0).max(1_000_000).default(50),
    maxVUs: z.number().int().min(1).max(2000).default(200),
    // Long-lived streams (the sample app's server-sent events) held open through the deploy; 0 = none.
    streams: z.number().int().min(0).max(200).default(0),
    streamSeconds: z.number().min(1).max(600).default(20),
    // GET, or POST (a proxy or client may resend a GET on a just-closed kept-alive connection, not a POST).
    method: z.enum(METHODS).default("GET"),
    // The sample app's idle keep-alive timeout: it closes a connection idle this long
    // (node's own default is 5 s; node 20.20 itself closes 1 s later, the app at the value).
    keepAliveTimeout: z.number().min(0.001).max(3600).default(65),
    // path=ingress: how long the controller keeps an idle upstream connection (Traefik's default: 90 s; nginx's keepalive_timeout).
    ingressIdleTimeout: z.number().min(0.001).max(3600).default(90),
    deployTimeout: seconds(180, 1800),

    // Strategies.
    canarySteps: z
      .array(z.number().int().min(1).max(100))
      .min(1)
      .default([25, 50, 100])
      .refine((s) => s.every((v, i) => i === 0 || v > s[i - 1]!) && s[s.length - 1] === 100, {
        message: "a strictly increasing list of percentages ending at 100, e.g. 25,50,100",
      }),
    canaryPause: seconds(10, 600),
    canaryBy: z.enum(CANARY_BY).default("replicas"),
    scaleDownDelay: seconds(30, 600),
    analysisMaxErrorRate: z.number().min(0).max(1).default(0),
    analysisMinRequests: z.number().int().min(1).default(50),

    // Verdict.
    minRequestsInWindow: z.number().int().min(1).default(1000),
    // Latency (harness/verdict/latency.ts): a deploy window fails when the new version's p99 exceeds
    // max(warm-up p99 × latencyFactor, warm-up p99 + latencyFloorMs) and its median
    // max(warm-up median × latencyFactor, warm-up median + latencyMedianFloorMs). latencyFactor=0: shown, not judged.
    latencyFactor: z.number().min(0).max(100).default(3),
    latencyFloorMs: z.number().min(0).max(60_000).default(150),
    latencyMedianFloorMs: z.number().min(0).max(60_000).default(50),
  }))
  .strict();

/** Each key's schema, by name: what `--set` values are coerced to and error messages name. */
export const SHAPE = RunConfigObject.shape as Record<string, z.ZodType>;
/** The run config's object schema (input side: every key optional), for the generated JSON Schema and reference. */
export const RUN_CONFIG_OBJECT: z.ZodType = RunConfigObject;
export const CONFIG_FIELDS = Object.keys(SHAPE).sort();

/** A parsed config before the rules between keys ran: what each rule reads. */
export type ConfigFields = z.output<typeof RunConfigObject>;
/** One set of rules between keys: adds an issue to `ctx` (on the key to change) for each it finds broken. */
export type ConfigRules = (c: ConfigFields, ctx: z.RefinementCtx<ConfigFields>) => void;
