// Kubernetes objects for a run, generated from the typed RunConfig (no YAML is
// kept by hand). Type-only imports: the client library is not loaded here.
import type {
  V1Container,
  V1Deployment,
  V1EnvVar,
  V1Lifecycle,
  V1Namespace,
  V1PodDisruptionBudget,
  V1Service,
  V1TopologySpreadConstraint,
} from "@kubernetes/client-node";
import { stringify } from "yaml";
import type { RunConfig } from "../config.ts";

export const LABELS = {
  managedBy: "app.kubernetes.io/managed-by",
  name: "app.kubernetes.io/name",
  runId: "nodrop.dev/run-id",
  version: "nodrop.dev/version",
  /** Which Deployment a pod belongs to: keeps selectors of app-blue/app-green/app-canary disjoint. */
  workload: "nodrop.dev/workload",
} as const;
export const MANAGED_BY = "nodrop";
export const APP_NAME = "sample-app";
export const CONTAINER_NAME = "app";
export const CONTAINER_PORT = 8080;
export const SERVICE_PORT = 80;
export const APP_UID = 10001;
/** The image has no shell or coreutils, so an exec "sleep" runs node itself. */
export const NODE_IN_IMAGE = "/usr/local/bin/node";

export interface WorkloadParams {
  runId: string;
  namespace: string;
  /** Deployment name, e.g. "app" or "app-blue". */
  name: string;
  /** The app version, e.g. "v1": APP_VERSION and the nodrop.dev/version pod label. */
  version: string;
  image: string;
  replicas: number;
  /** Apply config.badVersion's knobs (a broken release). */
  bad?: boolean;
  /** The database the sample app writes to (database / migration), e.g. postgres://postgres@10.96.0.12:5432/postgres. */
  databaseUrl?: string;
  /** Extra labels on the Deployment and its pods, e.g. { slot: "blue" } or { track: "canary" }. */
  extraLabels?: Record<string, string>;
}

export interface ServiceParams {
  runId: string;
  namespace: string;
  name: string;
  selector: Record<string, string>;
  nodePort?: number;
  /** The pods' port (default: the sample app's 8080). */
  targetPort?: number | string;
}

export interface PdbParams {
  runId: string;
  namespace: string;
  name: string;
  replicas: number;
  selector: Record<string, string>;
}

export interface RenderAllParams {
  runId: string;
  namespace: string;
  image: string;
  version: string;
  /** Deployment, Service and PDB name; default "app". */
  name?: string;
  replicas?: number;
  bad?: boolean;
  nodePort?: number;
}

export function commonLabels(runId: string): Record<string, string> {
  return { [LABELS.managedBy]: MANAGED_BY, [LABELS.name]: APP_NAME, [LABELS.runId]: runId };
}

/** The Deployment's (immutable) selector: never includes the version, so a new version is a rollout. */
export function workloadSelector(runId: string, name: string): Record<string, string> {
  return { [LABELS.name]: APP_NAME, [LABELS.runId]: runId, [LABELS.workload]: name };
}

/** Kubernetes wants whole seconds; rounding up never shortens a wait the config asked for. */
const wholeSeconds = (s: number) => Math.ceil(s);
const ms = (s: number) => String(Math.round(s * 1000));

/**
 * The column of `items` a version uses (app/db.ts): v1 `title`; with a
 * migration the new version uses `label`, the column the migration brings.
 */
export function dbColumnFor(config: Pick<RunConfig, "migration">, version: string): "title" | "label" {
  return config.migration !== "none" && version !== "v1" ? "label" : "title";
}

