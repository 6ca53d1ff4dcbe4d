// The objects users keep beside their Deployment, applied in the run's
// namespace: each kind nodrop can place there, and how it is placed. A kind
// not listed (cluster-scoped ones, CRDs nodrop does not know) is refused
// before any cluster work, naming the object: nodrop never creates anything
// outside the run's namespace, and cannot clean up what it does not know.
import { commonLabels } from "../deploy/manifests.ts";

type Obj = Record<string, unknown> & { metadata?: Record<string, unknown> };

/** apiVersion group (no version) → the namespaced kinds applied as companions. */
export const COMPANION_KINDS: Record<string, readonly string[]> = {
  "": ["ConfigMap", "Secret", "ServiceAccount", "Service"],
  "rbac.authorization.k8s.io": ["Role", "RoleBinding"],
  policy: ["PodDisruptionBudget"],
  autoscaling: ["HorizontalPodAutoscaler"],
  "networking.k8s.io": ["NetworkPolicy"],
};

/** The names nodrop's own Services take in the run's namespace (strategies, ingress). */
export const RESERVED_SERVICE_NAMES = ["app", "app-canary", "app-preview"];

const groupOf = (apiVersion: unknown): string => {
  const s = String(apiVersion ?? "");
  return s.includes("/") ? s.slice(0, s.indexOf("/")) : "";
};

export const companionKindsText = (): string =>
  Object.entries(COMPANION_KINDS)
    .flatMap(([g, kinds]) => kinds.map((k) => (g ? `${k} (${g})` : k)))
    .join(", ");

/** Why `obj` cannot be a companion, or undefined when it can. */
export function companionProblem(obj: Obj): string | undefined {
  const kind = String(obj["kind"] ?? "");
  const name = String(obj.metadata?.["name"] ?? "");
  const allowed = COMPANION_KINDS[groupOf(obj["apiVersion"])] ?? [];
  if (!name) return `${kind || "an object"} has no metadata.name`;
  if (!allowed.includes(kind)) {
    return `${kind} '${name}' (${String(obj["apiVersion"])}) cannot be placed in the run's namespace: nodrop applies the Deployment and only these namespaced kinds beside it: ${companionKindsText()}; cluster-scoped objects and custom resources are yours to install before the run`;
  }
  if (kind === "Service" && RESERVED_SERVICE_NAMES.includes(name)) {
    return `Service '${name}' takes a name nodrop's own Services use (${RESERVED_SERVICE_NAMES.join(", ")}): rename it`;
  }
  return undefined;
}

/**
 * A companion as applied: in the run's namespace, labelled with the run, its
 * references into "its" namespace moved along. A Service becomes ClusterIP
 * (nodrop makes the NodePort the load uses; a second one could take a port
 * the run needs); a RoleBinding's ServiceAccount subjects point at the run's
 * namespace; an HPA that scales the user's Deployment scales the run's.
 */
export function placeCompanion(obj: Obj, ctx: { runId: string; namespace: string; deploymentName: string; runDeploymentName: string }): Obj {
  const o = structuredClone(obj);
  const meta = o.metadata ?? {};
  const { namespace: _ns, resourceVersion: _rv, uid: _uid, creationTimestamp: _ct, managedFields: _mf, ...keep } = meta;
  o.metadata = { ...keep, namespace: ctx.namespace, labels: { ...((meta["labels"] as Record<string, string>) ?? {}), ...commonLabels(ctx.runId) } };
  delete o["status"];
  const kind = o["kind"];
  const spec = o["spec"] as Record<string, unknown> | undefined;
  if (kind === "Service" && spec) {
    spec["type"] = "ClusterIP";
    for (const k of ["clusterIP", "clusterIPs", "externalTrafficPolicy", "loadBalancerIP", "loadBalancerSourceRanges", "healthCheckNodePort", "allocateLoadBalancerNodePorts"]) delete spec[k];
    if (Array.isArray(spec["ports"])) spec["ports"] = (spec["ports"] as Record<string, unknown>[]).map(({ nodePort: _np, ...p }) => p);
  }
  if (kind === "RoleBinding" && Array.isArray(o["subjects"])) {
    o["subjects"] = (o["subjects"] as Record<string, unknown>[]).map((s) => (s["kind"] === "ServiceAccount" ? { ...s, namespace: ctx.namespace } : s));
  }
  if (kind === "HorizontalPodAutoscaler" && spec) {
    const ref = spec["scaleTargetRef"] as Record<string, unknown> | undefined;
    if (ref && ref["kind"] === "Deployment" && ref["name"] === ctx.deploymentName) spec["scaleTargetRef"] = { ...ref, name: ctx.runDeploymentName };
  }
  return o;
}
