// A configuration experiment: one base RunConfig, some factors (RunConfig
// keys with the values to try), a number of repetitions and a design. This
// file parses and validates the experiment file and expands it into variants.
// Every variant is validated with validateConfig before anything runs.
//
//   name: prestop                # optional; default: the file name without extension
//   base: { shutdown: abrupt, rollouts: 3 }
//   factors:
//     preStopSleep: [0, 5, 10]
//     shutdown: [abrupt, graceful]
//   repeat: 5                    # 1..50 runs of every variant
//   design: one-at-a-time        # or grid
//
// one-at-a-time: the base variant, plus for each factor one variant per value
//   that differs from the base's value (the other factors stay at the base).
// grid: the cartesian product of all factor values (first factor slowest).
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { ConfigError, validateConfig, type RunConfig } from "../config.ts";
import { CONFIG_FIELDS } from "../config-schema.ts";

export const DESIGNS = ["one-at-a-time", "grid"] as const;
export type Design = (typeof DESIGNS)[number];

export const MAX_REPEAT = 50;

/**
 * Keys that cannot be factors: the schedule names every run (runId), and all
 * runs of an experiment share one cluster (provider, kubeconfig, context).
 */
export const NOT_FACTORS = ["runId", "provider", "kubeconfig", "context"] as const;

export interface Factor {
  key: string;
  /** In file order; no two equal. */
  values: unknown[];
}

export interface Variant {
  /** Position in Experiment.variants (0 = base in a one-at-a-time design). */
  index: number;
  /** "base", "preStopSleep=5" or, in a grid, "preStopSleep=5,shutdown=abrupt" (factor order). */
  id: string;
  /** The factor values this variant sets on top of the base. */
  overrides: Record<string, unknown>;
  /** base + overrides, validated. */
  config: RunConfig;
}

export interface Experiment {
  name: string;
  /** The file it came from (for messages). */
  source: string;
  design: Design;
  repeat: number;
  /** The base as written in the file (no defaults filled in). */
  base: Record<string, unknown>;
  factors: Factor[];
  variants: Variant[];
}

const TOP_KEYS = ["name", "base", "factors", "repeat", "design"];

const ExperimentFile = z
  .object({
    name: z.string().trim().min(1, "a non-empty name").max(100, "at most 100 characters").optional(),
    base: z.record(z.string(), z.unknown()).default({}),
    factors: z.record(z.string(), z.array(z.unknown()).min(1, "a non-empty list of values")),
    repeat: z
      .number({ error: `an integer from 1 to ${MAX_REPEAT} (runs of every variant)` })
      .int(`an integer from 1 to ${MAX_REPEAT}`)
      .min(1, `an integer from 1 to ${MAX_REPEAT}`)
      .max(MAX_REPEAT, `an integer from 1 to ${MAX_REPEAT}`),
    design: z.enum(DESIGNS, { error: `one of ${DESIGNS.join(", ")}` }).default("one-at-a-time"),
  })
  .strict();

/** "5", "abrupt", "25%", "true", canarySteps [10, 50, 100] -> "10/50/100" (never a ',' or '='). */
export function formatValue(v: unknown): string {
  if (Array.isArray(v)) return v.map(formatValue).join("/");
  if (typeof v === "string") return v;
  if (v === null || v === undefined) return String(v);
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** JSON with object keys sorted at every level: equal values, equal text. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) =>
    val && typeof val === "object" && !Array.isArray(val)
      ? Object.fromEntries(Object.entries(val as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : val,
  );
}

