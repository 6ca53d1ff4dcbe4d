// A user's Deployment, patched only where nodrop must: name, namespace, the
// run's labels and selector (so strategies find its pods), the version (the
// APP_VERSION env var and the nodrop.dev/version label and annotation: a new
// version changes the pod template, so the same image rolls; with the app's
// `versions`, vN's image too), POD_NAME, and
// imagePullPolicy Never (nothing is ever pulled). Knobs apply only when the
// user set them (config.explicit): replicas, maxSurge/maxUnavailable,
// preStopSleep (the native sleep action: no shell is assumed in the image),
// terminationGracePeriod. Everything else stays as the manifest says.
import type { V1Container, V1Deployment, V1EnvVar } from "@kubernetes/client-node";
import type { RunConfig } from "../config.ts";
import { commonLabels, LABELS, spreadFor, workloadSelector, type WorkloadParams } from "../deploy/manifests.ts";

export const VERSION_ANNOTATION = "nodrop.dev/version";

const clone = <T>(v: T): T => structuredClone(v);
const set = (config: RunConfig, key: keyof RunConfig): boolean => (config.explicit ?? []).includes(key);

function withEnv(env: V1EnvVar[] | undefined, add: V1EnvVar[]): V1EnvVar[] {
  const names = new Set(add.map((e) => e.name));
  return [...(env ?? []).filter((e) => !names.has(e.name)), ...add];
}

/** vN's image from `versions` (v1 is the first); undefined: keep the manifest's. */
export function imageForVersion(version: string, versionImages: readonly string[] | undefined): string | undefined {
  if (!versionImages) return undefined;
  const n = Number(/^v(\d+)$/.exec(version)?.[1]);
  const image = versionImages[n - 1];
  if (!image) throw new Error(`no image for ${version}: the app's versions list has ${versionImages.length}`);
  return image;
}

function patchContainer(c: V1Container, config: RunConfig, version: string, isApp: boolean, versionImages?: readonly string[]): V1Container {
  const out: V1Container = { ...c, imagePullPolicy: "Never" };
  if (!isApp) return out;
  const image = imageForVersion(version, versionImages);
  if (image) out.image = image;
  out.env = withEnv(c.env, [
    { name: "APP_VERSION", value: version },
    { name: "POD_NAME", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } } },
  ]);
  if (set(config, "preStopSleep")) {
    const { preStop: _dropped, ...rest } = c.lifecycle ?? {};
    const lifecycle = config.preStopSleep > 0 ? { ...rest, preStop: { sleep: { seconds: Math.ceil(config.preStopSleep) } } } : rest;
    if (Object.keys(lifecycle).length) out.lifecycle = lifecycle;
    else delete out.lifecycle;
  }
  return out;
}

/** The user's Deployment as one workload of a run (strategies name it and pick the replicas). */
export function patchDeployment(template: V1Deployment, containerName: string, config: RunConfig, p: WorkloadParams, versionImages?: readonly string[]): V1Deployment {
  const d = clone(template);
  const selector = workloadSelector(p.runId, p.name);
  const labels = { ...(d.metadata?.labels ?? {}), ...commonLabels(p.runId), [LABELS.workload]: p.name, ...(p.extraLabels ?? {}) };
  const podMeta = d.spec?.template?.metadata ?? {};
  const podSpec = d.spec!.template!.spec!;
  const spec = d.spec!;
  if (set(config, "maxSurge") || set(config, "maxUnavailable")) {
    const current = spec.strategy?.type === "RollingUpdate" ? (spec.strategy.rollingUpdate ?? {}) : {};
    spec.strategy = {
      type: "RollingUpdate",
      rollingUpdate: { ...current, ...(set(config, "maxSurge") ? { maxSurge: config.maxSurge } : {}), ...(set(config, "maxUnavailable") ? { maxUnavailable: config.maxUnavailable } : {}) },
    };
  }
  if (set(config, "terminationGracePeriod")) podSpec.terminationGracePeriodSeconds = Math.ceil(config.terminationGracePeriod);
  return {
    ...d,
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: p.name, namespace: p.namespace, labels, ...(d.metadata?.annotations ? { annotations: d.metadata.annotations } : {}) },
    spec: {
      ...spec,
      replicas: p.replicas,
      selector: { matchLabels: selector },
      template: {
        metadata: {
          ...podMeta,
          labels: { ...(podMeta.labels ?? {}), ...labels, [LABELS.version]: p.version },
          annotations: { ...(podMeta.annotations ?? {}), [VERSION_ANNOTATION]: p.version },
        },
        spec: {
          ...podSpec,
          containers: podSpec.containers.map((c) => patchContainer(c, config, p.version, c.name === containerName, versionImages)),
          ...(podSpec.initContainers ? { initContainers: podSpec.initContainers.map((c) => patchContainer(c, config, p.version, false)) } : {}),
          ...spreadFor(config, selector),
        },
      },
    },
  };
}
