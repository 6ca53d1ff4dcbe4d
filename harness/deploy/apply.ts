// Applies rendered objects and keeps a copy of every one in the run's
// manifests.yaml, so a report always shows exactly what was deployed.
import { appendFile } from "node:fs/promises";
import { join } from "node:path";
import type { KubernetesObject } from "@kubernetes/client-node";
import { toYaml } from "./manifests.ts";
import type { DeployContext } from "./strategy.ts";

export async function applyAll(ctx: DeployContext, objects: object[], note: string): Promise<void> {
  if (ctx.runDir) await appendFile(join(ctx.runDir, "manifests.yaml"), `# ${new Date().toISOString()} ${note}\n${toYaml(objects)}---\n`);
  for (const o of objects) await ctx.kube.apply(o as KubernetesObject);
}
