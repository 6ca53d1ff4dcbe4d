// The files generated from the config schema are current: the JSON Schemas in
// docs/schema/ and the reference table in docs/configuration.md. Fix: `make docs`.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Ajv2020 } from "ajv/dist/2020.js";
import { parse } from "yaml";
import { generatedFiles, keyHelp } from "../../harness/config-reference.ts";
import { CONFIG_FIELDS } from "../../harness/config-schema.ts";
import { KEY_DOCS } from "../../harness/config-keys.ts";
import { summaryJsonSchema } from "../../harness/gen-summary-schema.ts";
import { PROJECT_ROOT } from "../../harness/cluster/provider.ts";

const read = (p: string) => readFileSync(join(PROJECT_ROOT, p), "utf8");

describe("generated from the config schema", () => {
  const files = generatedFiles(read("docs/configuration.md"));

  it.each(Object.keys(files))("%s is current (else run `make docs`)", (path) => {
    expect(read(path) === files[path], `${path} is stale: run \`make docs\``).toBe(true);
  });

  it("docs/schema/summary.schema.json is current (else run `make docs`)", () => {
    const want = JSON.stringify(summaryJsonSchema(), null, 2) + "\n";
    expect(read("docs/schema/summary.schema.json") === want, "docs/schema/summary.schema.json is stale: run `make docs`").toBe(true);
  }, 60_000);

  it("documents every key, and only keys the config has", () => {
    expect(Object.keys(KEY_DOCS).sort()).toEqual(CONFIG_FIELDS);
    for (const k of CONFIG_FIELDS) expect(files["docs/configuration.md"], k).toContain(`| \`${k}\` |`);
  });

  it("the schemas accept the project's own experiment and suite files, and refuse an unknown key with its name", () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    const compiled = new Map<string, ReturnType<typeof ajv.compile>>();
    const check = (schemaPath: string, doc: unknown) => {
      if (!compiled.has(schemaPath)) compiled.set(schemaPath, ajv.compile(JSON.parse(files[schemaPath]!)));
      const validate = compiled.get(schemaPath)!;
      return validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
    };
    expect(check("docs/schema/experiment.schema.json", parse(read("experiments/prestop.yaml")))).toEqual([]);
    expect(check("docs/schema/suite.schema.json", parse(read("suites/nightly.yaml")))).toEqual([]);
    expect(check("docs/schema/config.schema.json", { strategy: "canary", canarySteps: [10, 100], maxSurge: "25%" })).toEqual([]);
    expect(check("docs/schema/config.schema.json", { strategy: "big-bang" }).join()).toMatch(/strategy/);
    expect(check("docs/schema/config.schema.json", { replica: 3 }).join()).toMatch(/additionalProperty.*replica/);
  });

  it("run --help's key list fits 100 columns and names every key with its default", () => {
    const help = keyHelp(100);
    expect(Math.max(...help.split("\n").map((l) => l.length))).toBeLessThanOrEqual(100);
    expect(help).toMatch(/^ {2}preStopSleep +0 \(0–300 s\)$/m);
    for (const k of CONFIG_FIELDS) expect(help).toMatch(new RegExp(`^  ${k} `, "m"));
  });
});
