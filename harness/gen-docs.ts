// `make docs`: writes the files generated from the config schema
// (config-reference.ts): docs/schema/*.schema.json and the reference table
// in docs/configuration.md; and summary.json's schema, from its TypeScript
// type (gen-summary-schema.ts). test/unit/generated-docs.test.ts fails when they
// are stale.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { generatedFiles } from "./config-reference.ts";
import { summaryJsonSchema } from "./gen-summary-schema.ts";
import { PROJECT_ROOT } from "./cluster/provider.ts";

const current = await readFile(join(PROJECT_ROOT, "docs", "configuration.md"), "utf8");
const files = { ...generatedFiles(current), "docs/schema/summary.schema.json": JSON.stringify(summaryJsonSchema(), null, 2) + "\n" };
for (const [path, content] of Object.entries(files)) {
  await mkdir(dirname(join(PROJECT_ROOT, path)), { recursive: true });
  await writeFile(join(PROJECT_ROOT, path), content);
  console.log(`wrote ${path}`);
}
