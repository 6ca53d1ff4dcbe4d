// The weighted route's cluster-scoped objects (ClusterRole, ClusterRoleBinding,
// GatewayClass) outlive a run only when its harness died before its cleanup
// (kill -9). They carry the run id; once that run's namespace is gone they are
// deleted here: before every run (with the orphaned namespaces) and by
// `nodrop cleanup`.
import * as k8s from "@kubernetes/client-node";
import { isNotFound, type Kube, LABEL_RUN } from "../kube.ts";
import { INGRESS_LABELS } from "./controller-objects.ts";

const SELECTOR = `app.kubernetes.io/name=${INGRESS_LABELS["app.kubernetes.io/name"]}`;

export async function reapIngressClusterObjects(kube: Kube, opts: { runId?: string } = {}): Promise<string[]> {
  const rbac = kube.kc.makeApiClient(k8s.RbacAuthorizationV1Api);
  const custom = kube.kc.makeApiClient(k8s.CustomObjectsApi);
  const selector = opts.runId ? `${SELECTOR},${LABEL_RUN}=${opts.runId}` : SELECTOR;
  const found: Array<{ kind: string; name: string; runId?: string; del: () => Promise<unknown> }> = [];
  for (const r of (await rbac.listClusterRole({ labelSelector: selector })).items) {
    found.push({ kind: "ClusterRole", name: r.metadata!.name!, runId: r.metadata?.labels?.[LABEL_RUN], del: () => rbac.deleteClusterRole({ name: r.metadata!.name! }) });
  }
  for (const b of (await rbac.listClusterRoleBinding({ labelSelector: selector })).items) {
    found.push({ kind: "ClusterRoleBinding", name: b.metadata!.name!, runId: b.metadata?.labels?.[LABEL_RUN], del: () => rbac.deleteClusterRoleBinding({ name: b.metadata!.name! }) });
  }
  const gc = { group: "gateway.networking.k8s.io", version: "v1", plural: "gatewayclasses" };
  const classes = await custom.listClusterCustomObject({ ...gc, labelSelector: selector }).catch((e: unknown) => (isNotFound(e) ? { items: [] } : Promise.reject(e)));
  for (const c of (classes as { items: Array<{ metadata: { name: string; labels?: Record<string, string> } }> }).items) {
    found.push({ kind: "GatewayClass", name: c.metadata.name, runId: c.metadata.labels?.[LABEL_RUN], del: () => custom.deleteClusterCustomObject({ ...gc, name: c.metadata.name }) });
  }
  const live = new Set((await kube.core.listNamespace()).items.filter((n) => !n.metadata?.deletionTimestamp).map((n) => n.metadata!.name!));
  const gone: string[] = [];
  for (const o of found) {
    if (!opts.runId && o.runId && live.has(`nodrop-${o.runId}`)) continue;
    await o.del().catch((e: unknown) => (isNotFound(e) ? undefined : Promise.reject(e)));
    gone.push(`${o.kind}/${o.name}`);
  }
  return gone;
}
