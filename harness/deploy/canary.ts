// strategy: canary — stable and canary Deployments behind one Service; the
// traffic split follows the replica ratio, in steps (canarySteps, percent)
// with a pause each. At every step the live analysis reads the running k6's
// per-version results; a failure aborts: the canary is scaled away (its pods
// drain like any other) while stable goes back to full size.
// On success stable is updated to the new version and the canary removed.
// The steps, the analysis and the abort are canary-steps.ts's.
import { renderPdb, renderService, LABELS, APP_NAME } from "./manifests.ts";
import { applyAll } from "./apply.ts";
import { CANARY, canaryReplicas, canaryRollout, STABLE, trackDeployment as dep, trackSelector as sel } from "./canary-steps.ts";
import { nodePortOf, workloadPort } from "./workload.ts";
import { type DeployStrategy, type RolloutResult, SERVICE_NAME, versionSelector } from "./strategy.ts";

export { canaryReplicas };

export const canary: DeployStrategy = {
  name: "canary",

  async setup(ctx, version) {
    // The Service selects both tracks: traffic splits by ready replicas.
    const selector = { [LABELS.name]: APP_NAME, [LABELS.runId]: ctx.runId };
    const objects: object[] = [
      dep(ctx, STABLE, version, ctx.config.replicas, false),
      dep(ctx, CANARY, version, 0, false),
      renderService(ctx.config, { targetPort: workloadPort(ctx), runId: ctx.runId, namespace: ctx.namespace, name: SERVICE_NAME, selector, ...nodePortOf(ctx, 0) }),
    ];
    if (ctx.config.pdb) objects.push(renderPdb(ctx.config, { runId: ctx.runId, namespace: ctx.namespace, name: "app", replicas: ctx.config.replicas, selector }));
    await applyAll(ctx, objects, `setup ${version}`);
    await ctx.kube.waitRollout(ctx.namespace, STABLE, ctx.config.deployTimeout * 1000);
    const svc = await ctx.kube.core.readNamespacedService({ name: SERVICE_NAME, namespace: ctx.namespace });
    return { nodePort: svc.spec!.ports![0]!.nodePort! };
  },

  async rollout(ctx, from, to, index): Promise<RolloutResult> {
    const { events, kube, namespace, config } = ctx;
    const n = config.replicas;
    const bad = config.badVersion !== "none";
    const timeout = config.deployTimeout * 1000 + 5_000;
    const drainTimeout = (config.terminationGracePeriod + 60) * 1000;
    return canaryRollout(ctx, to, index, {
      abortText: `stable back to ${n}, canary removed`,
      async step(pct, step) {
        const c = canaryReplicas(n, pct);
        // Canary up first and ready, then stable down: capacity never dips.
        await applyAll(ctx, [dep(ctx, CANARY, to, c, bad)], `${step}: canary ${to} x${c}`);
        await kube.waitRollout(namespace, CANARY, timeout);
        await kube.scale(namespace, STABLE, n - c);
        await kube.waitRollout(namespace, STABLE, timeout);
        events.record("canary-step", { percent: pct, canary: c, stable: n - c });
      },
      async abort() {
        // Take the canary out of traffic at once (its pods leave the endpoints
        // and drain like any other) while stable grows back to full size: the
        // stable pods still running carry the load meanwhile, so the blast
        // radius ends as soon as kube-proxy has caught up.
        await Promise.all([kube.scale(namespace, CANARY, 0), kube.scale(namespace, STABLE, n)]);
        await kube.waitRollout(namespace, STABLE, timeout);
        await kube.waitPodsGone(namespace, sel(ctx, CANARY), drainTimeout);
      },
      async promote(label) {
        // Stable takes the new version at full size, then the canary goes.
        await applyAll(ctx, [dep(ctx, STABLE, to, n, bad)], `${label}: promote ${to} to stable`);
        await kube.waitRollout(namespace, STABLE, timeout);
        await kube.scale(namespace, CANARY, 0);
        await kube.waitPodsGone(namespace, sel(ctx, CANARY), drainTimeout);
        await kube.waitPodsGone(namespace, versionSelector(ctx.runId, from), drainTimeout);
      },
    });
  },
};
