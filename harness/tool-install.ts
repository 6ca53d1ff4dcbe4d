// One way to build a pinned tool on first use: clusters/tools/install.sh
// <target>, the same cached build `make tools-*` runs (once per version).
// Every feature that needs a tool beyond `make tools` (Traefik, nginx,
// PostgreSQL, the k6-operator, Helm, kubectl, kind's engines) calls this.
import { access } from "node:fs/promises";
import { join } from "node:path";
import { PROJECT_ROOT } from "./cluster/provider.ts";
import { run } from "./exec.ts";
import { log } from "./log.ts";

export const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

export const INSTALL_SCRIPT = join(PROJECT_ROOT, "clusters", "tools", "install.sh");

/**
 * Runs `install.sh <target>` unless every path in `ready` exists; `what` says
 * what is built and how long it takes, for the log line. A failed build
 * throws with the tail of its output.
 */
export async function ensureTool(target: string, ready: readonly string[], what: string, timeoutMs = 1_800_000): Promise<void> {
  if ((await Promise.all(ready.map(exists))).every(Boolean)) return;
  log.info(`${what} is not there yet: building it now (clusters/tools/install.sh ${target}; once, cached by version)`);
  const r = await run(["bash", INSTALL_SCRIPT, target], { reject: false, timeoutMs });
  if (r.exitCode !== 0) throw new Error(`clusters/tools/install.sh ${target} exited ${r.exitCode}:\n${`${r.stdout}\n${r.stderr}`.trim().split("\n").slice(-15).join("\n")}`);
}
