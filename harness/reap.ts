// Deletes the namespaces of runs on this machine whose harness process is
// gone (killed with -9, lost with its terminal). Called before every run and
// by `nodrop cleanup`; runs kept on purpose (keep=true) stay.
import type { Kube } from "./kube.ts";
import { ANNOTATION_KEEP, ANNOTATION_OWNER, ownerIsGone, parseOwner } from "./owner.ts";

export async function reapOrphans(kube: Kube, isGone = ownerIsGone): Promise<{ name: string; owner: string }[]> {
  const orphans = (await kube.runNamespaces()).filter((n) => {
    if (n.annotations[ANNOTATION_KEEP] === "true") return false;
    const owner = parseOwner(n.annotations[ANNOTATION_OWNER]);
    return owner !== undefined && isGone(owner);
  });
  await Promise.all(orphans.map((n) => kube.deleteNamespace(n.name)));
  return orphans.map((n) => ({ name: n.name, owner: n.annotations[ANNOTATION_OWNER]! }));
}
