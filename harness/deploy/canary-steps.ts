// What both canaries share (by replica ratio: canary.ts; by route weight:
// canary-weight.ts): the two tracks' Deployments, and the rollout's shape —
// the steps of canarySteps, each held for canaryPause under the live
// analysis, an abort on the first failed step, a promotion after the last.
// Each canary says only how a step moves traffic, how an abort undoes it, and
// how the new version becomes stable.
import { RunAbortedError } from "../abort.ts";
import { log } from "../log.ts";
import { realClock } from "../wait.ts";
import { workloadSelector } from "./manifests.ts";
import { AnalysisFailedError, type DeployContext, guard, labelSelector, type RolloutResult, servingPods } from "./strategy.ts";
import { renderWorkload } from "./workload.ts";

export const STABLE = "app-stable";
export const CANARY = "app-canary";

export function trackDeployment(ctx: DeployContext, name: string, version: string, replicas: number, bad: boolean) {
  return renderWorkload(ctx, { runId: ctx.runId, namespace: ctx.namespace, name, version, image: ctx.image, replicas, bad, extraLabels: { "nodrop.dev/track": name === CANARY ? "canary" : "stable" } });
}

export const trackSelector = (ctx: DeployContext, name: string) => labelSelector(workloadSelector(ctx.runId, name));

/** Canary replicas for a traffic percentage (at least 1 while the step is > 0). */
export function canaryReplicas(replicas: number, percent: number): number {
  return Math.min(replicas, Math.max(1, Math.round((replicas * percent) / 100)));
}

export interface CanaryMoves {
  /** Sends `percent` of the traffic to the canary (phase `step`); resolves once that holds. */
  step(percent: number, step: string): Promise<void>;
  /** After a failed step: the canary out of traffic and gone, stable serving everything. */
  abort(): Promise<void>;
  /** After the last step: the new version is stable and the canary gone. */
  promote(label: string): Promise<void>;
  /** How the abort undoes a step, for the log line. */
  abortText: string;
}

export async function canaryRollout(ctx: DeployContext, to: string, index: number, moves: CanaryMoves): Promise<RolloutResult> {
  const { events, config } = ctx;
  const label = `rollout-${index}`;
  const before = await servingPods(ctx);
  events.phase(label);
  events.record("window-start", { label });
  for (const pct of config.canarySteps) {
    const step = `${label}-canary-${pct}`;
    events.phase(step);
    try {
      await guard(
        ctx,
        to,
        (async () => {
          await moves.step(pct, step);
          await (ctx.clock ?? realClock).sleep(config.canaryPause * 1000);
        })(),
      );
    } catch (e) {
      if (e instanceof RunAbortedError) throw e; // an aborted run is not a failed rollout
      const reason = e instanceof AnalysisFailedError ? `${e.message} at step ${pct} %` : `canary step ${pct} % did not complete: ${(e as Error).message.split("\n")[0]}`;
      const at = Date.now();
      log.warn(`${label}: ${reason} — aborting: ${moves.abortText}`);
      events.phase("rollback");
      events.record("rollback", { reason, label, step: pct });
      await moves.abort();
      events.record("window-end", { label });
      events.record("pods", { label, before, after: await servingPods(ctx) });
      return { rolledBack: { at, reason } };
    }
  }
  events.phase(`${label}-promote`);
  await moves.promote(label);
  events.record("window-end", { label });
  events.record("pods", { label, before, after: await servingPods(ctx) });
  return {};
}
