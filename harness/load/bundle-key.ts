// The content hash a bundled scenario is cached by (load/bundle.ts): every
// file tsc and esbuild read for it — the entry and the files it imports,
// followed by their relative specifiers (type-only imports too, which esbuild
// drops but tsc checks), nodrop's scenarios/ folder (its tsconfig and
// library), the tsconfig's content, the package.json of the TypeScript,
// esbuild and @types/k6 that check and build it (not package-lock.json: an
// installed nodrop has none) and bundle.ts itself (the build options).
// A scenario that imports a bare module other than k6's and nodrop's own has
// no key: its inputs are not all known here, so it is bundled every time.
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { readdir, readFile, stat } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { REPO_ROOT } from "../tools.ts";

// import/export statements (over several lines too), import() and require().
const SPECIFIER = /^\s*(?:import\s*|(?:import|export)\b[^"';]*?\bfrom\s*)["']([^"']+)["']|\b(?:import|require)\(\s*["']([^"']+)["']/gm;
const BUILTIN = (spec: string) => spec === "k6" || spec.startsWith("k6/") || spec === "nodrop/scenario";
const BUNDLE_TS = join(dirname(fileURLToPath(import.meta.url)), "bundle.ts");
/** The versions that check and build a scenario, as nodrop resolves them (a clone's node_modules, or an installed nodrop's). */
const TOOLCHAIN = ["typescript/package.json", "esbuild/package.json", "@types/k6/package.json"].map((p) => createRequire(import.meta.url).resolve(p));

async function isFile(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isFile(), () => false);
}

async function resolveRelative(from: string, spec: string): Promise<string | undefined> {
  const base = resolve(dirname(from), spec);
  for (const candidate of [base, `${base}.ts`, `${base}.js`, join(base, "index.ts"), join(base, "index.js")]) if (await isFile(candidate)) return candidate;
  return undefined;
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** The files a bundle of `entry` depends on besides its tsconfig, or undefined when one of its imports is a bare module. */
export async function bundleInputs(entry: string): Promise<string[] | undefined> {
  const seen = new Set<string>();
  const queue = [resolve(entry)];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const m of (await readFile(file, "utf8")).matchAll(SPECIFIER)) {
      const spec = (m[1] ?? m[2])!;
      if (BUILTIN(spec)) continue;
      if (!spec.startsWith(".")) return undefined;
      const found = await resolveRelative(file, spec);
      if (found) queue.push(found);
    }
  }
  const fixed = [...(await filesUnder(join(REPO_ROOT, "scenarios"))), ...TOOLCHAIN, BUNDLE_TS];
  return [...new Set([...seen, ...fixed])].sort();
}

/**
 * sha256 over the inputs' paths and contents, the tsconfig's content (a
 * user's is written into each run's folder) and the way from the output
 * folder to the sources (the inline source map names them relative to it).
 */
export async function bundleKey(entry: string, tsconfig: string, outDir: string): Promise<string | undefined> {
  const inputs = await bundleInputs(entry);
  if (!inputs) return undefined;
  const out = resolve(outDir);
  const h = createHash("sha256").update(`${resolve(entry)}\0${relative(out, resolve(entry))}\0${relative(out, REPO_ROOT)}\0${process.version}\0`);
  h.update(await readFile(tsconfig)).update("\0");
  for (const f of inputs) h.update(`${f}\0`).update(await readFile(f)).update("\0");
  return h.digest("hex").slice(0, 24);
}
