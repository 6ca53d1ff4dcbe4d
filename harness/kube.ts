// A thin layer over @kubernetes/client-node: apply by server-side apply,
// typed reads, and the waits a deploy needs (rollout complete, pods gone).
import * as k8s from "@kubernetes/client-node";
import { log } from "./log.ts";
import { podStartProblem } from "./pod-problems.ts";
import { type Clock, waitFor } from "./wait.ts";

export const FIELD_MANAGER = "nodrop";
export const LABEL_RUN = "nodrop.dev/run-id";
export const LABEL_VERSION = "nodrop.dev/version";
export const LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";

export class Kube {
  readonly kc: k8s.KubeConfig;
  readonly core: k8s.CoreV1Api;
  readonly apps: k8s.AppsV1Api;
  readonly batch: k8s.BatchV1Api;
  readonly objects: k8s.KubernetesObjectApi;

  constructor(kubeconfigPath: string, context?: string) {
    this.kc = new k8s.KubeConfig();
    this.kc.loadFromFile(kubeconfigPath);
    if (context) this.kc.setCurrentContext(context);
    this.core = this.kc.makeApiClient(k8s.CoreV1Api);
    this.apps = this.kc.makeApiClient(k8s.AppsV1Api);
    this.batch = this.kc.makeApiClient(k8s.BatchV1Api);
    this.objects = k8s.KubernetesObjectApi.makeApiClient(this.kc);
  }

  /** Server-side apply: create or update, idempotent. */
  async apply<T extends k8s.KubernetesObject>(obj: T): Promise<T> {
    return this.objects.patch(obj, undefined, undefined, FIELD_MANAGER, true, k8s.PatchStrategy.ServerSideApply);
  }

