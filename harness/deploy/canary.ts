// strategy: canary — stable and canary Deployments behind one Service; the
// traffic split follows the replica ratio, in steps (canarySteps, percent)
// with a pause each. At every step the live analysis reads the running k6's
// per-version results; a failure aborts: the canary is scaled away (its pods
// drain like any other) while stable goes back to full size.
// On success stable is updated to the new version and the canary removed.
import { RunAbortedError } from "../abort.ts";
import { log } from "../log.ts";
import { renderPdb, renderService, LABELS, APP_NAME, workloadSelector } from "./manifests.ts";
import { applyAll } from "./apply.ts";
import { nodePortOf, renderWorkload, workloadPort } from "./workload.ts";
import { AnalysisFailedError, type DeployContext, type DeployStrategy, guard, labelSelector, type RolloutResult, SERVICE_NAME, servingPods, versionSelector } from "./strategy.ts";
import { realClock } from "../wait.ts";

const STABLE = "app-stable";
const CANARY = "app-canary";

function dep(ctx: DeployContext, name: string, version: string, replicas: number, bad: boolean) {
  return renderWorkload(ctx, { runId: ctx.runId, namespace: ctx.namespace, name, version, image: ctx.image, replicas, bad, extraLabels: { "nodrop.dev/track": name === CANARY ? "canary" : "stable" } });
}

const sel = (ctx: DeployContext, name: string) => labelSelector(workloadSelector(ctx.runId, name));

/** Canary replicas for a traffic percentage (at least 1 while the step is > 0). */
export function canaryReplicas(replicas: number, percent: number): number {
  return Math.min(replicas, Math.max(1, Math.round((replicas * percent) / 100)));
}

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
        // Canary up first and ready, then stable down: capacity never dips.
        await guard(
          ctx,
          to,
          (async () => {
            await applyAll(ctx, [dep(ctx, CANARY, to, c, bad)], `${step}: canary ${to} x${c}`);
            await kube.waitRollout(namespace, CANARY, timeout);
            await kube.scale(namespace, STABLE, n - c);
            await kube.waitRollout(namespace, STABLE, timeout);
            events.record("canary-step", { percent: pct, canary: c, stable: n - c });
            await (ctx.clock ?? realClock).sleep(config.canaryPause * 1000);
          })(),
        );
      } catch (e) {
        if (e instanceof RunAbortedError) throw e; // an aborted run is not a failed rollout
        const reason = e instanceof AnalysisFailedError ? `${e.message} at step ${pct} %` : `canary step ${pct} % did not complete: ${(e as Error).message.split("\n")[0]}`;
        const at = Date.now();
        log.warn(`${label}: ${reason} — aborting: stable back to ${n}, canary removed`);
        events.phase("rollback");
        events.record("rollback", { reason, label, step: pct });
        // Take the canary out of traffic at once (its pods leave the endpoints
        // and drain like any other) while stable grows back to full size: the
        // stable pods still running carry the load meanwhile, so the blast
        // radius ends as soon as kube-proxy has caught up.
        await Promise.all([kube.scale(namespace, CANARY, 0), kube.scale(namespace, STABLE, n)]);
        await kube.waitRollout(namespace, STABLE, timeout);
        await kube.waitPodsGone(namespace, sel(ctx, CANARY), drainTimeout);
        events.record("window-end", { label });
        events.record("pods", { label, before, after: await servingPods(ctx) });
        return { rolledBack: { at, reason } };
      }
    }

    // Promote: stable takes the new version at full size, then the canary goes.
    events.phase(`${label}-promote`);
    await applyAll(ctx, [dep(ctx, STABLE, to, n, bad)], `${label}: promote ${to} to stable`);
    await kube.waitRollout(namespace, STABLE, timeout);
    await kube.scale(namespace, CANARY, 0);
    await kube.waitPodsGone(namespace, sel(ctx, CANARY), drainTimeout);
    await kube.waitPodsGone(namespace, versionSelector(ctx.runId, from), drainTimeout);
    events.record("window-end", { label });
    events.record("pods", { label, before, after: await servingPods(ctx) });
    return {};
  },
};
