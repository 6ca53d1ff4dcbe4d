// path=ingress: the ingress controller goes in front of the app's Service, and
// the load goes to the controller's NodePort instead of the app's. Strategies
// do not know: they keep managing the Service "app", which the route points at
// (an Ingress), or, for canaryBy=weight, the Services "app" and "app-canary",
// whose weights they set through ctx.router (a Gateway API HTTPRoute).
import type { KubernetesObject } from "@kubernetes/client-node";
import { providerOwnsCluster } from "../cluster/provider.ts";
import { applyAll } from "../deploy/apply.ts";
import { SERVICE_PORT } from "../deploy/manifests.ts";
import { CANARY_SERVICE_NAME, type DeployContext, labelSelector, SERVICE_NAME, type TrafficRouter } from "../deploy/strategy.ts";
import { nodePortOf } from "../deploy/workload.ts";
import { log } from "../log.ts";
import { keepControllerLog } from "./controller-log.ts";
import { ensureGatewayCrds } from "./crds.ts";
import { renderGateway, renderGatewayClusterObjects, renderHttpRoute } from "./gateway.ts";
import { traefikImage } from "./image.ts";
import { fetchServices } from "./live-weights.ts";
import { setupNginx } from "./nginx-setup.ts";
import { reapIngressClusterObjects } from "./reap.ts";
import { renderIngress } from "./traefik.ts";
import { INGRESS_LABELS, INGRESS_NAME } from "./controller-objects.ts";
import { weightedRouter } from "./weighted-route.ts";

/** kind maps a few NodePorts to 127.0.0.1: slots 0 and 1 are the app's Services (blue-green's preview too). */
export const INGRESS_SLOT = 2;
/** Traefik's API (weighted route only). */
export const INGRESS_API_SLOT = 3;

function apiPort(ctx: DeployContext): { apiNodePort?: number } {
  const p = ctx.provider.nodePortFor(INGRESS_API_SLOT);
  return p === undefined ? {} : { apiNodePort: p };
}

export async function setupIngress(ctx: DeployContext): Promise<{ nodePort: number; controller: string; router?: TrafficRouter; collect?: () => Promise<void> }> {
  if (ctx.config.ingressController === "nginx") return setupNginx(ctx, INGRESS_SLOT);
  const weighted = ctx.config.canaryBy === "weight";
  const img = await traefikImage();
  await ctx.provider.loadImage(img.archive, img.name);
  const p = { runId: ctx.runId, namespace: ctx.namespace };
  if (weighted) {
    const { installed } = await ensureGatewayCrds(ctx.kube, { mayInstall: providerOwnsCluster(ctx.config.provider) });
    if (installed.length) log.info(`installed Gateway API CRDs on the cluster (kept with it): ${installed.join(", ")}`);
    const cluster = renderGatewayClusterObjects(p) as KubernetesObject[];
    // With keep=true the namespace stays, and its controller keeps working: so do
    // these (reaped once that namespace is gone: reap.ts).
    if (!ctx.config.keep) {
      ctx.defer?.("delete the run's GatewayClass and ClusterRole", async () => {
        await reapIngressClusterObjects(ctx.kube, { runId: ctx.runId });
      });
    }
    await applyAll(ctx, cluster, "the run's GatewayClass and the controller's cluster-wide reads (namespaces, GatewayClasses)");
  }
  const selector = labelSelector({ ...INGRESS_LABELS, "nodrop.dev/run-id": ctx.runId });
  keepControllerLog(ctx, selector);
  const objects = renderIngress({ ...p, image: img.name, service: SERVICE_NAME, servicePort: SERVICE_PORT, idleTimeoutS: ctx.config.ingressIdleTimeout, route: weighted ? "gateway" : "ingress", ...nodePortOf(ctx, INGRESS_SLOT), ...(weighted ? apiPort(ctx) : {}) });
  const route = (stable: number, canary: number) =>
    renderHttpRoute(p, [
      { service: SERVICE_NAME, port: SERVICE_PORT, weight: stable },
      { service: CANARY_SERVICE_NAME, port: SERVICE_PORT, weight: canary },
    ]);
  if (weighted) objects.push(renderGateway(p), route(100, 0));
  await applyAll(ctx, objects, `ingress controller Traefik ${img.version} and the ${weighted ? "weighted HTTPRoute" : "Ingress"} to Service ${SERVICE_NAME}`);
  await ctx.kube.waitRollout(ctx.namespace, INGRESS_NAME, 120_000).catch(async (e: Error) => {
    throw new Error(`${e.message}\nTraefik's log:\n${await ctx.kube.podLogs(ctx.namespace, selector, 20)}`);
  });
  const svc = await ctx.kube.core.readNamespacedService({ name: INGRESS_NAME, namespace: ctx.namespace });
  const nodePort = svc.spec!.ports![0]!.nodePort!;
  const controller = `Traefik ${img.version}`;
  ctx.events.record("ingress", { controller, nodePort, route: weighted ? "HTTPRoute" : "Ingress" });
  if (!weighted) return { nodePort, controller };
  const api = `http://127.0.0.1:${ctx.provider.hostPortFor(svc.spec!.ports!.find((x) => x.name === "api")!.nodePort!)}`;
  const router = weightedRouter({
    namespace: ctx.namespace,
    servicePort: SERVICE_PORT,
    api,
    services: () => fetchServices(api),
    applyRoute: (stable, canary) => applyAll(ctx, [route(stable, canary)], `route weights: ${SERVICE_NAME} ${stable}, ${CANARY_SERVICE_NAME} ${canary}`),
    record: (kind, fields) => ctx.events.record(kind, fields),
    logTail: () => ctx.kube.podLogs(ctx.namespace, selector, 20),
  });
  return { nodePort, controller, router };
}
