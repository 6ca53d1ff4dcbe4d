// strategy: canary, canaryBy=weight — the canary takes traffic by route weight
// at the ingress, not by its share of replicas: stable (Service "app") keeps
// its full size throughout, the canary track (Service "app-canary") is sized
// for each step's share, and the route's weights move 0 → step → … → 100.
// An abort puts the route back to 100/0 at once and scales the canary away.
// After the last step stable is updated to the new version (it takes no
// traffic meanwhile), the route returns to it, and the canary goes.
// The steps, the analysis and the abort are canary-steps.ts's.
import { applyAll } from "./apply.ts";
import { CANARY, canaryReplicas, canaryRollout, STABLE, trackDeployment as dep, trackSelector as sel } from "./canary-steps.ts";
import { renderPdb, renderService, workloadSelector } from "./manifests.ts";
import { CANARY_SERVICE_NAME, type DeployContext, type DeployStrategy, type RolloutResult, SERVICE_NAME, type TrafficRouter, versionSelector } from "./strategy.ts";
import { nodePortOf, workloadPort } from "./workload.ts";

function routerOf(ctx: DeployContext): TrafficRouter {
  if (!ctx.router) throw new Error("canaryBy=weight needs the ingress's weighted route (path=ingress), and none was set up");
  return ctx.router;
}

export const canaryByWeight: DeployStrategy = {
  name: "canary",

  async setup(ctx, version) {
    const p = { runId: ctx.runId, namespace: ctx.namespace, targetPort: workloadPort(ctx) };
    const objects: object[] = [
      dep(ctx, STABLE, version, ctx.config.replicas, false),
      dep(ctx, CANARY, version, 0, false),
      renderService(ctx.config, { ...p, name: SERVICE_NAME, selector: workloadSelector(ctx.runId, STABLE), ...nodePortOf(ctx, 0) }),
      renderService(ctx.config, { ...p, name: CANARY_SERVICE_NAME, selector: workloadSelector(ctx.runId, CANARY), ...nodePortOf(ctx, 1) }),
    ];
    if (ctx.config.pdb) objects.push(renderPdb(ctx.config, { runId: ctx.runId, namespace: ctx.namespace, name: "app", replicas: ctx.config.replicas, selector: workloadSelector(ctx.runId, STABLE) }));
    await applyAll(ctx, objects, `setup ${version} (stable and canary Services for a weighted route)`);
    await ctx.kube.waitRollout(ctx.namespace, STABLE, ctx.config.deployTimeout * 1000);
    const svc = await ctx.kube.core.readNamespacedService({ name: SERVICE_NAME, namespace: ctx.namespace });
    return { nodePort: svc.spec!.ports![0]!.nodePort! };
  },

  async rollout(ctx, from, to, index): Promise<RolloutResult> {
    const { events, kube, namespace, config } = ctx;
    const router = routerOf(ctx);
    const n = config.replicas;
    const bad = config.badVersion !== "none";
    const timeout = config.deployTimeout * 1000 + 5_000;
    const drainTimeout = (config.terminationGracePeriod + 60) * 1000;
    return canaryRollout(ctx, to, index, {
      abortText: "the route back to stable, canary removed",
      async step(pct, step) {
        const c = canaryReplicas(n, pct);
        // The canary's pods ready first, then the weight: no step sends traffic to a track without ready pods.
        await applyAll(ctx, [dep(ctx, CANARY, to, c, bad)], `${step}: canary ${to} x${c}`);
        await kube.waitRollout(namespace, CANARY, timeout);
        // Resolves once the controller serves the weights: the step's traffic share is measured from here.
        await router.setWeights(100 - pct, pct);
        events.record("canary-step", { percent: pct, canary: c, stable: n, by: "weight", canaryVersion: to, stableVersion: from });
      },
      async abort() {
        // Stable kept its full size: the route alone takes the canary out of traffic.
        await router.setWeights(100, 0);
        await kube.scale(namespace, CANARY, 0);
        await kube.waitPodsGone(namespace, sel(ctx, CANARY), drainTimeout);
      },
      async promote(label) {
        // Stable (no traffic now) takes the new version, the route goes back to it, the canary goes.
        await applyAll(ctx, [dep(ctx, STABLE, to, n, bad)], `${label}: promote ${to} to stable`);
        await kube.waitRollout(namespace, STABLE, timeout);
        await kube.waitPodsGone(namespace, versionSelector(ctx.runId, from), drainTimeout);
        await router.setWeights(100, 0);
        await kube.scale(namespace, CANARY, 0);
        await kube.waitPodsGone(namespace, sel(ctx, CANARY), drainTimeout);
      },
    });
  },
};
