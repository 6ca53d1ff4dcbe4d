// The one typed RunConfig: every knob of a run, validated before any cluster
// work. Keys are flat so that `--set key=value` and config files use the same
// names; docs/configuration.md has the reference table.
import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { KEY_DOCS } from "./config-keys.ts";

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

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

const RunConfigObject = z
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

const SHAPE = RunConfigObject.shape as Record<string, z.ZodType>;
/** The run config's object schema (input side: every key optional), for the generated JSON Schema and reference. */
export const RUN_CONFIG_OBJECT: z.ZodType = RunConfigObject;
export const CONFIG_FIELDS = Object.keys(SHAPE).sort();

export const RunConfigSchema = RunConfigObject.superRefine((c, ctx) => {
    if (isZero(c.maxSurge) && isZero(c.maxUnavailable)) {
      ctx.addIssue({
        code: "custom",
        path: ["maxUnavailable"],
        message: "maxSurge and maxUnavailable cannot both be 0 (the rollout could never make progress); set one of them >= 1",
      });
    }
    if (c.preStopSleep > 0 && c.preStopSleep >= c.terminationGracePeriod) {
      ctx.addIssue({
        code: "custom",
        path: ["preStopSleep"],
        message: `must be shorter than terminationGracePeriod (${c.terminationGracePeriod} s), or the kubelet kills the pod during preStop`,
      });
    }
    if (c.cooldown < c.requestTimeout) {
      ctx.addIssue({
        code: "custom",
        path: ["cooldown"],
        message:
          `must be at least requestTimeout (${c.requestTimeout} s): requests sent at the end of the last deploy window ` +
          `need up to requestTimeout to finish before k6 is stopped`,
      });
    }
    if (c.nodes > 1 && c.provider !== "kind") {
      ctx.addIssue({ code: "custom", path: ["nodes"], message: `only provider kind makes clusters of several nodes (provider is ${c.provider}); set nodes=1 or provider=kind` });
    }
    if (c.scenario === "drain") {
      if (c.strategy !== "rolling") ctx.addIssue({ code: "custom", path: ["strategy"], message: `scenario=drain drains nodes under one Deployment: strategy must be rolling (is ${c.strategy})` });
      if (c.badVersion !== "none") ctx.addIssue({ code: "custom", path: ["badVersion"], message: "scenario=drain deploys no new version: badVersion must be none" });
      if (c.provider === "local") ctx.addIssue({ code: "custom", path: ["provider"], message: "scenario=drain needs at least 2 worker nodes: the local cluster has one; use provider=kind with nodes >= 3, or existing" });
      if (c.provider === "kind" && c.nodes < 3) ctx.addIssue({ code: "custom", path: ["nodes"], message: `scenario=drain needs at least 2 worker nodes: with provider kind, nodes >= 3 (1 control plane + 2 workers; is ${c.nodes})` });
      if (c.path === "ingress") ctx.addIssue({ code: "custom", path: ["path"], message: "scenario=drain drains the nodes the single ingress controller runs on too: path must be nodeport" });
      if (c.replicas < 2) ctx.addIssue({ code: "custom", path: ["replicas"], message: "scenario=drain spreads the pods over the workers: replicas must be >= 2" });
    }
    if (c.canaryBy === "weight" && c.path !== "ingress") {
      ctx.addIssue({ code: "custom", path: ["canaryBy"], message: "canaryBy=weight sets weights on the ingress's route: it needs path=ingress" });
    }
    if (c.ingressController !== "traefik" && c.path !== "ingress") {
      ctx.addIssue({ code: "custom", path: ["ingressController"], message: `ingressController applies to path=ingress (path is ${c.path})` });
    }
    if (c.canaryBy === "weight" && c.ingressController !== "traefik") {
      ctx.addIssue({ code: "custom", path: ["ingressController"], message: "canaryBy=weight sets weights on Traefik's HTTPRoute: ingressController must be traefik" });
    }
    if (c.canaryBy === "weight" && c.strategy !== "canary") {
      ctx.addIssue({ code: "custom", path: ["canaryBy"], message: `canaryBy applies to strategy=canary (strategy is ${c.strategy})` });
    }
    if (c.app !== undefined && c.streams > 0) {
      ctx.addIssue({ code: "custom", path: ["streams"], message: "only the sample app serves streams (/stream): with app set, streams must be 0" });
    }
    if (c.app !== undefined && c.badVersion !== "none") {
      ctx.addIssue({ code: "custom", path: ["badVersion"], message: "only the sample app has bad versions: with app set, badVersion must be none" });
    }
    if (c.app !== undefined && (c.database || c.migration !== "none")) {
      ctx.addIssue({ code: "custom", path: [c.migration !== "none" ? "migration" : "database"], message: "only the sample app has a database mode: with app set, database must be false and migration none" });
    }
    if (c.migration !== "none") {
      const why = `migration=${c.migration} is a step of a rolling update from v1 to v2`;
      if (c.strategy !== "rolling") ctx.addIssue({ code: "custom", path: ["strategy"], message: `${why}: strategy must be rolling` });
      if (c.scenario !== "deploy") ctx.addIssue({ code: "custom", path: ["scenario"], message: `${why}: scenario must be deploy` });
      if (c.rollouts !== 1) ctx.addIssue({ code: "custom", path: ["rollouts"], message: `${why}: rollouts must be 1` });
    }
    if (c.runners > 1 && c.load !== "operator") {
      ctx.addIssue({ code: "custom", path: ["runners"], message: `runners applies to load=operator (load is ${c.load}): set load=operator or runners=1` });
    }
    if (c.load === "operator" && c.streams > 0) {
      ctx.addIssue({ code: "custom", path: ["streams"], message: "load=operator sends requests only: streams must be 0" });
    }
    if (c.provider === "existing" && !c.kubeconfig && !process.env["KUBECONFIG"]) {
      ctx.addIssue({ code: "custom", path: ["kubeconfig"], message: "provider=existing needs kubeconfig (or KUBECONFIG)" });
    }
  });

