// The one typed RunConfig: every knob of a run, validated before any cluster
// work. Keys are flat so that `--set key=value` and config files use the same
// names; docs/configuration.md has the reference table. The keys are in
// config-schema.ts, the rules between them in config-rules.ts; here: a config
// file and `--set` values in, a validated RunConfig (or a ConfigError) out.
import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { crossFieldRules } from "./config-rules.ts";
import { CONFIG_FIELDS, RunConfigObject, SHAPE } from "./config-schema.ts";

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

export const RunConfigSchema = RunConfigObject.superRefine(crossFieldRules);

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
