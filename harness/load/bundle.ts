// Turns a TypeScript k6 scenario into the one JavaScript file k6 runs.
// Two steps: tsc type-checks the scenarios against @types/k6 (esbuild only
// strips types, it never checks them), then esbuild bundles the entry with its
// local imports (scenarios/lib/*.ts) and leaves k6's own modules as imports.
import { copyFile, mkdir, rename, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { build } from "esbuild";
import { execa } from "execa";
import { stateDir } from "../paths.ts";
import { exists } from "../tool-install.ts";
import { REPO_ROOT } from "../tools.ts";
import { bundleKey } from "./bundle-key.ts";

export const SCENARIOS_TSCONFIG = join(REPO_ROOT, "scenarios", "tsconfig.json");

export class ScenarioTypeError extends Error {
  constructor(
    readonly tsconfig: string,
    readonly output: string,
  ) {
    super(`the k6 scenarios do not type-check (tsc -p ${tsconfig}):\n${output.trim()}`);
    this.name = "ScenarioTypeError";
  }
}

export interface BundleOptions {
  /** The project tsc checks first. Default: scenarios/tsconfig.json (k6 types only, no Node). */
  tsconfig?: string;
}

/** The name a user's scenario imports nodrop's sampling library by. */
export const SCENARIO_LIB_NAME = "nodrop/scenario";
export const SCENARIO_LIB = join(REPO_ROOT, "scenarios", "lib", "k6.ts");

/**
 * A user's scenario (nodrop-app.yaml `scenario`), wherever it lives: a
 * tsconfig written into `outDir` that checks just that file against
 * @types/k6 and nodrop's library (resolved from nodrop's own node_modules,
 * so the user's folder needs none), then the same bundle as nodrop's own.
 */
export async function bundleUserScenario(entry: string, outDir: string): Promise<string> {
  await mkdir(outDir, { recursive: true });
  const types = join(REPO_ROOT, "node_modules", "@types", "k6");
  const tsconfig = join(resolve(outDir), "tsconfig.scenario.json");
  await writeFile(
    tsconfig,
    JSON.stringify(
      {
        extends: SCENARIOS_TSCONFIG,
        compilerOptions: {
          typeRoots: [join(REPO_ROOT, "node_modules", "@types")],
          paths: { [SCENARIO_LIB_NAME]: [SCENARIO_LIB], k6: [join(types, "index.d.ts")], "k6/*": [join(types, "*")] },
        },
        include: [],
        files: [resolve(entry)],
      },
      null,
      2,
    ),
  );
  return bundleScenario(entry, outDir, { tsconfig });
}

/** Runs `tsc -p <tsconfig> --noEmit`; throws ScenarioTypeError with the compiler output on any error. */
export async function typecheckScenarios(tsconfig: string = SCENARIOS_TSCONFIG): Promise<void> {
  // The project's own TypeScript (pinned in package.json), run with this Node.
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  const r = await execa(process.execPath, [tsc, "-p", tsconfig, "--noEmit", "--pretty", "false"], {
    reject: false,
    all: true,
    stdin: "ignore",
    timeout: 120_000,
  });
  if (r.failed) {
    const out = String(r.all ?? "").trim() || r.shortMessage || `tsc exited with code ${r.exitCode}`;
    throw new ScenarioTypeError(tsconfig, out);
  }
}

/**
 * Type-checks, then bundles `entry` into `<outDir>/scenario.js` (with an
 * inline source map) and returns that path. Throws ScenarioTypeError on a type
 * error; an esbuild failure throws esbuild's error (it lists every message).
 */
export async function bundleScenario(entry: string, outDir: string, opts: BundleOptions = {}): Promise<string> {
  const tsconfig = opts.tsconfig ?? SCENARIOS_TSCONFIG;
  const outfile = join(resolve(outDir), "scenario.js");
  // A failed build must not leave an older bundle that looks current.
  await rm(outfile, { force: true });
  // The same inputs bundled before (load/bundle-key.ts): that bundle, checked and built once.
  const key = await bundleKey(entry, tsconfig, outDir);
  const cached = key ? join(stateDir(), "bundles", `${key}.js`) : undefined;
  if (cached && (await exists(cached))) {
    await mkdir(outDir, { recursive: true });
    await copyFile(cached, outfile);
    return outfile;
  }
  await typecheckScenarios(tsconfig);
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: [resolve(entry)],
    outfile,
    // One self-contained file: k6 gets a single script (and a `k6 archive`
    // would need nothing else); scenarios/lib/*.ts are inlined.
    bundle: true,
    // k6 runs ES modules natively; esm keeps `import http from "k6/http"`
    // as a real import statement for k6's module loader.
    format: "esm",
    // k6's JS runtime (Sobek) is neither Node nor a browser: no Node built-in
    // shims, no browser main fields, no `process.env` substitutions.
    platform: "neutral",
    // What k6's runtime runs without further transpilation, and the same
    // level tsc checks against (scenarios/tsconfig.json: ES2020).
    target: "es2020",
    // Built into the k6 binary; resolved by k6 at run time, never bundled.
    external: ["k6", "k6/*"],
    // A user's scenario imports nodrop's sampling library by name.
    alias: { [SCENARIO_LIB_NAME]: SCENARIO_LIB },
    // k6 reads inline source maps, so a stack trace or an init error points at
    // the .ts line instead of the bundle's.
    sourcemap: "inline",
    // Readable output: it is what k6 executes and what a human debugs.
    minify: false,
    // Nothing to keep; the bundle is a build artefact of this repository.
    legalComments: "none",
    // Keep non-ASCII as is (k6 reads UTF-8).
    charset: "utf8",
    // Messages come back in the thrown error; nothing is printed.
    logLevel: "silent",
    write: true,
  });
  if (cached) {
    await mkdir(dirname(cached), { recursive: true });
    const tmp = `${cached}.${process.pid}.tmp`;
    await copyFile(outfile, tmp);
    await rename(tmp, cached);
  }
  return outfile;
}