export type RunConfig = z.infer<typeof RunConfigSchema> & {
  /**
   * The fields the input set (not filled in from defaults). A user's app keeps
   * what its manifest says for every knob the user did not set.
   */
  explicit?: string[];
};
export type RunConfigInput = z.input<typeof RunConfigSchema>;

/** The cluster size a run asks for: only when `nodes` was set; otherwise a running cluster of any size is reused. */
/** The sample app talks to its database (a migration implies it). */
export function usesDatabase(c: Pick<RunConfig, "database" | "migration">): boolean {
  return c.database || c.migration !== "none";
}

export function wantedNodes(c: RunConfig): number | undefined {
  return c.explicit === undefined || c.explicit.includes("nodes") ? c.nodes : undefined;
}

function isZero(v: number | string): boolean {
  return v === 0 || v === "0%";
}

/** Converts a `--set` value to the type the schema wants for that key. */
function coerce(key: string, raw: string): unknown {
  const field = SHAPE[key];
  if (!field) {
    throw new ConfigError(`unknown field '${key}' (allowed: ${CONFIG_FIELDS.join(", ")})`);
  }
  const probe = (v: unknown) => field.safeParse(v).success;
  if (raw === "true" || raw === "false") {
    if (probe(raw === "true")) return raw === "true";
  }
  if (/^-?\d+(\.\d+)?$/.test(raw)) {
    const n = Number(raw);
    // A number the field refuses is still passed as a number, so the error
    // message talks about the number's range, not about strings.
    if (probe(n) || !probe(raw)) return n;
  }
  if (raw.includes(",") || key === "canarySteps") {
    const parts = raw.split(",").map((p) => p.trim());
    const nums = parts.map(Number);
    if (nums.every((n) => Number.isFinite(n))) return nums;
    return parts;
  }
  return raw;
}

