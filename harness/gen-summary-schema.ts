// summary.json's JSON Schema (docs/schema/summary.schema.json), generated
// from the TypeScript type it is written from (reports/summary-schema.ts) by
// ts-json-schema-generator. Build time only (`make docs` and the staleness
// test): it needs the devDependencies typescript and ts-json-schema-generator.
import ts from "typescript";
import { AnyType, createFormatter, createParser, createProgram, DEFAULT_CONFIG, SchemaGenerator, type CompletedConfig } from "ts-json-schema-generator";
import { join } from "node:path";
import { PROJECT_ROOT } from "./cluster/provider.ts";

/** RunConfig is z.infer<…>, which the generator cannot read: such a reference is any value (the config has its own schema). */
class ZodInferParser {
  supportsNode(node: ts.Node): boolean {
    return ts.isTypeReferenceNode(node) && /^z\./.test(node.typeName.getText());
  }
  createType(): AnyType {
    return new AnyType();
  }
}

export function summaryJsonSchema(): Record<string, unknown> {
  const config: CompletedConfig = {
    ...DEFAULT_CONFIG,
    path: join(PROJECT_ROOT, "reports", "summary-schema.ts"),
    tsconfig: join(PROJECT_ROOT, "tsconfig.json"),
    type: "SummaryFile",
    skipTypeCheck: true,
    expose: "export",
    topRef: true,
    additionalProperties: false,
    functions: "hide",
    sortProps: true,
  };
  const program = createProgram(config);
  const parser = createParser(program, config, (p) => p.addNodeParser(new ZodInferParser()));
  const schema = new SchemaGenerator(program, parser, createFormatter(config), config).createSchema("SummaryFile") as Record<string, unknown>;
  return { ...schema, $id: "https://nodrop.invalid/schema/summary.schema.json", title: "nodrop summary.json (one run's verdict and numbers)" };
}
