// The ingress controller's log goes into the run folder as ingress.log, before
// the namespace goes (cleanups run in reverse order), whichever controller ran.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { DeployContext } from "../deploy/strategy.ts";

export function keepControllerLog(ctx: DeployContext, selector: string): void {
  if (!ctx.runDir) return;
  const file = join(ctx.runDir, "ingress.log");
  ctx.defer?.("ingress controller's log into the run folder", async () => {
    await writeFile(file, await ctx.kube.podLogs(ctx.namespace, selector));
  });
}
