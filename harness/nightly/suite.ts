// A nightly suite: named scenarios (a RunConfig each), validated before any
// cluster work. YAML or JSON (YAML is a superset of JSON):
//
//   name: nightly              # optional; default: the file name without extension
//   defaults: { rate: 200 }    # optional; RunConfig fields for every scenario
//   scenarios:
//     - name: web-rolling      # SCENARIO_NAME, unique: the key of its history folder
//       config: { strategy: rolling, preStopSleep: 5 }   # RunConfig fields
//       maxFailedRequests: 0   # optional; an accepted risk per night, shown in every report
//
// A scenario's config is validateConfig({ ...defaults, ...config }). Not
// allowed: runId (every run gets its own), and scenarios on different clusters
// (provider, kubeconfig, context must agree: one cluster per nightly). Every
// problem is collected, then thrown once as a ConfigError naming the file, the
// scenario and the field.
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { ConfigError, validateConfig, type RunConfig } from "../config.ts";

export interface Scenario {
  name: string;
  /** defaults + overrides, validated. */
  config: RunConfig;
  /** The scenario's own config as written in the file (no defaults). */
  overrides: Record<string, unknown>;
  /** Failed requests a night may have and still pass (an explicit, accepted risk; default 0). */
  maxFailedRequests: number;
}

export interface Suite {
  name: string;
  /** The file it came from (for messages). */
  source: string;
  scenarios: Scenario[];
}

export const SCENARIO_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const TOP_KEYS = ["name", "defaults", "scenarios"];
const ONE_CLUSTER = ["provider", "kubeconfig", "context"] as const;

const mapping = z.record(z.string(), z.unknown(), { error: "a mapping of RunConfig field: value" });
// Not strict: unknown top-level keys are found by hand, so they are reported with everything else.
const SuiteFile = z.object({
  name: z.string({ error: "a name" }).regex(SCENARIO_NAME, `lower-case letters, digits and '-' (${SCENARIO_NAME})`).optional(),
  defaults: mapping.nullish(),
  scenarios: z.array(z.unknown(), { error: "a list of { name, config }" }).min(1, "at least one scenario: [{ name, config }]"),
});
const ScenarioEntry = z
  .object({
    name: z.string({ error: "a name (string)" }),
    config: mapping.nullish(),
    maxFailedRequests: z.number({ error: "a whole number ≥ 0 (failed requests a night may have: an accepted risk)" }).int("a whole number ≥ 0").min(0, "a whole number ≥ 0").optional(),
  })
  .strict();

const indent = (s: string) => s.replace(/^/gm, "  ");

/** One problem on the file's line; several indented below it. */
function fail(source: string, problems: string[]): never {
  throw new ConfigError(problems.length === 1 ? `suite file '${source}': ${problems[0]}` : `suite file '${source}':\n${problems.map(indent).join("\n")}`);
}

const issueText = (i: z.core.$ZodIssue, prefix = ""): string =>
  i.code === "unrecognized_keys"
    ? `${prefix}unknown key(s) ${i.keys.join(", ")} (a scenario has name, config and maxFailedRequests)`
    : `${prefix}${i.path.map(String).join(".") || "(file)"}: ${i.message}`;

/** Validates a suite document (already parsed from YAML/JSON). Throws ConfigError listing every problem. */
export function parseSuite(doc: unknown, source: string, cli: Record<string, unknown> = {}): Suite {
  if (doc === null || doc === undefined || typeof doc !== "object" || Array.isArray(doc)) {
    fail(source, [`must hold a mapping with ${TOP_KEYS.join(", ")} (got ${Array.isArray(doc) ? "a list" : doc == null ? "nothing" : typeof doc})`]);
  }
  const problems: string[] = [];
  const unknown = Object.keys(doc).filter((k) => !TOP_KEYS.includes(k));
  if (unknown.length) problems.push(`unknown key(s) ${unknown.join(", ")} (allowed: ${TOP_KEYS.join(", ")}; a scenario has name and config)`);
  const parsed = SuiteFile.safeParse(doc);
  if (!parsed.success) fail(source, [...problems, ...parsed.error.issues.map((i) => issueText(i))]);
  const file = parsed.data;
  const defaults = file.defaults ?? {};
  if ("runId" in defaults) problems.push("defaults.runId: not allowed (every run gets its own id)");

  const seen = new Set<string>();
  const scenarios: Scenario[] = [];
  for (const [i, raw] of file.scenarios.entries()) {
    const entry = ScenarioEntry.safeParse(raw);
    if (!entry.success) {
      problems.push(...entry.error.issues.map((x) => issueText(x, `scenarios[${i}]: `)));
      continue;
    }
    const { name } = entry.data;
    const overrides = entry.data.config ?? {};
    const where = `scenarios[${i}] '${name}'`;
    if (!SCENARIO_NAME.test(name)) problems.push(`${where}: name must match ${SCENARIO_NAME} (lower-case letters, digits and '-', at most 63; it names the scenario's history folder)`);
    if (seen.has(name)) problems.push(`${where}: the name is used twice`);
    seen.add(name);
    if ("runId" in overrides) problems.push(`${where}: config.runId: not allowed (every run gets its own id)`);
    try {
      // The command line's --set/--provider win over the file, for every scenario.
      scenarios.push({ name, overrides, config: validateConfig({ ...defaults, ...overrides, ...cli }), maxFailedRequests: entry.data.maxFailedRequests ?? 0 });
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problems.push(`${where} is invalid:\n${indent(e.message.replace(/^invalid configuration:\n/, ""))}`);
    }
  }
  for (const key of ONE_CLUSTER) {
    const byValue = new Map<string, string[]>();
    for (const s of scenarios) {
      const v = String(s.config[key] ?? "(unset)");
      byValue.set(v, [...(byValue.get(v) ?? []), s.name]);
    }
    if (byValue.size > 1) {
      const got = [...byValue].map(([v, names]) => `${v} in ${names.join(", ")}`).join("; ");
      problems.push(`${key}: every scenario of a suite runs on one cluster, so all must agree (got ${got})`);
    }
  }
  if (problems.length) fail(source, problems);
  return { name: file.name ?? (basename(source).replace(/\.(ya?ml|json)$/i, "") || "nightly"), source, scenarios };
}

/** Parses YAML or JSON text, then parseSuite. */
export function parseSuiteText(text: string, source: string, cli: Record<string, unknown> = {}): Suite {
  let doc: unknown;
  try {
    doc = parseYaml(text, { prettyErrors: true });
  } catch (e) {
    fail(source, [`not valid YAML or JSON: ${(e as Error).message.split("\n")[0]}`]);
  }
  return parseSuite(doc, source, cli);
}

export async function loadSuite(path: string, cli: Record<string, unknown> = {}): Promise<Suite> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new ConfigError(`suite file '${path}' cannot be read: ${(e as Error).message}`);
  }
  return parseSuiteText(text, path, cli);
}
