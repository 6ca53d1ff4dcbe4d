// ingressController=nginx: packs Debian's nginx, points it at the app Service's
// ClusterIP and waits until it runs. Returns the NodePort the load goes to.
import { applyAll } from "../deploy/apply.ts";
import { SERVICE_PORT } from "../deploy/manifests.ts";
import { type DeployContext, labelSelector, SERVICE_NAME } from "../deploy/strategy.ts";
import { nodePortOf } from "../deploy/workload.ts";
import { keepControllerLog } from "./controller-log.ts";
import { nginxImage } from "./nginx-image.ts";
import { renderNginx } from "./nginx.ts";
import { parseUpstreamCloses } from "./upstream-closes.ts";
import { INGRESS_LABELS, INGRESS_NAME } from "./controller-objects.ts";

export async function setupNginx(ctx: DeployContext, slot: number): Promise<{ nodePort: number; controller: string; collect: () => Promise<void> }> {
  const img = await nginxImage();
  await ctx.provider.loadImage(img.archive, img.name);
  const app = await ctx.kube.core.readNamespacedService({ name: SERVICE_NAME, namespace: ctx.namespace });
  const host = app.spec?.clusterIP;
  if (!host || host === "None") throw new Error(`Service ${SERVICE_NAME} has no ClusterIP for nginx to send to`);
  const selector = labelSelector({ ...INGRESS_LABELS, "nodrop.dev/run-id": ctx.runId });
  keepControllerLog(ctx, selector);
  const objects = renderNginx({ runId: ctx.runId, namespace: ctx.namespace, image: img.name, upstream: { host, port: SERVICE_PORT }, idleTimeoutS: ctx.config.ingressIdleTimeout, ...nodePortOf(ctx, slot) });
  await applyAll(ctx, objects, `nginx ${img.version} in front of Service ${SERVICE_NAME} (${host}:${SERVICE_PORT}), upstream keepalive_timeout ${ctx.config.ingressIdleTimeout} s`);
  await ctx.kube.waitRollout(ctx.namespace, INGRESS_NAME, 120_000).catch(async (e: Error) => {
    throw new Error(`${e.message}\nnginx's log:\n${await ctx.kube.podLogs(ctx.namespace, selector, 20)}`);
  });
  const svc = await ctx.kube.core.readNamespacedService({ name: INGRESS_NAME, namespace: ctx.namespace });
  const nodePort = svc.spec!.ports![0]!.nodePort!;
  const controller = `nginx ${img.version}`;
  ctx.events.record("ingress", { controller, nodePort, route: "proxy_pass to the Service's ClusterIP", keepAlive: { app: ctx.config.keepAliveTimeout, proxy: ctx.config.ingressIdleTimeout } });
  // After the load, before the verdict: nginx's own account of upstream connections closed under it.
  const collect = async () => {
    const text = await ctx.kube.podLogs(ctx.namespace, selector);
    for (const c of parseUpstreamCloses(text)) ctx.events.record("proxy-upstream-closed", { ...c });
  };
  return { nodePort, controller, collect };
}
