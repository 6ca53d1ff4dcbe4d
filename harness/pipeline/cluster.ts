// Phase 1, what the run runs on: the cluster (a healthy one reused, else
// brought up and torn down at the end: ensureCluster registers that cleanup
// and keeps its logs in cluster-logs/), its versions for summary.json, the
// namespaces of dead harnesses reaped, and the app's image imported (the
// user's archives, or the sample app built locally).
import { join, relative } from "node:path";
import { ensureCluster } from "../cluster/ensure.ts";
import { providerFor } from "../cluster/index.ts";
import { wantedNodes } from "../config.ts";
import { buildAppImage } from "../images/app-image.ts";
import { Kube } from "../kube.ts";
import { log, step } from "../log.ts";
import { reapOrphans } from "../reap.ts";
import { clusterVersions } from "../run-versions.ts";
import type { RunState } from "./state.ts";
import { imagesDir } from "../images/cache.ts";

export async function clusterPhase(s: RunState): Promise<void> {
  const { config, opts, app, cleanup, runDir, abort, ranOn } = s;
  // Cluster: reuse a healthy one; one this run brings up is torn down at the end.
  const provider = (s.provider = opts.provider ?? providerFor(config.provider, { kubeconfig: config.kubeconfig, context: config.context, nodes: wantedNodes(config) }));
  const created = !opts.provider && (await ensureCluster(provider, cleanup, join(runDir, "cluster-logs")));
  // A run that fails on a cluster it did not bring up still keeps the cluster's logs.
  if (!created) s.logsOnFailure = provider;
  abort.throwIfAborted();

  const kube = (s.kube = new Kube(provider.kubeconfigPath(), provider.context()));
  Object.assign(ranOn, await clusterVersions(kube));
  const reaped = await reapOrphans(kube);
  if (reaped.length) log.warn(`deleted ${reaped.length} namespace(s) left by runs whose harness died: ${reaped.map((r) => `${r.name} (owner ${r.owner})`).join(", ")}`);

  s.image = app
    ? await step(`app image${app.versionImages ? `s ${app.versionImages.join(", ")}` : ` ${app.image}`} (from ${[...new Set(app.imports.map((x) => relative(process.cwd(), x.archive) || x.archive))].join(", ")}, imported)`, async () => {
        for (const x of app.imports) await provider.loadImage(x.archive, x.ref);
        ranOn.app = app.versionImages ?? [app.image];
        return app.image;
      })
    : await step("sample app image (built locally, imported)", async () => {
        const img = await buildAppImage(imagesDir());
        await provider.loadImage(img.archive, img.name);
        ranOn.app = [img.name];
        return img.name;
      });
  abort.throwIfAborted();
}
