// strategy: blue-green — two slots (Deployments app-blue / app-green) behind
// the user-facing Service. The idle slot gets the new version; a smoke gate
// hits it directly through its own preview Service on 127.0.0.1; only then
// the user Service's selector is swapped. The old slot keeps serving for
// scaleDownDelay (as Argo Rollouts does: every kube-proxy must catch up)
// under live analysis; a failure swaps back (rollback).
import { RunAbortedError } from "../abort.ts";
import { httpProbe } from "../http.ts";
import { log } from "../log.ts";
import { renderService, workloadSelector } from "./manifests.ts";
import { applyAll } from "./apply.ts";
import { renderWorkload, workloadPort } from "./workload.ts";
import { AnalysisFailedError, type DeployContext, type DeployStrategy, guard, labelSelector, type RolloutResult, SERVICE_NAME, servingPods } from "./strategy.ts";
import { realClock, waitFor } from "../wait.ts";

type Slot = "blue" | "green";
const PREVIEW = "app-preview";
const active = new WeakMap<DeployContext, Slot>();
const other = (s: Slot): Slot => (s === "blue" ? "green" : "blue");
const slotName = (s: Slot) => `app-${s}`;

function slotDeployment(ctx: DeployContext, slot: Slot, version: string, replicas: number, bad: boolean) {
  return renderWorkload(ctx, { runId: ctx.runId, namespace: ctx.namespace, name: slotName(slot), version, image: ctx.image, replicas, bad, extraLabels: { "nodrop.dev/slot": slot } });
}

function service(ctx: DeployContext, name: string, slot: Slot, nodePort?: number) {
  return renderService(ctx.config, { targetPort: workloadPort(ctx), runId: ctx.runId, namespace: ctx.namespace, name, selector: workloadSelector(ctx.runId, slotName(slot)), ...(nodePort !== undefined ? { nodePort } : {}) });
}

const fixedPort = (ctx: DeployContext, slot: number) => ctx.provider.nodePortFor(slot);

