// path=ingress: the ingress controller goes in front of the app's Service, and
// the load goes to the controller's NodePort instead of the app's. Strategies
// do not know: they keep managing the Service "app", which the route points at.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { applyAll } from "../deploy/apply.ts";
import { SERVICE_PORT } from "../deploy/manifests.ts";
import { type DeployContext, labelSelector, SERVICE_NAME } from "../deploy/strategy.ts";
import { nodePortOf } from "../deploy/workload.ts";
import { traefikImage } from "./image.ts";
import { INGRESS_LABELS, INGRESS_NAME, renderIngress } from "./traefik.ts";

/** kind maps a few NodePorts to 127.0.0.1: slots 0 and 1 are the app's Services (blue-green's preview too). */
export const INGRESS_SLOT = 2;

export async function setupIngress(ctx: DeployContext): Promise<{ nodePort: number; controller: string }> {
  const img = await traefikImage();
  await ctx.provider.loadImage(img.archive, img.name);
  const selector = labelSelector({ ...INGRESS_LABELS, "nodrop.dev/run-id": ctx.runId });
  if (ctx.runDir) {
    const file = join(ctx.runDir, "ingress.log");
    // Before the namespace goes (cleanups run in reverse order).
    ctx.defer?.("ingress controller's log into the run folder", async () => {
      await writeFile(file, await ctx.kube.podLogs(ctx.namespace, selector));
    });
  }
  const objects = renderIngress({ runId: ctx.runId, namespace: ctx.namespace, image: img.name, service: SERVICE_NAME, servicePort: SERVICE_PORT, idleTimeoutS: ctx.config.ingressIdleTimeout, ...nodePortOf(ctx, INGRESS_SLOT) });
  await applyAll(ctx, objects, `ingress controller Traefik ${img.version} and the route to Service ${SERVICE_NAME}`);
  await ctx.kube.waitRollout(ctx.namespace, INGRESS_NAME, 120_000).catch(async (e: Error) => {
    throw new Error(`${e.message}\nTraefik's log:\n${await ctx.kube.podLogs(ctx.namespace, selector, 20)}`);
  });
  const svc = await ctx.kube.core.readNamespacedService({ name: INGRESS_NAME, namespace: ctx.namespace });
  const nodePort = svc.spec!.ports![0]!.nodePort!;
  const controller = `Traefik ${img.version}`;
  ctx.events.record("ingress", { controller, nodePort });
  return { nodePort, controller };
}
