// `make docs`: writes the files generated from the config schema
// (config-reference.ts): docs/schema/*.schema.json and the reference table
// in docs/configuration.md. test/unit/generated-docs.test.ts fails when they
// are stale.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { generatedFiles } from "./config-reference.ts";
import { PROJECT_ROOT } from "./cluster/provider.ts";

const current = await readFile(join(PROJECT_ROOT, "docs", "configuration.md"), "utf8");
for (const [path, content] of Object.entries(generatedFiles(current))) {
  await mkdir(dirname(join(PROJECT_ROOT, path)), { recursive: true });
  await writeFile(join(PROJECT_ROOT, path), content);
  console.log(`wrote ${path}`);
}
