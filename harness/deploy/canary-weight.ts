// strategy: canary, canaryBy=weight — the canary takes traffic by route weight
// at the ingress, not by its share of replicas: stable (Service "app") keeps
// its full size throughout, the canary track (Service "app-canary") is sized
// for each step's share, and the route's weights move 0 → step → … → 100.
// At every step the live analysis reads the running k6's per-version results;
// a failure aborts: the route goes back to 100/0 at once and the canary is
// scaled away. After the last step stable is updated to the new version (it
// takes no traffic meanwhile), the route returns to it, and the canary goes.
import { RunAbortedError } from "../abort.ts";
import { log } from "../log.ts";
import { realClock } from "../wait.ts";
import { applyAll } from "./apply.ts";
import { canaryReplicas } from "./canary.ts";
import { renderPdb, renderService, workloadSelector } from "./manifests.ts";
import { AnalysisFailedError, CANARY_SERVICE_NAME, type DeployContext, type DeployStrategy, guard, labelSelector, type RolloutResult, SERVICE_NAME, servingPods, type TrafficRouter, versionSelector } from "./strategy.ts";
import { nodePortOf, renderWorkload, workloadPort } from "./workload.ts";

const STABLE = "app-stable";
const CANARY = "app-canary";

function dep(ctx: DeployContext, name: string, version: string, replicas: number, bad: boolean) {
  return renderWorkload(ctx, { runId: ctx.runId, namespace: ctx.namespace, name, version, image: ctx.image, replicas, bad, extraLabels: { "nodrop.dev/track": name === CANARY ? "canary" : "stable" } });
}

const sel = (ctx: DeployContext, name: string) => labelSelector(workloadSelector(ctx.runId, name));

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
    const label = `rollout-${index}`;
    const n = config.replicas;
    const bad = config.badVersion !== "none";
    const timeout = config.deployTimeout * 1000 + 5_000;
    const drainTimeout = (config.terminationGracePeriod + 60) * 1000;
    const before = await servingPods(ctx);
    events.phase(label);
    events.record("window-start", { label });

    for (const pct of config.canarySteps) {
      const c = canaryReplicas(n, pct);
      const step = `${label}-canary-${pct}`;
      events.phase(step);
      try {
        await guard(
          ctx,
          to,
          (async () => {
            // The canary's pods ready first, then the weight: no step sends traffic to a track without ready pods.
            await applyAll(ctx, [dep(ctx, CANARY, to, c, bad)], `${step}: canary ${to} x${c}`);
            await kube.waitRollout(namespace, CANARY, timeout);
            await router.setWeights(100 - pct, pct);
            events.record("canary-step", { percent: pct, canary: c, stable: n, by: "weight", canaryVersion: to, stableVersion: from });
            await (ctx.clock ?? realClock).sleep(config.canaryPause * 1000);
          })(),
        );
      } catch (e) {
        if (e instanceof RunAbortedError) throw e;
        const reason = e instanceof AnalysisFailedError ? `${e.message} at step ${pct} %` : `canary step ${pct} % did not complete: ${(e as Error).message.split("\n")[0]}`;
        const at = Date.now();
        log.warn(`${label}: ${reason} — aborting: the route back to stable, canary removed`);
        events.phase("rollback");
        events.record("rollback", { reason, label, step: pct });
        // Stable kept its full size: the route alone takes the canary out of traffic.
        await router.setWeights(100, 0);
        await kube.scale(namespace, CANARY, 0);
        await kube.waitPodsGone(namespace, sel(ctx, CANARY), drainTimeout);
        events.record("window-end", { label });
        events.record("pods", { label, before, after: await servingPods(ctx) });
        return { rolledBack: { at, reason } };
      }
    }

    // Promote: stable (no traffic now) takes the new version, the route goes back to it, the canary goes.
    events.phase(`${label}-promote`);
    await applyAll(ctx, [dep(ctx, STABLE, to, n, bad)], `${label}: promote ${to} to stable`);
    await kube.waitRollout(namespace, STABLE, timeout);
    await kube.waitPodsGone(namespace, versionSelector(ctx.runId, from), drainTimeout);
    await router.setWeights(100, 0);
    // The canary keeps serving until the controller has applied the route back (its lag is ~2 s at most here; preStop covers the rest).
    await kube.scale(namespace, CANARY, 0);
    await kube.waitPodsGone(namespace, sel(ctx, CANARY), drainTimeout);
    events.record("window-end", { label });
    events.record("pods", { label, before, after: await servingPods(ctx) });
    return {};
  },
};
