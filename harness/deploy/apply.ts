// Applies rendered objects and keeps a copy of every one in the run's
// manifests.yaml, so a report always shows exactly what was deployed.
import { appendFile } from "node:fs/promises";
import { join } from "node:path";
import type { KubernetesObject } from "@kubernetes/client-node";
import { toYaml } from "./manifests.ts";
import type { DeployContext } from "./strategy.ts";

export async function applyAll(ctx: DeployContext, objects: object[], note: string): Promise<void> {
  if (ctx.runDir) await appendFile(join(ctx.runDir, "manifests.yaml"), `# ${new Date().toISOString()} ${note}\n${toYaml(objects.map(redacted))}---\n`);
  for (const o of objects) await ctx.kube.apply(o as KubernetesObject);
}

/** What manifests.yaml keeps of an object: a Secret's values are replaced by their sizes (reports are shared; secrets are not). */
export function redacted(o: object): object {
  const obj = o as { kind?: unknown; data?: Record<string, string>; stringData?: Record<string, string> };
  if (obj.kind !== "Secret") return o;
  const hide = (m: Record<string, string> | undefined) => (m ? Object.fromEntries(Object.entries(m).map(([k, v]) => [k, `<redacted: ${String(v).length} characters>`])) : undefined);
  const out: Record<string, unknown> = { ...obj };
  if (obj.data) out["data"] = hide(obj.data);
  if (obj.stringData) out["stringData"] = hide(obj.stringData);
  return out;
}
