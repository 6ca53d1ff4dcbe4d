// Where nodrop keeps what it makes (its code and pinned resources stay where
// they are: PROJECT_ROOT, the package's own folder).
//   - Run from a clone: under the clone, as always: .nodrop/ (cluster state,
//     built images) and reports/.
//   - Installed as a package (npm install -g of `npm pack`'s tarball: the
//     code lives under a node_modules folder): under the folder it is run
//     from, ./.nodrop and ./reports — never inside the installed package.
// NODROP_STATE_DIR and NODROP_REPORTS_DIR (the commands' --out) override
// each; tools are always in the user's cache (NODROP_CACHE_DIR, else
// ~/.cache/nodrop; see tools.ts).
import { dirname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** True when nodrop's code lives in a node_modules folder (installed, not cloned). */
export function isInstalledPackage(root: string = PROJECT_ROOT): boolean {
  return root.split(sep).includes("node_modules");
}

/** The folder nodrop's state and reports go under (see above). */
export function workDir(root: string = PROJECT_ROOT, cwd: string = process.cwd()): string {
  return isInstalledPackage(root) ? cwd : root;
}

/** Where a provider keeps kubeconfigs, certificates and logs, and where built images are kept. */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return env["NODROP_STATE_DIR"] ? resolve(env["NODROP_STATE_DIR"]) : join(workDir(), ".nodrop");
}

/** The reports folder: runs/, experiments/, nightly/, history/. */
export function reportsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env["NODROP_REPORTS_DIR"] ? resolve(env["NODROP_REPORTS_DIR"]) : join(workDir(), "reports");
}

/** reports/runs: one folder per run. */
export const runsDir = (): string => join(reportsDir(), "runs");
