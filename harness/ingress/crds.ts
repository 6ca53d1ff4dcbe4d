// Gateway API's CRDs on the cluster (canaryBy=weight). CRDs are cluster-wide
// and shared by every user of the cluster, so a run never deletes them: on the
// clusters nodrop brings up (local, kind) it installs the pinned standard
// channel once, labelled managed-by=nodrop, and they go with the cluster; on
// provider=existing they must already be there (the run says so before the load).
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import * as k8s from "@kubernetes/client-node";
import { parse } from "yaml";
import type { Kube } from "../kube.ts";
import { toolPaths } from "../tools.ts";
import { waitFor } from "../wait.ts";

/** The CRDs the weighted route needs (Traefik's Gateway provider watches all of these). */
export const NEEDED = ["gatewayclasses", "gateways", "httproutes", "grpcroutes", "referencegrants", "backendtlspolicies"].map((r) => `${r}.gateway.networking.k8s.io`);

export async function ensureGatewayCrds(kube: Kube, opts: { mayInstall: boolean }): Promise<{ installed: string[] }> {
  const api = kube.kc.makeApiClient(k8s.ApiextensionsV1Api);
  const have = new Set((await api.listCustomResourceDefinition()).items.map((c) => c.metadata!.name!));
  const missing = NEEDED.filter((n) => !have.has(n));
  if (missing.length === 0) return { installed: [] };
  const version = toolPaths().versions.all["GATEWAY_API_VERSION"] ?? "?";
  if (!opts.mayInstall) {
    throw new Error(
      `canaryBy=weight routes through Gateway API, and this cluster lacks its CRDs (${missing.join(", ")}): ` +
        `install Gateway API ${version} (standard channel) first; nodrop does not install cluster-wide CRDs on a cluster it did not bring up`,
    );
  }
  const dir = toolPaths().gatewayCrds;
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith(".yaml"));
  if (files.length === 0) throw new Error(`Gateway API CRDs not found in ${dir}: run \`make tools-ingress\``);
  const installed: string[] = [];
  for (const f of files) {
    const crd = parse(await readFile(join(dir, f), "utf8")) as k8s.V1CustomResourceDefinition;
    const name = crd.metadata!.name!;
    if (have.has(name)) continue;
    crd.metadata!.labels = { ...(crd.metadata!.labels ?? {}), "app.kubernetes.io/managed-by": "nodrop" };
    await kube.apply(crd);
    installed.push(name);
  }
  await waitFor(
    `Gateway API CRDs ${installed.join(", ")} established`,
    async () => {
      const now = (await api.listCustomResourceDefinition()).items;
      return installed.every((n) => now.find((c) => c.metadata?.name === n)?.status?.conditions?.some((c) => c.type === "Established" && c.status === "True"));
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
  return { installed };
}