export function sameValue(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

const variantId = (overrides: Record<string, unknown>): string =>
  Object.entries(overrides)
    .map(([k, v]) => `${k}=${formatValue(v)}`)
    .join(",") || "base";

const indent = (s: string) =>
  s
    .split("\n")
    .map((l) => `  ${l}`)
    .join("\n");

/** One problem on the file's line; several indented below it. */
function fail(source: string, problems: string[]): never {
  throw new ConfigError(
    problems.length === 1 ? `experiment file '${source}': ${problems[0]}` : `experiment file '${source}':\n${problems.map(indent).join("\n")}`,
  );
}

/** The default name: the file name without its extension. */
function nameFromSource(source: string): string {
  return basename(source).replace(/\.(ya?ml|json)$/i, "") || "experiment";
}

/**
 * Validates an experiment document (already parsed from YAML/JSON) and expands
 * its variants. Throws ConfigError naming the file, the variant and the field.
 */
export function parseExperiment(doc: unknown, source: string): Experiment {
  if (doc === null || doc === undefined || typeof doc !== "object" || Array.isArray(doc)) {
    fail(source, [`must hold a mapping with ${TOP_KEYS.join(", ")} (got ${Array.isArray(doc) ? "a list" : doc == null ? "nothing" : typeof doc})`]);
  }
  const parsed = ExperimentFile.safeParse(doc);
  if (!parsed.success) {
    fail(
      source,
      parsed.error.issues.map((i) => {
        if (i.code === "unrecognized_keys") return `unknown key(s) ${i.keys.map((k) => `'${k}'`).join(", ")} (allowed: ${TOP_KEYS.join(", ")})`;
        const field = i.path.map(String).join(".") || "(file)";
        if (i.path[0] === "factors" && i.code === "invalid_type") {
          return `${field}: ${i.path.length === 1 ? "a mapping of RunConfig key: [values...]" : "a list of values, e.g. [0, 5]"}`;
        }
        return `${field}: ${i.message}`;
      }),
    );
  }
  const file = parsed.data;
  const name = file.name ?? nameFromSource(source);

  if ("runId" in file.base) fail(source, ["base.runId: not allowed (the experiment names every run itself)"]);

  const factors: Factor[] = [];
  const problems: string[] = [];
  for (const [key, values] of Object.entries(file.factors)) {
    if (!CONFIG_FIELDS.includes(key)) {
      problems.push(`factors.${key}: unknown field '${key}' (allowed: ${CONFIG_FIELDS.filter((f) => !(NOT_FACTORS as readonly string[]).includes(f)).join(", ")})`);
      continue;
    }
    if ((NOT_FACTORS as readonly string[]).includes(key)) {
      problems.push(`factors.${key}: cannot be a factor (every run of an experiment uses one cluster and gets its own runId)`);
      continue;
    }
    const dup = values.find((v, i) => values.findIndex((w) => sameValue(v, w)) !== i);
    if (dup !== undefined) {
      problems.push(`factors.${key}: the value ${formatValue(dup)} is listed twice`);
      continue;
    }
    factors.push({ key, values });
  }
  if (factors.length === 0 && problems.length === 0) problems.push("factors: at least one factor (RunConfig key: [values...])");
  if (problems.length) fail(source, problems);

  const candidates: Array<Record<string, unknown>> = [];
  let baseConfig: RunConfig | undefined;
  if (file.design === "one-at-a-time") {
    // The base must be valid on its own: every other variant differs from it in one field.
    baseConfig = validated(source, "base", file.base);
    candidates.push({});
    for (const f of factors) {
      const baseValue = (baseConfig as Record<string, unknown>)[f.key];
      for (const v of f.values) if (!sameValue(v, baseValue)) candidates.push({ [f.key]: v });
    }
  } else {
    let combos: Array<Record<string, unknown>> = [{}];
    for (const f of factors) combos = combos.flatMap((c) => f.values.map((v) => ({ ...c, [f.key]: v })));
    candidates.push(...combos);
  }

  const variants: Variant[] = [];
  const invalid: string[] = [];
  for (const overrides of candidates) {
    const id = variantId(overrides);
    if (baseConfig && id === "base") {
      variants.push({ index: variants.length, id, overrides, config: baseConfig });
      continue;
    }
    try {
      variants.push({ index: variants.length, id, overrides, config: validateConfig({ ...file.base, ...overrides }) });
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      invalid.push(`variant '${id}' is invalid:\n${indent(issuesOf(e))}`);
    }
  }
  if (invalid.length) {
    const shown = invalid.slice(0, 10);
    if (invalid.length > shown.length) shown.push(`and ${invalid.length - shown.length} more invalid variant(s)`);
    fail(source, [`${invalid.length} of ${candidates.length} variants are invalid (nothing was run):\n${shown.map(indent).join("\n")}`]);
  }
  return { name, source, design: file.design, repeat: file.repeat, base: file.base, factors, variants };
}

function issuesOf(e: ConfigError): string {
  return e.message.replace(/^invalid configuration:\n/, "");
}

function validated(source: string, id: string, input: Record<string, unknown>): RunConfig {
  try {
    return validateConfig(input);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    fail(source, [`variant '${id}' is invalid:\n${indent(issuesOf(e))}`]);
  }
}

/** Parses YAML or JSON text (YAML is a superset of JSON), then parseExperiment. */
/**
 * `--set`/`--provider` of the command line over the file's base: they win
 * over it for every variant. A factor cannot be overridden (its values are
 * the experiment).
 */
export function withOverrides(doc: unknown, overrides: Record<string, unknown>, source: string): unknown {
  if (!Object.keys(overrides).length || doc === null || typeof doc !== "object" || Array.isArray(doc)) return doc;
  const d = doc as { base?: unknown; factors?: unknown };
  const factors = d.factors && typeof d.factors === "object" ? Object.keys(d.factors) : [];
  const clash = Object.keys(overrides).filter((k) => factors.includes(k));
  if (clash.length) fail(source, clash.map((k) => `--set ${k}: it is a factor of the experiment (its values come from factors.${k}); change the file instead`));
  const base = d.base && typeof d.base === "object" && !Array.isArray(d.base) ? d.base : {};
  return { ...d, base: { ...base, ...overrides } };
}

export function parseExperimentText(text: string, source: string, overrides: Record<string, unknown> = {}): Experiment {
  let doc: unknown;
  try {
    doc = parseYaml(text, { prettyErrors: true });
  } catch (e) {
    fail(source, [`not valid YAML or JSON: ${(e as Error).message.split("\n")[0]}`]);
  }
  return parseExperiment(withOverrides(doc, overrides, source), source);
}

export async function loadExperiment(path: string, overrides: Record<string, unknown> = {}): Promise<Experiment> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new ConfigError(`experiment file '${path}' cannot be read: ${(e as Error).message}`);
  }
  return parseExperimentText(text, path, overrides);
}
