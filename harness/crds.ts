// CustomResourceDefinitions from a folder of YAML files (the pinned module's
// own): applied when missing, labelled, and waited for until Established.
// CRDs are cluster-wide: callers decide which they may install and remove.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import * as k8s from "@kubernetes/client-node";
import { parse } from "yaml";
import { apiRequest } from "./api-http.ts";
import { FIELD_MANAGER, type Kube } from "./kube.ts";
import { waitFor } from "./wait.ts";

export type CrdApi = k8s.ApiextensionsV1Api;

export function crdApi(kube: Kube): CrdApi {
  return kube.kc.makeApiClient(k8s.ApiextensionsV1Api);
}

/** The CRDs of `dir` (every *.yaml file), parsed; throws `hint` when the folder holds none. */
export async function readCrds(dir: string, hint: string): Promise<k8s.V1CustomResourceDefinition[]> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith(".yaml")).sort();
  if (files.length === 0) throw new Error(`CRDs not found in ${dir}: ${hint}`);
  return Promise.all(files.map(async (f) => parse(await readFile(join(dir, f), "utf8")) as k8s.V1CustomResourceDefinition));
}

/**
 * Server-side apply of the CRD as parsed, not through the generated client:
 * its serializer drops `x-kubernetes-int-or-string` from the schema, and the
 * API server then refuses the CRD (a probe's port needs a type).
 */
async function applyRaw(kube: Kube, crd: k8s.V1CustomResourceDefinition): Promise<void> {
  const name = crd.metadata!.name!;
  const path = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${encodeURIComponent(name)}?fieldManager=${FIELD_MANAGER}&force=true`;
  const r = await apiRequest(kube.kc, "PATCH", path, JSON.stringify(crd), 30_000, "application/apply-patch+yaml");
  if (r.status < 200 || r.status > 299) throw new Error(`applying CRD ${name}: HTTP ${r.status}: ${r.text.slice(0, 500)}`);
}

/**
 * Applies each CRD `shouldInstall` accepts (given what the cluster has under
 * that name, or undefined), with `labels` added, and waits until every one
 * applied is Established. Returns the names applied.
 */
export async function installCrds(
  kube: Kube,
  crds: k8s.V1CustomResourceDefinition[],
  opts: { labels: Record<string, string>; shouldInstall: (existing: k8s.V1CustomResourceDefinition | undefined) => boolean },
): Promise<string[]> {
  const api = crdApi(kube);
  const have = new Map((await api.listCustomResourceDefinition()).items.map((c) => [c.metadata!.name!, c]));
  const installed: string[] = [];
  for (const crd of crds) {
    const name = crd.metadata!.name!;
    if (!opts.shouldInstall(have.get(name))) continue;
    crd.metadata!.labels = { ...(crd.metadata!.labels ?? {}), ...opts.labels };
    await applyRaw(kube, crd);
    installed.push(name);
  }
  if (installed.length === 0) return installed;
  await waitFor(
    `CRDs ${installed.join(", ")} established`,
    async () => {
      const now = (await api.listCustomResourceDefinition()).items;
      return installed.every((n) => now.find((c) => c.metadata?.name === n)?.status?.conditions?.some((c) => c.type === "Established" && c.status === "True"));
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
  return installed;
}
