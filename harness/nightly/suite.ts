// A nightly suite: named scenarios (RunConfig each), validated before any
// cluster work. Every problem is collected, then thrown once as a ConfigError
// naming the file, the scenario and the field.
//
//   name: nightly              # optional; default: the file name without extension
//   defaults: { rate: 200 }    # RunConfig fields for every scenario
//   scenarios:
//     - name: web-rolling      # [a-z0-9-], unique: the key of its history
//       config: { strategy: rolling, app: apps/web }
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { ConfigError, validateConfig, type RunConfig } from "../config.ts";

export interface Scenario {
  name: string;
  config: RunConfig;
}

export interface Suite {
  name: string;
  source: string;
  scenarios: Scenario[];
}

export const SCENARIO_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const TOP_KEYS = ["name", "defaults", "scenarios"];
const ONE_CLUSTER = ["provider", "kubeconfig", "context"] as const;

const SuiteFile = z
  .object({
    name: z.string().regex(SCENARIO_NAME, "lower-case letters, digits and '-'").optional(),
    defaults: z.record(z.string(), z.unknown()).default({}),
    scenarios: z
      .array(z.object({ name: z.string(), config: z.record(z.string(), z.unknown()).default({}) }).strict())
      .min(1, "at least one scenario: [{ name, config }]"),
  })
  .strict();

function fail(source: string, problems: string[]): never {
  throw new ConfigError(`suite ${source}:\n${problems.map((p) => `  ${p.replace(/\n/g, "\n  ")}`).join("\n")}`);
}

export function parseSuite(doc: unknown, source: string): Suite {
  const parsed = SuiteFile.safeParse(doc ?? {});
  if (!parsed.success) {
    fail(
      source,
      parsed.error.issues.map((i) =>
        i.code === "unrecognized_keys" ? `unknown key(s) ${i.keys.join(", ")} (allowed: ${TOP_KEYS.join(", ")}; a scenario has name and config)` : `${i.path.join(".") || "(file)"}: ${i.message}`,
      ),
    );
  }
  const file = parsed.data;
  const problems: string[] = [];
  if ("runId" in file.defaults) problems.push("defaults.runId: not allowed (every run gets its own id)");
  const seen = new Set<string>();
  const scenarios: Scenario[] = [];
  for (const [i, sc] of file.scenarios.entries()) {
    const where = `scenarios[${i}] '${sc.name}'`;
    if (!SCENARIO_NAME.test(sc.name)) problems.push(`${where}: name must match ${SCENARIO_NAME} (it names the scenario's history folder)`);
    if (seen.has(sc.name)) problems.push(`${where}: the name is used twice`);
    seen.add(sc.name);
    if ("runId" in sc.config) problems.push(`${where}: config.runId: not allowed`);
    try {
      scenarios.push({ name: sc.name, config: validateConfig({ ...file.defaults, ...sc.config }) });
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problems.push(`${where} is invalid:\n${e.message.replace(/^invalid configuration:\n/, "")}`);
    }
  }
  for (const key of ONE_CLUSTER) {
    const values = new Set(scenarios.map((s) => String(s.config[key] ?? "")));
    if (values.size > 1) problems.push(`${key}: every scenario of a suite runs on one cluster (got ${[...values].map((v) => v || "(unset)").join(", ")})`);
  }
  if (problems.length) fail(source, problems);
  return { name: file.name ?? (basename(source).replace(/\.(ya?ml|json)$/i, "") || "nightly"), source, scenarios };
}

export async function loadSuite(path: string): Promise<Suite> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new ConfigError(`suite file '${path}' cannot be read: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text, { prettyErrors: true });
  } catch (e) {
    fail(path, [`not valid YAML or JSON: ${(e as Error).message.split("\n")[0]}`]);
  }
  return parseSuite(doc, path);
}