export function renderEnv(config: RunConfig, version: string, bad = false, databaseUrl?: string): V1EnvVar[] {
  const env: V1EnvVar[] = [
    { name: "APP_VERSION", value: version },
    { name: "POD_NAME", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } } },
    { name: "PORT", value: String(CONTAINER_PORT) },
    { name: "SHUTDOWN", value: config.shutdown },
    { name: "DRAIN_TIMEOUT_MS", value: ms(config.drainTimeout) },
    { name: "STARTUP_DELAY_MS", value: ms(config.startupDelay) },
    { name: "READINESS", value: config.readiness },
    { name: "WORK_MS", value: String(config.workMs + (bad && config.badVersion === "slow" ? config.badDelayMs : 0)) },
    { name: "MAX_REQUESTS_PER_SOCKET", value: String(config.keepAliveMaxRequests) },
    { name: "KEEP_ALIVE_TIMEOUT_MS", value: ms(config.keepAliveTimeout) },
  ];
  if (databaseUrl) env.push({ name: "DATABASE_URL", value: databaseUrl }, { name: "DB_COLUMN", value: dbColumnFor(config, version) });
  if (bad && config.badVersion === "errors") env.push({ name: "ERROR_RATE", value: String(config.badErrorRate) });
  if (bad && config.badVersion === "never-ready") env.push({ name: "NEVER_READY", value: "true" });
  if (bad && config.badVersion === "resets") env.push({ name: "RESET_RATE", value: String(config.badErrorRate) });
  return env;
}

export function renderPreStop(config: RunConfig): V1Lifecycle | undefined {
  if (config.preStopSleep <= 0) return undefined;
  if (config.preStopAction === "sleep") {
    // Native sleep action (GA in 1.34): no process in the container at all.
    return { preStop: { sleep: { seconds: wholeSeconds(config.preStopSleep) } } };
  }
  return {
    preStop: { exec: { command: [NODE_IN_IMAGE, "-e", `setTimeout(() => {}, ${Math.round(config.preStopSleep * 1000)})`] } },
  };
}

export function renderContainer(config: RunConfig, p: Pick<WorkloadParams, "version" | "image" | "bad" | "databaseUrl">): V1Container {
  const lifecycle = renderPreStop(config);
  return {
    name: CONTAINER_NAME,
    image: p.image,
    // Images are imported into containerd; there is no registry to pull from.
    imagePullPolicy: "Never",
    ports: [{ name: "http", containerPort: CONTAINER_PORT, protocol: "TCP" }],
    env: renderEnv(config, p.version, p.bad ?? false, p.databaseUrl),
    readinessProbe: {
      httpGet: { path: "/healthz/ready", port: CONTAINER_PORT },
      initialDelaySeconds: wholeSeconds(config.readinessInitialDelay),
      periodSeconds: config.readinessPeriod,
      failureThreshold: config.readinessFailureThreshold,
      successThreshold: 1,
      timeoutSeconds: 1,
    },
    livenessProbe: {
      httpGet: { path: "/healthz/live", port: CONTAINER_PORT },
      periodSeconds: config.livenessPeriod,
      failureThreshold: 3,
      // Generous: a restart caused by a slow probe on a busy node would look like a dropped deploy.
      timeoutSeconds: 3,
    },
    ...(lifecycle ? { lifecycle } : {}),
    // Requests only: a CPU limit would add throttling noise to latencies.
    resources: { requests: { cpu: "50m", memory: "64Mi" } },
    securityContext: {
      runAsNonRoot: true,
      runAsUser: APP_UID,
      runAsGroup: APP_UID,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    },
  };
}

export function renderDeployment(config: RunConfig, p: WorkloadParams): V1Deployment {
  const selector = workloadSelector(p.runId, p.name);
  const reserved = new Set<string>([...Object.values(LABELS)]);
  for (const k of Object.keys(p.extraLabels ?? {})) {
    // These must stay consistent with the selectors the harness computes.
    if (reserved.has(k)) throw new Error(`extraLabels may not set '${k}'`);
  }
  const labels = { ...commonLabels(p.runId), [LABELS.workload]: p.name, ...(p.extraLabels ?? {}) };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: p.name, namespace: p.namespace, labels },
    spec: {
      replicas: p.replicas,
      selector: { matchLabels: selector },
      strategy: {
        type: "RollingUpdate",
        rollingUpdate: { maxSurge: config.maxSurge, maxUnavailable: config.maxUnavailable },
      },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: wholeSeconds(config.deployTimeout),
      template: {
        metadata: { labels: { ...labels, [LABELS.version]: p.version } },
        spec: {
          terminationGracePeriodSeconds: wholeSeconds(config.terminationGracePeriod),
          enableServiceLinks: false,
          // No cluster DNS here, and no DNS upstream for pods: nothing resolves names.
          dnsPolicy: "Default",
          automountServiceAccountToken: false,
          containers: [renderContainer(config, p)],
          ...spreadFor(config, selector),
        },
      },
    },
  };
}

