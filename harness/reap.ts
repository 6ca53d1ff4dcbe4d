// Deletes the namespaces of runs on this machine whose harness process is
// gone (killed with -9, lost with its terminal). Called before every run and
// by `nodrop cleanup`; runs kept on purpose (keep=true) stay.
import type { Kube } from "./kube.ts";
import { ANNOTATION_KEEP, ANNOTATION_OWNER, ownerIsGone, parseOwner } from "./owner.ts";
import { reapIngressClusterObjects } from "./ingress/reap.ts";

export async function reapOrphans(kube: Kube, isGone = ownerIsGone, clusterObjects: (kube: Kube) => Promise<string[]> = reapIngressClusterObjects): Promise<{ name: string; owner: string }[]> {
  const orphans = (await kube.runNamespaces()).filter((n) => {
    if (n.annotations[ANNOTATION_KEEP] === "true") return false;
    // Being deleted already (a finished run's, see Kube.releaseNamespace): Kubernetes' job now.
    if (n.terminating) return false;
    const owner = parseOwner(n.annotations[ANNOTATION_OWNER]);
    return owner !== undefined && isGone(owner);
  });
  await Promise.all(orphans.map((n) => kube.deleteNamespace(n.name)));
  // The weighted route's cluster-scoped objects of runs whose namespace is gone.
  const objects = await clusterObjects(kube);
  return [...orphans.map((n) => ({ name: n.name, owner: n.annotations[ANNOTATION_OWNER]! })), ...objects.map((name) => ({ name, owner: "(its run's namespace is gone)" }))];
}
