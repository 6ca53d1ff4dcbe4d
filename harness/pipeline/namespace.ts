// Phase 2, the run's namespace and what watches it: the namespace with its
// owner (cleanup: its Kubernetes events into k8s-events.txt, then deleted,
// unless keep=true), the pod and EndpointSlice watches and kube-proxy's
// metrics into events.ndjson (cleanup: stopped, always), and the watchdog: from
// here on a dead cluster component or a dead k6 aborts the run within a second.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { inBackground } from "../background.ts";
import { canObserveKubeProxy, canWatchFaults } from "../cluster/provider.ts";
import { step } from "../log.ts";
import { watchKubeProxy } from "../observe/kube-proxy.ts";
import { watchNamespace } from "../observe/watch.ts";
import { ANNOTATION_KEEP, ANNOTATION_OWNER, formatOwner, selfOwner } from "../owner.ts";
import { watchRun } from "../watchdog.ts";
import { need, type RunState } from "./state.ts";

export async function namespacePhase(s: RunState): Promise<void> {
  const { config, runId, runDir, events, cleanup, abort } = s;
  const provider = need(s.provider, "provider");
  const kube = need(s.kube, "kube");
  const namespace = (s.namespace = `nodrop-${runId}`);
  cleanup.defer(`delete namespace ${namespace}`, async () => {
    await writeFile(join(runDir, "k8s-events.txt"), await kube.describeEvents(namespace, 200)).catch(() => {});
    // The NodePorts free first, at once: kind's are fixed slots the next run asks for again.
    await kube.freeServices(namespace);
    // The rest finished while the next run starts (background.ts); it waits for it before its load.
    inBackground(`delete namespace ${namespace}`, () => kube.releaseNamespace(namespace));
  });
  await step(`namespace ${namespace}`, () =>
    kube.createNamespace(namespace, runId, { [ANNOTATION_OWNER]: formatOwner(selfOwner()), ...(config.keep ? { [ANNOTATION_KEEP]: "true" } : {}) }),
  );
  const watches = watchNamespace(kube, namespace, events);
  cleanup.defer("stop watches", () => watches.stop(), { always: true });
  if (canObserveKubeProxy(provider)) {
    const urls = await provider.kubeProxyMetricsUrls().catch((e: Error) => {
      events.record("kube-proxy-metrics-unreachable", { message: e.message });
      return [];
    });
    const proxy = (s.proxyWatch = watchKubeProxy(urls, events));
    cleanup.defer("stop kube-proxy metrics", () => proxy.stop(), { always: true });
  }
  // From here on a dead component or a dead k6 ends the run within a second.
  if (canWatchFaults(provider)) s.faultsNow = () => provider.faults();
  const faultsNow = s.faultsNow;
  s.watchdog = watchRun({
    abort,
    ...(faultsNow ? { faults: faultsNow } : {}),
    k6Exited: () => s.k6ExitInfo,
  });
}
