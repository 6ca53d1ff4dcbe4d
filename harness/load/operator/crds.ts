// The k6-operator's CRDs (TestRun, PrivateLoadZone) from the pinned module.
// A run installs them when the cluster lacks them, labelled with its run id,
// and removes exactly those when it ends. CRDs the cluster already has from
// someone else (a k6-operator of the user's own) are used and left alone;
// CRDs a crashed nodrop run left behind (managed-by=nodrop) are taken over
// and removed at this run's end.
import { crdApi, installCrds, readCrds } from "../../crds.ts";
import { LABEL_MANAGED_BY, LABEL_RUN, type Kube } from "../../kube.ts";
import { log } from "../../log.ts";
import { toolPaths } from "../../tools.ts";
import { waitFor } from "../../wait.ts";

export interface OperatorCrds {
  /** The CRDs this run installed (and removes). */
  installed: string[];
  /** The CRDs found already installed by someone else (used, never removed). */
  foreign: string[];
  remove(): Promise<void>;
}

export async function ensureOperatorCrds(kube: Kube, runId: string): Promise<OperatorCrds> {
  const crds = await readCrds(toolPaths().k6Operator.crds, "run `bash clusters/tools/install.sh k6-operator`");
  const foreign: string[] = [];
  const installed = await installCrds(kube, crds, {
    labels: { [LABEL_MANAGED_BY]: "nodrop", [LABEL_RUN]: runId },
    shouldInstall: (existing) => {
      if (!existing || existing.metadata?.labels?.[LABEL_MANAGED_BY] === "nodrop") return true;
      foreign.push(existing.metadata!.name!);
      return false;
    },
  });
  if (foreign.length) log.warn(`k6-operator CRDs already on the cluster, not nodrop's: ${foreign.join(", ")} (used as they are, left in place)`);
  const remove = async () => {
    const api = crdApi(kube);
    for (const name of installed) await api.deleteCustomResourceDefinition({ name }).catch(() => {});
    await waitFor(
      `the k6-operator CRDs ${installed.join(", ")} to be gone`,
      async () => {
        const left = (await api.listCustomResourceDefinition({ labelSelector: `${LABEL_RUN}=${runId}` })).items;
        return left.length === 0;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
  };
  return { installed, foreign, remove };
}
