// The cluster side of a node drain: which nodes are workers, cordon and
// uncordon (noted on the node, so that only what a run cordoned is undone),
// and the Eviction API.
import * as k8s from "@kubernetes/client-node";
import { isNotFound, type Kube } from "../kube.ts";
import type { EvictResult, NodeDrainApi } from "./evict.ts";

/** On a node this run cordoned: the run id (uncordon only undoes these). */
export const ANNOTATION_CORDONED_BY = "nodrop.dev/cordoned-by";

/** A node pods may land on: schedulable, and no NoSchedule/NoExecute taint (the control plane's). */
export function isWorker(n: k8s.V1Node): boolean {
  if (n.spec?.unschedulable) return false;
  return !(n.spec?.taints ?? []).some((t) => t.effect === "NoSchedule" || t.effect === "NoExecute");
}

/** The names of the worker nodes, sorted. */
export async function workerNodes(kube: Kube): Promise<string[]> {
  return (await kube.core.listNode()).items.filter(isWorker).map((n) => n.metadata!.name!).sort();
}

function mergePatch(kube: Kube, name: string, patch: object): Promise<unknown> {
  return kube.objects.patch({ apiVersion: "v1", kind: "Node", metadata: { name }, ...patch }, undefined, undefined, "nodrop", undefined, k8s.PatchStrategy.MergePatch);
}

/** Uncordons every node a run cordoned (its annotation names the run); returns their names. */
export async function uncordonRun(kube: Kube, runId: string): Promise<string[]> {
  const done: string[] = [];
  for (const n of (await kube.core.listNode()).items) {
    if (n.metadata?.annotations?.[ANNOTATION_CORDONED_BY] !== runId) continue;
    await mergePatch(kube, n.metadata.name!, { metadata: { name: n.metadata.name, annotations: { [ANNOTATION_CORDONED_BY]: null } }, spec: { unschedulable: null } });
    done.push(n.metadata.name!);
  }
  return done;
}

export function kubeDrainApi(kube: Kube, namespace: string, runId: string, selector: string): NodeDrainApi {
  return {
    async cordon(node) {
      await mergePatch(kube, node, { metadata: { name: node, annotations: { [ANNOTATION_CORDONED_BY]: runId } }, spec: { unschedulable: true } });
    },
    async uncordon(node) {
      await mergePatch(kube, node, { metadata: { name: node, annotations: { [ANNOTATION_CORDONED_BY]: null } }, spec: { unschedulable: null } });
    },
    async podsOn(node) {
      const list = await kube.core.listNamespacedPod({ namespace, labelSelector: selector, fieldSelector: `spec.nodeName=${node}` });
      return list.items.filter((p) => !p.metadata?.deletionTimestamp).map((p) => p.metadata!.name!).sort();
    },
    async evict(pod): Promise<EvictResult> {
      try {
        await kube.core.createNamespacedPodEviction({ name: pod, namespace, body: { apiVersion: "policy/v1", kind: "Eviction", metadata: { name: pod, namespace } } });
        return { ok: true };
      } catch (e) {
        if (isNotFound(e)) return { ok: true }; // already gone
        const code = (e as { code?: number }).code;
        if (code === 429) return { ok: false, refused: refusalMessage(e) };
        throw e;
      }
    },
    async gone(pod) {
      try {
        await kube.core.readNamespacedPod({ name: pod, namespace });
        return false;
      } catch (e) {
        if (isNotFound(e)) return true;
        throw e;
      }
    },
  };
}

/** The API server's message for a 429, e.g. "Cannot evict pod as it would violate the pod's disruption budget." */
function refusalMessage(e: unknown): string {
  const body = (e as { body?: unknown }).body;
  try {
    const parsed = typeof body === "string" ? (JSON.parse(body) as { message?: string }) : (body as { message?: string } | undefined);
    if (parsed?.message) return parsed.message;
  } catch {
    /* not JSON */
  }
  return (e as Error).message.split("\n")[0] ?? "429 Too Many Requests";
}
