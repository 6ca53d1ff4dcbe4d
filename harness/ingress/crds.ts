// Gateway API's CRDs on the cluster (canaryBy=weight). CRDs are cluster-wide
// and shared by every user of the cluster, so a run never deletes them: on the
// clusters nodrop brings up (local, kind) it installs the pinned standard
// channel once, labelled managed-by=nodrop, and they go with the cluster; on
// provider=existing they must already be there (the run says so before the load).
import { crdApi, installCrds, readCrds } from "../crds.ts";
import type { Kube } from "../kube.ts";
import { toolPaths } from "../tools.ts";

/** The CRDs the weighted route needs (Traefik's Gateway provider watches all of these). */
export const NEEDED = ["gatewayclasses", "gateways", "httproutes", "grpcroutes", "referencegrants", "backendtlspolicies"].map((r) => `${r}.gateway.networking.k8s.io`);

export async function ensureGatewayCrds(kube: Kube, opts: { mayInstall: boolean }): Promise<{ installed: string[] }> {
  const have = new Set((await crdApi(kube).listCustomResourceDefinition()).items.map((c) => c.metadata!.name!));
  const missing = NEEDED.filter((n) => !have.has(n));
  if (missing.length === 0) return { installed: [] };
  const version = toolPaths().versions.all["GATEWAY_API_VERSION"] ?? "?";
  if (!opts.mayInstall) {
    throw new Error(
      `canaryBy=weight routes through Gateway API, and this cluster lacks its CRDs (${missing.join(", ")}): ` +
        `install Gateway API ${version} (standard channel) first; nodrop does not install cluster-wide CRDs on a cluster it did not bring up`,
    );
  }
  const crds = await readCrds(toolPaths().gatewayCrds, "run `make tools-ingress`");
  const installed = await installCrds(kube, crds, { labels: { "app.kubernetes.io/managed-by": "nodrop" }, shouldInstall: (existing) => !existing });
  return { installed };
}
