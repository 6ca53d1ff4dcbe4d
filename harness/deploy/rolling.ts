// strategy: rolling — one Deployment updated in place by the Deployment
// controller (maxSurge/maxUnavailable). Guarded: a rollout that misses its
// deadline or fails the live analysis is undone automatically.
import { RunAbortedError } from "../abort.ts";
import { log } from "../log.ts";
import { renderPdb, renderService, workloadSelector } from "./manifests.ts";
import { applyAll } from "./apply.ts";
import { nodePortOf, renderWorkload, workloadPort } from "./workload.ts";
import { AnalysisFailedError, type DeployContext, type DeployStrategy, guard, type RolloutResult, SERVICE_NAME, servingPods, versionSelector } from "./strategy.ts";

/** The rolling strategy's one Deployment (an app's HorizontalPodAutoscaler is pointed at it). */
export const RUN_DEPLOYMENT_NAME = "app";
const NAME = RUN_DEPLOYMENT_NAME;

function deployment(ctx: DeployContext, version: string, bad: boolean) {
  return renderWorkload(ctx, { runId: ctx.runId, namespace: ctx.namespace, name: NAME, version, image: ctx.image, replicas: ctx.config.replicas, bad });
}

export const rolling: DeployStrategy = {
  name: "rolling",

  async setup(ctx, version) {
    const selector = workloadSelector(ctx.runId, NAME);
    const objects: object[] = [deployment(ctx, version, false), renderService(ctx.config, { targetPort: workloadPort(ctx), runId: ctx.runId, namespace: ctx.namespace, name: SERVICE_NAME, selector, ...nodePortOf(ctx, 0) })];
    if (ctx.config.pdb) objects.push(renderPdb(ctx.config, { runId: ctx.runId, namespace: ctx.namespace, name: NAME, replicas: ctx.config.replicas, selector }));
    await applyAll(ctx, objects, `setup ${version}`);
    await ctx.kube.waitRollout(ctx.namespace, NAME, ctx.config.deployTimeout * 1000);
    const svc = await ctx.kube.core.readNamespacedService({ name: SERVICE_NAME, namespace: ctx.namespace });
    return { nodePort: svc.spec!.ports![0]!.nodePort! };
  },

  async rollout(ctx, from, to, index): Promise<RolloutResult> {
    const label = `rollout-${index}`;
    const { events, kube, namespace, config } = ctx;
    const before = await servingPods(ctx);
    events.phase(label);
    events.record("window-start", { label });
    const bad = config.badVersion !== "none";
    await ctx.migration?.atRolloutStart(label);
    await applyAll(ctx, [deployment(ctx, to, bad)], `${label}: ${from} -> ${to}${bad ? ` (bad: ${config.badVersion})` : ""}`);
    let rolledBack: RolloutResult["rolledBack"];
    try {
      // The window closes only when the old pods are gone (preStop and drain
      // happen inside it), and the analysis watches the whole of it.
      await guard(
        ctx,
        to,
        (async () => {
          await kube.waitRollout(namespace, NAME, config.deployTimeout * 1000 + 5_000);
          await kube.waitPodsGone(namespace, versionSelector(ctx.runId, from), (config.terminationGracePeriod + 60) * 1000);
        })(),
      );
      await ctx.migration?.afterOldGone(label);
    } catch (e) {
      if (e instanceof RunAbortedError) throw e; // an aborted run is not a failed rollout
      const reason = e instanceof AnalysisFailedError ? e.message : `rollout did not complete: ${(e as Error).message.split("\n")[0]}`;
      const at = Date.now();
      log.warn(`${label}: ${reason} — rolling back to ${from}`);
      events.phase("rollback");
      events.record("rollback", { reason, label });
      await applyAll(ctx, [deployment(ctx, from, false)], `${label}: rollback to ${from}`);
      await kube.waitRollout(namespace, NAME, config.deployTimeout * 1000 + 5_000);
      await kube.waitPodsGone(namespace, versionSelector(ctx.runId, to), (config.terminationGracePeriod + 60) * 1000);
      rolledBack = { at, reason };
    }
    events.record("window-end", { label });
    events.record("pods", { label, before, after: await servingPods(ctx) });
    return rolledBack ? { rolledBack } : {};
  },
};