export const blueGreen: DeployStrategy = {
  name: "blue-green",

  async setup(ctx, version) {
    await applyAll(ctx, [slotDeployment(ctx, "blue", version, ctx.config.replicas, false), service(ctx, SERVICE_NAME, "blue", fixedPort(ctx, 0)), service(ctx, PREVIEW, "green", fixedPort(ctx, 1))], `setup ${version} in slot blue`);
    await ctx.kube.waitRollout(ctx.namespace, slotName("blue"), ctx.config.deployTimeout * 1000);
    active.set(ctx, "blue");
    const svc = await ctx.kube.core.readNamespacedService({ name: SERVICE_NAME, namespace: ctx.namespace });
    return { nodePort: svc.spec!.ports![0]!.nodePort! };
  },

  async rollout(ctx, from, to, index): Promise<RolloutResult> {
    const { events, kube, namespace, config } = ctx;
    const label = `rollout-${index}`;
    const live = active.get(ctx) ?? "blue";
    const idle = other(live);
    const bad = config.badVersion !== "none";
    const before = await servingPods(ctx);
    events.phase(label);
    events.record("window-start", { label });
    const abort = async (reason: string, swapBack: boolean): Promise<RolloutResult> => {
      const at = Date.now();
      log.warn(`${label}: ${reason} — ${swapBack ? `swapping back to slot ${live}` : `slot ${live} keeps serving`}`);
      events.phase("rollback");
      events.record("rollback", { reason, label });
      if (swapBack) {
        await kube.scale(namespace, slotName(live), config.replicas);
        await kube.waitRollout(namespace, slotName(live), config.deployTimeout * 1000);
        await applyAll(ctx, [service(ctx, SERVICE_NAME, live, fixedPort(ctx, 0))], `${label}: swap back to ${live}`);
        events.record("swap", { to: live, rollback: true });
      }
      await kube.scale(namespace, slotName(idle), 0);
      await kube.waitPodsGone(namespace, labelSelector(workloadSelector(ctx.runId, slotName(idle))), (config.terminationGracePeriod + 60) * 1000);
      events.record("window-end", { label });
      events.record("pods", { label, before, after: await servingPods(ctx) });
      return { rolledBack: { at, reason } };
    };

    // 1. The idle slot gets the new version; users still see only the live slot.
    events.phase(`${label}-deploy-${idle}`);
    await applyAll(ctx, [slotDeployment(ctx, idle, to, config.replicas, bad), service(ctx, PREVIEW, idle, fixedPort(ctx, 1))], `${label}: ${to} into slot ${idle}`);
    try {
      await kube.waitRollout(namespace, slotName(idle), config.deployTimeout * 1000 + 5_000);
    } catch (e) {
      if (e instanceof RunAbortedError) throw e; // an aborted run is not a failed rollout
      return abort(`slot ${idle} (${to}) never became ready: ${(e as Error).message.split("\n")[0]}`, false);
    }

    // 2. Smoke gate against the new slot directly (its preview Service on 127.0.0.1).
    events.phase(`${label}-smoke`);
    const preview = await kube.core.readNamespacedService({ name: PREVIEW, namespace });
    const previewUrl = `http://127.0.0.1:${ctx.provider.hostPortFor(preview.spec!.ports![0]!.nodePort!)}${ctx.app?.path ?? "/"}`;
    const header = (ctx.app?.versionHeader ?? "X-App-Version").toLowerCase();
    // kube-proxy needs a moment to program the preview Service's new endpoints:
    // wait until the new slot answers at all (any HTTP status) before judging
    // it — as `to` where the app names its version; where it names none, any
    // answer is the new slot's (the preview Service selects only that slot,
    // whose old pods were gone before this rollout began).
    try {
      await waitFor(`slot ${idle} (${to}) to answer through ${previewUrl}`, async () => answeredAs(await httpProbe(previewUrl), header, to), { timeoutMs: 30_000, intervalMs: 100 });
    } catch (e) {
      if (e instanceof RunAbortedError) throw e; // an aborted run is not a failed rollout
      return abort(`smoke gate: ${(e as Error).message.split("\n")[0]}`, false);
    }
    const smoke = await smokeTest(previewUrl, to, 100, header);
    events.record("smoke", { slot: idle, ...smoke });
    if (smoke.failed > 0) return abort(`smoke gate failed on slot ${idle}: ${smoke.failed} of ${smoke.total} requests failed (${smoke.detail})`, false);

    // 3. Swap the user Service to the new slot.
    events.phase(`${label}-swap`);
    await applyAll(ctx, [service(ctx, SERVICE_NAME, idle, fixedPort(ctx, 0))], `${label}: swap to ${idle}`);
    events.record("swap", { to: idle });
    active.set(ctx, idle);

    // 4. The old slot keeps its pods for scaleDownDelay, while the analysis watches the new version.
    events.phase(`${label}-scale-down-delay`);
    try {
      await guard(ctx, to, (ctx.clock ?? realClock).sleep(config.scaleDownDelay * 1000));
    } catch (e) {
      if (e instanceof RunAbortedError) throw e; // an aborted run is not a failed rollout
      if (e instanceof AnalysisFailedError) {
        active.set(ctx, live);
        return abort(e.message, true);
      }
      throw e;
    }

    // 5. Scale the old slot down; its pods drain like any other (preStop, grace period).
    events.phase(`${label}-scale-down-${live}`);
    await kube.scale(namespace, slotName(live), 0);
    await kube.waitPodsGone(namespace, labelSelector(workloadSelector(ctx.runId, slotName(live))), (config.terminationGracePeriod + 60) * 1000);
    events.record("window-end", { label });
    events.record("pods", { label, before, after: await servingPods(ctx) });
    return {};
  },
};

/** `n` sequential GETs on fresh connections; every one must be 200 from `version`. */
export async function smokeTest(url: string, version: string, n: number, header = "x-app-version"): Promise<{ total: number; failed: number; detail: string }> {
  const statuses: Record<string, number> = {};
  let failed = 0;
  for (let i = 0; i < n; i++) {
    const r = await httpProbe(url);
    const got = String(r.headers[header] ?? "");
    // An app that names no version: a 200 through the preview Service is the new slot's.
    const right = got === version || got === "";
    const key = r.status === 200 && !right ? `200 from ${got}` : String(r.status);
    statuses[key] = (statuses[key] ?? 0) + 1;
    if (r.status !== 200 || !right) failed++;
  }
  return { total: n, failed, detail: Object.entries(statuses).map(([k, v]) => `${k}: ${v}`).join(", ") };
}

/** The new slot answered: with its version where the app names one, with any HTTP status where it names none. */
function answeredAs(r: { status: number; headers: Record<string, string | string[] | undefined> }, header: string, version: string): boolean {
  if (r.status === 0) return false;
  const got = r.headers[header];
  return got === undefined ? true : got === version;
}
