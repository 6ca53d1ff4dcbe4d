// scenario=drain — node maintenance under load, the way a node-pool upgrade
// does it: every worker in turn is drained (cordon, evict the pods, wait until
// they are gone) and uncordoned at once (the "upgrade" takes no time), and the
// next worker is drained straight away, without waiting for the evicted pods'
// replacements to be ready. Only a PodDisruptionBudget (config.pdb) makes
// the evictions wait for them. The version does not change; the Deployment
// is the rolling strategy's, its pods spread over the workers (manifests.ts).
import { log } from "../log.ts";
import { drainNode } from "./evict.ts";
import { kubeDrainApi, uncordonRun, workerNodes } from "./nodes.ts";
import { rolling } from "./rolling.ts";
import { type DeployContext, type DeployStrategy, type RolloutResult, runSelector, servingPods } from "./strategy.ts";

const NAME = "app";

async function workersOrThrow(ctx: DeployContext): Promise<string[]> {
  const workers = await workerNodes(ctx.kube);
  if (workers.length < 2) {
    throw new Error(`scenario=drain needs at least 2 schedulable worker nodes; the cluster has ${workers.length} (${workers.join(", ") || "none"}). With provider kind: --set nodes=3`);
  }
  return workers;
}

export const drain: DeployStrategy = {
  name: "drain",
  keepsVersion: true,

  async setup(ctx, version) {
    await workersOrThrow(ctx);
    // A cordon this run made is undone however the run ends.
    ctx.defer?.("uncordon the nodes this run cordoned", async () => {
      const nodes = await uncordonRun(ctx.kube, ctx.runId);
      if (nodes.length) log.info(`uncordoned ${nodes.join(", ")}`);
    });
    return rolling.setup(ctx, version);
  },

  async rollout(ctx, _from, _to, index): Promise<RolloutResult> {
    const label = `drain-${index}`;
    const { events, kube, namespace, config } = ctx;
    const workers = await workersOrThrow(ctx);
    const before = await servingPods(ctx);
    events.phase(label);
    events.record("window-start", { label });
    const api = kubeDrainApi(kube, namespace, ctx.runId, runSelector(ctx.runId));
    for (const node of workers) {
      try {
        const out = await drainNode(api, node, {
          timeoutMs: config.deployTimeout * 1000,
          goneTimeoutMs: (config.terminationGracePeriod + 60) * 1000,
          record: (kind, fields) => events.record(kind, { label, ...fields }),
          ...(ctx.clock ? { clock: ctx.clock } : {}),
        });
        const refused = Object.values(out.refusals).reduce((a, b) => a + b, 0);
        log.info(`${label}: node ${node} drained: ${out.evicted.length} pod(s) evicted${refused ? `, ${refused} eviction(s) refused by the disruption budget first` : ""}`);
      } finally {
        await api.uncordon(node);
        events.record("uncordon", { label, node });
      }
    }
    // The window closes once the Deployment is whole again.
    await kube.waitRollout(namespace, NAME, config.deployTimeout * 1000);
    events.record("window-end", { label });
    events.record("pods", { label, before, after: await servingPods(ctx) });
    return {};
  },
};