export function parseSets(sets: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const s of sets) {
    const eq = s.indexOf("=");
    if (eq <= 0) throw new ConfigError(`--set expects key=value, got '${s}'`);
    const key = s.slice(0, eq).trim();
    out[key] = coerce(key, s.slice(eq + 1).trim());
  }
  return out;
}

export async function loadConfigFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new ConfigError(`config file '${path}' cannot be read: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    // YAML is a superset of JSON: one parser serves both.
    doc = parseYaml(text, { prettyErrors: true });
  } catch (e) {
    throw new ConfigError(`config file '${path}' is not valid YAML or JSON: ${(e as Error).message.split("\n")[0]}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== "object" || Array.isArray(doc)) {
    throw new ConfigError(`config file '${path}' must hold a mapping of field: value (got ${Array.isArray(doc) ? "a list" : typeof doc})`);
  }
  return doc as Record<string, unknown>;
}

function allowedFor(key: string): string | undefined {
  let f: z.ZodType | undefined = SHAPE[key];
  while (f && "unwrap" in f && typeof (f as { unwrap?: unknown }).unwrap === "function") {
    f = (f as unknown as { unwrap(): z.ZodType }).unwrap();
  }
  if (f && "options" in f && Array.isArray((f as { options?: unknown }).options)) {
    const opts = (f as unknown as { options: unknown[] }).options;
    if (opts.every((o) => typeof o === "string")) return opts.join(", ");
  }
  return undefined;
}

export function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => {
      const field = i.path.join(".") || "(config)";
      let msg = i.message;
      if (i.code === "unrecognized_keys") {
        return `unknown field(s) ${i.keys.map((k) => `'${k}'`).join(", ")} (allowed: ${CONFIG_FIELDS.join(", ")})`;
      }
      const allowed = allowedFor(field);
      if (allowed && !msg.includes(allowed)) msg += ` (allowed: ${allowed})`;
      return `${field}: ${msg}`;
    })
    .join("\n");
}

/**
 * A migration run isolates the schema: unless preStopSleep is set, it gets the
 * demo B's 5 s, so that what fails is the database and not the endpoints
 * (without a preStop a rolling update drops requests whatever the schema does).
 */
export const MIGRATION_PRESTOP_S = 5;

/**
 * load=operator: k6 splits maxVUs between the runners like the rate, so
 * unless maxVUs is set each runner gets the VUs one local k6 has (runners ×
 * 200, at most the field's 2000). With 200 split 3 ways, a ~1 s stall of a
 * 2-core machine as new pods start left a runner without a free VU (the
 * demo's B inconclusive on 17 dropped iterations, see docs/demo.md).
 */
export const VUS_PER_RUNNER = 200;

function presets(input: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (typeof input["migration"] === "string" && input["migration"] !== "none" && input["preStopSleep"] === undefined) out["preStopSleep"] = MIGRATION_PRESTOP_S;
  const runners = input["runners"];
  // A runners value the schema refuses is still its error (maxVUs stays within its own 2000).
  if (input["load"] === "operator" && input["maxVUs"] === undefined && typeof runners === "number" && Number.isInteger(runners) && runners >= 1) {
    out["maxVUs"] = Math.min(2000, VUS_PER_RUNNER * runners);
  }
  return out;
}

export function validateConfig(input: Record<string, unknown>): RunConfig {
  const r = RunConfigSchema.safeParse({ ...input, ...presets(input) });
  if (!r.success) throw new ConfigError(`invalid configuration:\n${formatIssues(r.error)}`);
  const explicit = Object.keys(input).filter((k) => k in SHAPE && input[k] !== undefined).sort();
  return { ...r.data, explicit };
}

/** File first, then `--set` overrides, then validation. Throws ConfigError. */
export async function resolveConfig(opts: {
  file?: string;
  sets?: string[];
  base?: Record<string, unknown>;
}): Promise<RunConfig> {
  const fromFile = opts.file ? await loadConfigFile(opts.file) : {};
  const fromSets = parseSets(opts.sets ?? []);
  return validateConfig({ ...(opts.base ?? {}), ...fromFile, ...fromSets });
}