/**
 * scenario=drain: the pods spread evenly over the schedulable nodes (one
 * node's drain then takes only its share). Tainted and cordoned nodes are
 * left out of the count (nodeTaintsPolicy Honor): otherwise the control
 * plane's NoSchedule taint, or the node being drained, would count as an
 * empty domain and block scheduling with maxSkew 1.
 */
export function renderSpread(selector: Record<string, string>): V1TopologySpreadConstraint[] {
  return [{ maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "DoNotSchedule", nodeTaintsPolicy: "Honor", labelSelector: { matchLabels: selector } }];
}

/** `{ topologySpreadConstraints }` for scenario=drain, else nothing. */
export function spreadFor(config: RunConfig, selector: Record<string, string>): { topologySpreadConstraints?: V1TopologySpreadConstraint[] } {
  return config.scenario === "drain" ? { topologySpreadConstraints: renderSpread(selector) } : {};
}

/** A NodePort Service: port 80 → the pods' 8080. */
export function renderService(_config: RunConfig, p: ServiceParams): V1Service {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: p.name, namespace: p.namespace, labels: commonLabels(p.runId) },
    spec: {
      type: "NodePort",
      selector: p.selector,
      ports: [
        {
          name: "http",
          protocol: "TCP",
          port: SERVICE_PORT,
          targetPort: p.targetPort ?? CONTAINER_PORT,
          ...(p.nodePort !== undefined ? { nodePort: p.nodePort } : {}),
        },
      ],
    },
  };
}

/** minAvailable = replicas - 1: voluntary evictions may take one pod at a time. */
export function renderPdb(_config: RunConfig, p: PdbParams): V1PodDisruptionBudget {
  return {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: { name: p.name, namespace: p.namespace, labels: commonLabels(p.runId) },
    spec: { minAvailable: Math.max(p.replicas - 1, 0), selector: { matchLabels: p.selector } },
  };
}

export function renderNamespace(runId: string, namespace: string): V1Namespace {
  return { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace, labels: commonLabels(runId) } };
}

/**
 * The objects of a single-Deployment run, in apply order: Namespace,
 * Deployment, Service (selecting that Deployment's pods), PDB when config.pdb.
 * Blue-green and canary compose the render* functions themselves.
 */
export function renderAll(config: RunConfig, p: RenderAllParams): object[] {
  const name = p.name ?? "app";
  const replicas = p.replicas ?? config.replicas;
  const selector = workloadSelector(p.runId, name);
  const objects: object[] = [
    renderNamespace(p.runId, p.namespace),
    renderDeployment(config, {
      runId: p.runId,
      namespace: p.namespace,
      name,
      version: p.version,
      image: p.image,
      replicas,
      ...(p.bad !== undefined ? { bad: p.bad } : {}),
    }),
    renderService(config, {
      runId: p.runId,
      namespace: p.namespace,
      name,
      selector,
      ...(p.nodePort !== undefined ? { nodePort: p.nodePort } : {}),
    }),
  ];
  if (config.pdb) objects.push(renderPdb(config, { runId: p.runId, namespace: p.namespace, name, replicas, selector }));
  return objects;
}

/** Multi-document YAML (for `kubectl apply -f -` and for the run's record). */
export function toYaml(objects: object[]): string {
  return objects.map((o) => stringify(o, { lineWidth: 0 })).join("---\n");
}
