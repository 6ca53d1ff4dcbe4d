// The bundled scenario cached by content hash (load/bundle-key.ts): the same
// inputs give the bundle built before; any file the check reads changing —
// a type-only import included, which esbuild drops — checks and builds again.
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bundleScenario, SCENARIOS_TSCONFIG, ScenarioTypeError } from "../../harness/load/bundle.ts";
import { bundleInputs, bundleKey } from "../../harness/load/bundle-key.ts";
import { stateDir } from "../../harness/paths.ts";
import { REPO_ROOT } from "../../harness/tools.ts";

const BUNDLE_MS = 60_000;
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** A throw-away project next to the repository's node_modules (as scenario.test.ts's). */
async function project(): Promise<string> {
  await mkdir(join(REPO_ROOT, ".nodrop", "tmp"), { recursive: true });
  const dir = await mkdtemp(join(REPO_ROOT, ".nodrop", "tmp", "bundle-cache-"));
  dirs.push(dir);
  await writeFile(join(dir, "tsconfig.json"), JSON.stringify({ extends: join(REPO_ROOT, "scenarios", "tsconfig.json"), files: ["./main.ts"] }));
  await writeFile(join(dir, "shape.ts"), "export interface Shape { path: string }\n");
  await writeFile(
    join(dir, "main.ts"),
    ['import http from "k6/http";', 'import type { Shape } from "./shape.ts";', 'const s: Shape = { path: "/" };', "export default function (): void {", '  http.get(`http://127.0.0.1:1${s.path}`);', "}", ""].join("\n"),
  );
  return dir;
}

describe("the scenario bundle, cached by content hash", () => {
  it("the same inputs into another run folder at the same depth: the bundle built before, not checked again", async () => {
    const dir = await project();
    const opts = { tsconfig: join(dir, "tsconfig.json") };
    const first = await bundleScenario(join(dir, "main.ts"), join(dir, "runs", "a"), opts);
    const key = await bundleKey(join(dir, "main.ts"), opts.tsconfig, join(dir, "runs", "b"));
    expect(key).toBe(await bundleKey(join(dir, "main.ts"), opts.tsconfig, join(dir, "runs", "a")));
    // Mark the cached copy: a second bundle that reuses it carries the mark.
    const cached = join(stateDir(), "bundles", `${key}.js`);
    expect(await readFile(cached, "utf8")).toBe(await readFile(first, "utf8"));
    await writeFile(cached, `// from the cache\n${await readFile(first, "utf8")}`);
    const second = await bundleScenario(join(dir, "main.ts"), join(dir, "runs", "b"), opts);
    expect(await readFile(second, "utf8")).toMatch(/^\/\/ from the cache\n/);
  }, BUNDLE_MS);

  it("a type error in a type-only import (which esbuild drops) is found after a clean bundle", async () => {
    const dir = await project();
    const opts = { tsconfig: join(dir, "tsconfig.json") };
    const inputs = await bundleInputs(join(dir, "main.ts"));
    expect(inputs).toContain(join(dir, "shape.ts"));
    // The toolchain by its own package.json, not package-lock.json (an installed nodrop has none).
    expect(inputs!.filter((f) => /node_modules\/(typescript|esbuild|@types\/k6)\/package\.json$/.test(f))).toHaveLength(3);
    expect(inputs).not.toContain(join(REPO_ROOT, "package-lock.json"));
    await bundleScenario(join(dir, "main.ts"), join(dir, "runs", "a"), opts);
    await writeFile(join(dir, "shape.ts"), "export interface Shape { path: string }\nexport const broken: number = 'text';\n");
    const err = await bundleScenario(join(dir, "main.ts"), join(dir, "runs", "b"), opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScenarioTypeError);
    expect((err as Error).message).toMatch(/shape\.ts\(2,\d+\): error TS2322/);
  }, BUNDLE_MS);

  it("nodrop's own scenario and the custom-scenario example have a key (strings and comments that say `from \"…\"` are no imports)", async () => {
    expect(await bundleKey(join(REPO_ROOT, "scenarios", "deploy-load.ts"), SCENARIOS_TSCONFIG, join(REPO_ROOT, "reports", "runs", "x"))).toMatch(/^[0-9a-f]{24}$/);
    expect(await bundleKey(join(REPO_ROOT, "examples", "custom-scenario", "scenario.ts"), SCENARIOS_TSCONFIG, join(REPO_ROOT, "reports", "runs", "x"))).toMatch(/^[0-9a-f]{24}$/);
  });

  it("no key (bundled every time) for a scenario that imports a bare module; another key for another tsconfig or output depth", async () => {
    const dir = await project();
    await writeFile(join(dir, "bare.ts"), 'import lodash from "lodash";\nexport default function (): void { void lodash; }\n');
    expect(await bundleKey(join(dir, "bare.ts"), join(dir, "tsconfig.json"), join(dir, "runs", "a"))).toBeUndefined();
    const k = await bundleKey(join(dir, "main.ts"), join(dir, "tsconfig.json"), join(dir, "runs", "a"));
    expect(await bundleKey(join(dir, "main.ts"), join(dir, "tsconfig.json"), join(dir, "runs", "a", "deeper"))).not.toBe(k);
    await writeFile(join(dir, "tsconfig.json"), JSON.stringify({ extends: join(REPO_ROOT, "scenarios", "tsconfig.json"), files: ["./main.ts", "./shape.ts"] }));
    expect(await bundleKey(join(dir, "main.ts"), join(dir, "tsconfig.json"), join(dir, "runs", "a"))).not.toBe(k);
  });
});
