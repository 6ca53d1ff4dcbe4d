// Phase 3, the app at v1 and the way the load reaches it: the user's other
// objects, the database (database or migration set), v1 by the strategy
// (manifests.yaml), the ingress controller in front (path=ingress), the
// target answering, the nodes' stale NodePort state cleared, and connection
// tracking (conntrack.ndjson; cleanup: stopped, always) so that versions the
// app does not name come from each request's connection. The objects go with
// the namespace; what else a step starts registers its own undo (ctx.defer).
import { RunAbortedError } from "../abort.ts";
import { canClearNodePortState, canPlaceLoad, canTrackConnections } from "../cluster/provider.ts";
import { usesDatabase } from "../config.ts";
import { applyAll } from "../deploy/apply.ts";
import { setupDatabase } from "../deploy/database.ts";
import { strategyFor } from "../deploy/index.ts";
import { migrationHooks } from "../deploy/migration.ts";
import { RUN_DEPLOYMENT_NAME } from "../deploy/rolling.ts";
import type { DeployContext } from "../deploy/strategy.ts";
import { setupIngress } from "../ingress/index.ts";
import { log, step } from "../log.ts";
import { startConnectionTracking } from "../observe/connections.ts";
import { waitTargetAnswers } from "../target.ts";
import { placeCompanion } from "../userapp/companions.ts";
import { need, type RunState } from "./state.ts";

export async function deployPhase(s: RunState): Promise<void> {
  const { config, app, runId, runDir, events, cleanup } = s;
  const provider = need(s.provider, "provider");
  const kube = need(s.kube, "kube");
  const image = need(s.image, "image");
  const namespace = need(s.namespace, "namespace");
  const ctx: DeployContext = (s.ctx = { config, kube, provider, namespace, runId, image, events, runDir, defer: (name, fn) => cleanup.defer(name, fn, { always: true }), ...(app ? { app } : {}) });
  if (app?.extras.length) {
    const place = { runId, namespace, deploymentName: app.deployment.metadata?.name ?? "", runDeploymentName: RUN_DEPLOYMENT_NAME };
    await step(`the app's ${app.extras.length} other object(s) (${[...new Set(app.extras.map((o) => String(o["kind"])))].join(", ")})`, () => applyAll(ctx, app.extras.map((o) => placeCompanion(o, place)), "app objects"));
  }
  if (usesDatabase(config)) {
    const db = await step("PostgreSQL in the run namespace (Debian's build, packed locally), with v1's schema", () => setupDatabase(ctx));
    ctx.databaseUrl = db.url;
    const hooks = migrationHooks(config.migration, events, db.sql);
    if (hooks) ctx.migration = hooks;
  }
  const strategy = (s.strategy = strategyFor(config.strategy, config.scenario, config.canaryBy));
  const appService = await step(`deploy v1 (${strategy.name})`, () => strategy.setup(ctx, "v1"));
  // path=ingress: the load enters through an ingress controller in front of the app's Service.
  const front = config.path === "ingress" ? await step(`ingress controller in front of the app (${config.ingressController}, packed locally)`, () => setupIngress(ctx)) : undefined;
  if (front?.router) ctx.router = front.router;
  if (front?.collect) s.collectFront = front.collect;
  const { nodePort } = front ?? appService;
  s.nodePort = nodePort;
  const target = (s.target = `http://127.0.0.1:${provider.hostPortFor(nodePort)}${app?.path ?? "/"}`);
  await step(`target ${target} answers 200`, () => waitTargetAnswers(target, { timeoutMs: 60_000, diagnose: () => kube.describeEvents(namespace) }));
  if (canClearNodePortState(provider)) await step(`forget the nodes' connection tracking for NodePort ${nodePort}`, () => provider.clearNodePortState(nodePort));
  // Where k6 will run (cluster/kind/load-placement.ts); the runners of load=operator run on the cluster anyway.
  s.placement = canPlaceLoad(provider) && config.load !== "operator" ? ((await provider.loadPlacement()) ?? null) : null;
  // Which pod each of k6's connections went to: versions without the app's header.
  if (canTrackConnections(provider) && config.load !== "operator" && !front) {
    const hostPort = provider.hostPortFor(nodePort);
    // Without it the run goes on: versions then come from headers only, and the gate judges every request (deploy/strategy.ts).
    s.tracking = await step(`connection tracking for port ${hostPort} (conntrack: the pod behind each connection)`, async () =>
      startConnectionTracking(await provider.connectionEventsArgv(hostPort), hostPort, runDir, events, s.placement?.enter),
    ).catch((e: Error) => {
      if (e instanceof RunAbortedError) throw e;
      events.record("connection-tracking-unavailable", { message: e.message });
      log.warn(`connection tracking unavailable, versions come from response headers only: ${e.message.split("\n")[0]}`);
      return undefined;
    });
    const t = s.tracking;
    if (t) cleanup.defer("stop connection tracking", () => t.stop(), { always: true });
  }
}
