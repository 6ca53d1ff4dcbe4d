// What is generated from the config schema (config-schema.ts + config-keys.ts):
// the JSON Schemas of config, experiment and suite files (docs/schema/), the
// reference table in docs/configuration.md, and `nodrop run --help`'s keys.
// `make docs` writes the files (harness/gen-docs.ts); a unit test fails when
// they are stale.
import { z } from "zod";
import { RUN_CONFIG_OBJECT } from "./config-schema.ts";
import { DESIGNS, MAX_REPEAT } from "./experiment/design.ts";
import { SCENARIO_NAME } from "./nightly/suite.ts";

type Json = Record<string, unknown>;
interface KeySchema {
  description?: string;
  unit?: string;
  default?: unknown;
  type?: string;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  pattern?: string;
  anyOf?: KeySchema[];
  items?: KeySchema;
}

const BASE = "https://nodrop.invalid/schema"; // an $id names a schema; nothing is fetched from it

/** The run config's JSON Schema: every key optional (defaults apply), no other key allowed. */
export function configJsonSchema(): Json {
  const s = z.toJSONSchema(RUN_CONFIG_OBJECT, { io: "input", unrepresentable: "any" }) as Json;
  return { ...s, $id: `${BASE}/config.schema.json`, title: "nodrop run configuration (a config file, --set key=value, a suite's defaults and config, an experiment's base)" };
}

function keys(): Array<[string, KeySchema]> {
  return Object.entries((configJsonSchema()["properties"] ?? {}) as Record<string, KeySchema>);
}

export function experimentJsonSchema(): Json {
  const config = configJsonSchema();
  const factors = Object.fromEntries(keys().map(([k, v]) => [k, { type: "array", minItems: 1, items: { ...v, default: undefined }, description: `values of ${k} to compare` }]));
  return {
    $schema: config["$schema"],
    $id: `${BASE}/experiment.schema.json`,
    title: "nodrop experiment file",
    type: "object",
    additionalProperties: false,
    required: ["factors", "repeat"],
    properties: {
      name: { type: "string", minLength: 1, maxLength: 100 },
      base: { ...strip(config), description: "the configuration every variant starts from" },
      factors: { type: "object", additionalProperties: false, minProperties: 1, properties: factors, description: "each factor: a config key and the values to compare" },
      repeat: { type: "integer", minimum: 1, maximum: MAX_REPEAT, description: "runs of every variant" },
      design: { type: "string", enum: [...DESIGNS], default: "one-at-a-time" },
    },
  };
}

export function suiteJsonSchema(): Json {
  const config = configJsonSchema();
  return {
    $schema: config["$schema"],
    $id: `${BASE}/suite.schema.json`,
    title: "nodrop nightly suite",
    type: "object",
    additionalProperties: false,
    required: ["scenarios"],
    properties: {
      name: { type: "string", pattern: SCENARIO_NAME.source },
      defaults: { ...strip(config), description: "configuration every scenario starts from" },
      scenarios: {
        type: "array",
        minItems: 1,
        items: {
          type: "object",
          additionalProperties: false,
          required: ["name"],
          properties: {
            name: { type: "string", pattern: SCENARIO_NAME.source },
            config: { ...strip(config), description: "this scenario's configuration, over the defaults" },
            maxFailedRequests: { type: "integer", minimum: 0, description: "failed requests a night may have: an accepted risk, shown in every report (default 0)" },
          },
        },
      },
    },
  };
}

/** A nested copy of the config schema: without its $schema/$id/title. */
function strip(s: Json): Json {
  const { $schema: _s, $id: _i, title: _t, ...rest } = s;
  return rest;
}

const SAFE_MAX = Number.MAX_SAFE_INTEGER;

/** "rolling, blue-green, canary", "1–20", "≥ 0", "bool", "int ≥ 0 or N%". */
export function allowedText(v: KeySchema): string {
  if (v.enum) return v.enum.map(String).join(", ");
  if (v.anyOf) return v.anyOf.map(allowedText).join(" or ");
  if (v.type === "boolean") return "bool";
  if (v.type === "array") return `list of ${allowedText(v.items ?? {})}`;
  if (v.type === "string") return v.pattern === "^(100|[1-9]?[0-9])%$" ? "N%" : v.pattern ? `text matching ${v.pattern}` : "text";
  const int = v.type === "integer" ? "int " : "";
  const max = v.maximum !== undefined && v.maximum < SAFE_MAX ? v.maximum : undefined;
  if (v.minimum !== undefined && max !== undefined) return `${int}${v.minimum}–${max}`;
  if (v.minimum !== undefined) return `${int}≥ ${v.minimum}`;
  return v.type ?? "any";
}

const defaultText = (v: KeySchema) => (v.default === undefined ? "–" : Array.isArray(v.default) ? v.default.join(",") : String(v.default));
const mdCell = (s: string) => s.replace(/\|/g, "\\|");

/** The reference table of docs/configuration.md: one row per key, in the schema's order. */
export function referenceTable(): string {
  const rows = keys().map(([k, v]) => `| \`${k}\` | ${mdCell(defaultText(v))} | ${mdCell(allowedText(v))}${v.unit ? ` ${v.unit}` : ""} | ${mdCell(v.description ?? "")} |`);
  return ["| key | default | allowed | meaning |", "|---|---|---|---|", ...rows].join("\n");
}

/** `nodrop run --help`'s key list: "  key  default  allowed  meaning" (links and backticks dropped), at most `width` columns a line. */
export function keyHelp(width = 100): string {
  const plain = (s: string) => s.replace(/\[([^\]]+)\]\([^)]+\)/g, "$1").replace(/`/g, "");
  const list = keys();
  const w = Math.max(...list.map(([k]) => k.length));
  const lines: string[] = [];
  for (const [k, v] of list) {
    const head = `  ${k.padEnd(w)}  ${defaultText(v)} (${allowedText(v)}${v.unit ? ` ${v.unit}` : ""})`;
    lines.push(head);
    lines.push(...wrap(plain(v.description ?? ""), width - 6).map((l) => `      ${l}`));
  }
  return lines.join("\n");
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}

export const REFERENCE_START = "<!-- generated by `make docs` from harness/config-schema.ts and harness/config-keys.ts: edit those -->";
export const REFERENCE_END = "<!-- end of generated reference -->";

/** docs/configuration.md with its generated table replaced by the current one. */
export function withReference(markdown: string): string {
  const a = markdown.indexOf(REFERENCE_START);
  const b = markdown.indexOf(REFERENCE_END);
  if (a < 0 || b < a) throw new Error(`docs/configuration.md: the markers of the generated reference are missing (${REFERENCE_START} … ${REFERENCE_END})`);
  return `${markdown.slice(0, a + REFERENCE_START.length)}\n${referenceTable()}\n${markdown.slice(b)}`;
}

/** Every generated file (path relative to the project root) and its content, given the current docs/configuration.md. */
export function generatedFiles(configurationMd: string): Record<string, string> {
  const json = (o: Json) => JSON.stringify(o, null, 2) + "\n";
  return {
    "docs/schema/config.schema.json": json(configJsonSchema()),
    "docs/schema/experiment.schema.json": json(experimentJsonSchema()),
    "docs/schema/suite.schema.json": json(suiteJsonSchema()),
    "docs/configuration.md": withReference(configurationMd),
  };
}