  /**
   * A namespace of its own for the run. One of the same name still being
   * deleted (a resumed or retried run has the interrupted run's id) is waited
   * out first: the API refuses new objects in it (403 "being terminated").
   * One that exists and is not being deleted belongs to a run still going:
   * never taken over.
   */
  async createNamespace(name: string, runId: string, annotations: Record<string, string> = {}, timeoutMs = 180_000): Promise<void> {
    const existing = await this.core.readNamespace({ name }).catch((e: unknown) => {
      if (isNotFound(e)) return null;
      throw e;
    });
    if (existing && !existing.metadata?.deletionTimestamp) {
      throw new Error(`namespace ${name} already exists and is not being deleted (run id ${runId} is in use by another run, or was left with --keep): delete it, or give this run another id`);
    }
    if (existing) {
      log.info(`namespace ${name} is still being deleted (an earlier run with id ${runId}): waiting for it to go`);
      await this.namespaceGone(name, `namespace ${name} (an earlier run's, being deleted) to be gone before this run creates its own`, timeoutMs);
    }
    await this.apply({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name, labels: { [LABEL_RUN]: runId, [LABEL_MANAGED_BY]: "nodrop" }, annotations },
    } as k8s.V1Namespace);
  }

  /** nodrop's namespaces with their annotations. */
  async runNamespaces(): Promise<{ name: string; annotations: Record<string, string>; terminating: boolean }[]> {
    const list = await this.core.listNamespace({ labelSelector: `${LABEL_MANAGED_BY}=nodrop` });
    return list.items.map((n) => ({ name: n.metadata!.name!, annotations: n.metadata?.annotations ?? {}, terminating: !!n.metadata?.deletionTimestamp }));
  }

  /**
   * A run's end: empties the namespace (its pods are stopped and gone, so
   * nothing of the run serves or runs any more) and deletes its Services
   * (their NodePorts are free for the next run), then asks for the
   * namespace's deletion and returns once it is Terminating, without waiting
   * for it to vanish. What is left is API objects only (ConfigMaps, RBAC);
   * the namespace controller removes them after its fixed 5 s delay
   * (namespaceDeletionGracePeriod in kube-controller-manager, not
   * configurable), ~5.6 s measured for an empty namespace. Waiting for that
   * added ~5 min to the e2e suite's ~55 runs. `nodrop cleanup` still waits
   * (deleteNamespace), and the reaper leaves Terminating namespaces alone.
   */
  async releaseNamespace(name: string): Promise<void> {
    await this.emptyNamespace(name);
    await this.freeServices(name);
    try {
      await this.core.deleteNamespace({ name, gracePeriodSeconds: 0 } as never);
      const ns = await this.core.readNamespace({ name });
      if (!ns.metadata?.deletionTimestamp) throw new Error(`namespace ${name} is not Terminating after its deletion was asked for`);
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
  }

  /**
   * releaseNamespace, then waits until the namespace is gone (`nodrop
   * cleanup`, the reaper).
   */
  async deleteNamespace(name: string, timeoutMs = 120_000): Promise<void> {
    await this.releaseNamespace(name);
    await this.namespaceGone(name, `namespace ${name} to be deleted`, timeoutMs);
  }

  private async namespaceGone(name: string, what: string, timeoutMs: number): Promise<void> {
    await waitFor(what, async () => {
      try {
        await this.core.readNamespace({ name });
        return false;
      } catch (e) {
        if (isNotFound(e)) return true;
        throw e;
      }
    }, { timeoutMs, intervalMs: 200, diagnose: async () => this.describeEvents(name, 20) });
  }

  /**
   * Deletes the namespace's Deployments, ReplicaSets and Jobs (or they would replace
   * the pods), then its pods with a 1 s grace period, and waits until the
   * kubelet has stopped them and they are gone. Why: the namespace controller,
   * finding a terminating pod, waits out the pod's whole grace period (30 s)
   * before it looks again, whatever the pod does. Measured on the local
   * cluster: a run's namespace took 26.5 s; emptied first, ~7 s + ~5 s. Not a
   * 0 s grace: that removes the pods from the API at once while their
   * containers still run, and the next run would share the node with their
   * teardown. Best effort and bounded: past 30 s the namespace deletion waits
   * as before.
   */
  private async emptyNamespace(name: string): Promise<void> {
    try {
      // Orphan, not Background: the garbage collector would delete the pods
      // with their own grace period first (30 s), and a kubelet already
      // running a pod's preStop hook keeps to it whatever grace comes later
      // (measured: a 5 s preStop sleep ran in full; the namespace took 6.7 s).
      await this.apps.deleteCollectionNamespacedDeployment({ namespace: name, propagationPolicy: "Orphan" });
      await this.apps.deleteCollectionNamespacedReplicaSet({ namespace: name, propagationPolicy: "Orphan" });
      await this.batch.deleteCollectionNamespacedJob({ namespace: name, propagationPolicy: "Orphan" });
      await waitFor(
        `the pods of namespace ${name} to be gone`,
        async () => {
          const pods = (await this.core.listNamespacedPod({ namespace: name })).items;
          if (pods.some((p) => !p.metadata?.deletionTimestamp)) await this.core.deleteCollectionNamespacedPod({ namespace: name, gracePeriodSeconds: 1 });
          return pods.length === 0;
        },
        { timeoutMs: 30_000, intervalMs: 250 },
      );
    } catch (e) {
      if (!isNotFound(e)) log.warn(`namespace ${name}: emptying it before its deletion failed (${(e as Error).message}); the namespace controller waits out the pods' grace period`);
    }
  }

  /**
   * Deletes the namespace's Services and waits until they are gone, so that
   * their NodePorts are free when the next run starts, not ~5 s later with
   * the namespace: kind's NodePorts are fixed slots, and the demo's B asked
   * for the 30080 A's Terminating namespace still held (422 "provided port is
   * already allocated", CI 2026-12-02). A run calls it before it hands the
   * rest of its namespace's deletion to the background (background.ts):
   * the next run may ask for the same slot at once (CI 2026-12-08, the same 422).
   */
  async freeServices(name: string): Promise<void> {
    const names = async () => (await this.core.listNamespacedService({ namespace: name })).items.map((x) => x.metadata!.name!);
    try {
      for (const svc of await names()) {
        await this.core.deleteNamespacedService({ name: svc, namespace: name }).catch((e: unknown) => {
          if (!isNotFound(e)) throw e;
        });
      }
      let left: string[] = [];
      await waitFor(`the Services of namespace ${name} to be gone`, async () => (left = await names()).length === 0, {
        timeoutMs: 30_000,
        intervalMs: 100,
        diagnose: () => `still there: ${left.join(", ")}`,
      });
    } catch (e) {
      // The namespace's deletion still goes ahead, and takes the Services with it.
      if (!isNotFound(e)) log.warn(`namespace ${name}: deleting its Services before the namespace failed (${(e as Error).message}); their NodePorts stay taken until the namespace is gone`);
    }
  }

  /** Deletes every namespace matching `selector` (e.g. all of nodrop's runs); returns their names. */
  async deleteNamespacesByLabel(selector: string): Promise<string[]> {
    const names = (await this.core.listNamespace({ labelSelector: selector })).items.map((n) => n.metadata!.name!);
    await Promise.all(names.map((n) => this.deleteNamespace(n)));
    return names;
  }

  async deployment(namespace: string, name: string): Promise<k8s.V1Deployment> {
    return this.apps.readNamespacedDeployment({ name, namespace });
  }

  async pods(namespace: string, selector: string): Promise<k8s.V1Pod[]> {
    return (await this.core.listNamespacedPod({ namespace, labelSelector: selector })).items;
  }

  /** Sets a Deployment's replicas through its scale subresource. */
  async scale(namespace: string, name: string, replicas: number): Promise<void> {
    await this.apps.replaceNamespacedDeploymentScale({ name, namespace, body: { apiVersion: "autoscaling/v1", kind: "Scale", metadata: { name, namespace }, spec: { replicas } } });
  }

  /**
   * Waits like `kubectl rollout status`: the controller saw the new spec, every
   * replica is updated and available, and no old replica is left. Rejects early
   * when the Deployment reports ProgressDeadlineExceeded.
   */
  async waitRollout(namespace: string, name: string, timeoutMs: number, clock?: Clock): Promise<k8s.V1Deployment> {
    let last = "";
    return waitFor(
      `rollout of deployment ${namespace}/${name}`,
      async () => {
        const d = await this.deployment(namespace, name);
        const s = d.status ?? {};
        const want = d.spec?.replicas ?? 1;
        const stalled = s.conditions?.find((c) => c.type === "Progressing" && c.reason === "ProgressDeadlineExceeded");
        if (stalled) throw new RolloutStalledError(`deployment ${name}: ${stalled.message ?? "progress deadline exceeded"}`);
        last = `observedGeneration ${s.observedGeneration}/${d.metadata?.generation}, updated ${s.updatedReplicas ?? 0}/${want}, available ${s.availableReplicas ?? 0}, total ${s.replicas ?? 0}`;
        const done =
          (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1) &&
          (s.updatedReplicas ?? 0) === want &&
          (s.replicas ?? 0) === want &&
          (s.availableReplicas ?? 0) === want;
        return done ? d : false;
      },
      {
        timeoutMs,
        intervalMs: 250,
        ...(clock ? { clock } : {}),
        // A pod that cannot start (image missing, crash loop) ends the wait at once.
        fatal: async () => {
          const d = await this.deployment(namespace, name).catch(() => undefined);
          const sel = d?.spec?.selector?.matchLabels;
          if (!sel) return undefined;
          const selector = Object.entries(sel).map(([k, v]) => `${k}=${v}`).join(",");
          return podStartProblem(await this.pods(namespace, selector).catch(() => []));
        },
        diagnose: async () => `last status: ${last}\n${await this.describeEvents(namespace)}`,
      },
    );
  }

  /** Waits until no pod matching `selector` exists any more (terminating ones included). */
  async waitPodsGone(namespace: string, selector: string, timeoutMs: number): Promise<void> {
    await waitFor(`pods '${selector}' to terminate`, async () => (await this.pods(namespace, selector)).length === 0, {
      timeoutMs,
      intervalMs: 250,
      diagnose: async () => (await this.pods(namespace, selector)).map((p) => `${p.metadata?.name}: ${p.status?.phase}${p.metadata?.deletionTimestamp ? " (terminating)" : ""}`).join("\n"),
    });
  }

  /** The logs of the pods matching `selector` (the last `tailLines` of each), for reports and error messages. */
  async podLogs(namespace: string, selector: string, tailLines?: number): Promise<string> {
    const out: string[] = [];
    for (const p of await this.pods(namespace, selector)) {
      const name = p.metadata!.name!;
      const text = await this.core.readNamespacedPodLog({ name, namespace, ...(tailLines ? { tailLines } : {}) }).catch((e: Error) => `(logs unavailable: ${e.message})`);
      out.push(`==> ${name} <==\n${text}`);
    }
    return out.join("\n");
  }

  /** The last events of a namespace, for error messages. */
  async describeEvents(namespace: string, n = 15): Promise<string> {
    try {
      const ev = (await this.core.listNamespacedEvent({ namespace })).items;
      return ev
        .sort((a, b) => String(a.lastTimestamp ?? a.eventTime ?? "").localeCompare(String(b.lastTimestamp ?? b.eventTime ?? "")))
        .slice(-n)
        .map((e) => `  ${e.type} ${e.reason} ${e.involvedObject.kind}/${e.involvedObject.name}: ${e.message}`)
        .join("\n");
    } catch (e) {
      return `  (events unavailable: ${(e as Error).message})`;
    }
  }

  /** Streams watch events for `path` to `onEvent` until the returned stop() is called. Restarts on errors. */
  watch(path: string, query: Record<string, string>, onEvent: (type: string, obj: k8s.KubernetesObject) => void): { stop: () => void } {
    const w = new k8s.Watch(this.kc);
    let stopped = false;
    let abort: AbortController | undefined;
    const startWatch = async (): Promise<void> => {
      if (stopped) return;
      try {
        abort = await w.watch(path, { ...query, allowWatchBookmarks: false }, onEvent, (err) => {
          if (!stopped) {
            if (err) log.warn(`watch ${path} ended: ${(err as Error).message ?? err}; restarting`);
            setTimeout(() => void startWatch(), 200);
          }
        });
      } catch (e) {
        if (!stopped) setTimeout(() => void startWatch(), 500);
        void e;
      }
    };
    void startWatch();
    return {
      stop: () => {
        stopped = true;
        abort?.abort();
      },
    };
  }
}

export class RolloutStalledError extends Error {
  constructor(msg: string) {
    super(msg);
    this.name = "RolloutStalledError";
  }
}

export function isNotFound(e: unknown): boolean {
  const err = e as { code?: number; statusCode?: number; body?: unknown; message?: string };
  return err?.code === 404 || err?.statusCode === 404 || /HTTP-Code: 404|"code":404|NotFound/.test(String(err?.message ?? ""));
}
