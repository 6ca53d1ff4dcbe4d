// The Deployment a strategy applies: the sample app's, rendered from the
// config, or the user's own (harness/userapp/), patched. Strategies call this
// and never look at which one it is.
import type { V1Deployment } from "@kubernetes/client-node";
import { patchDeployment } from "../userapp/patch.ts";
import { CONTAINER_PORT, renderDeployment, type WorkloadParams } from "./manifests.ts";
import type { DeployContext } from "./strategy.ts";

export function renderWorkload(ctx: DeployContext, p: WorkloadParams): V1Deployment {
  return ctx.app ? patchDeployment(ctx.app.deployment, ctx.app.container, ctx.config, p, ctx.app.versionImages) : renderDeployment(ctx.config, ctx.databaseUrl ? { ...p, databaseUrl: ctx.databaseUrl } : p);
}

/** The pods' port the NodePort Service sends to. */
export function workloadPort(ctx: DeployContext): number | string {
  return ctx.app?.port ?? CONTAINER_PORT;
}

/** `{ nodePort }` when the provider needs the Service in `slot` on a fixed NodePort, else nothing. */
export function nodePortOf(ctx: DeployContext, slot: number): { nodePort?: number } {
  const p = ctx.provider.nodePortFor(slot);
  return p === undefined ? {} : { nodePort: p };
}
