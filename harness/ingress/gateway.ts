// The weighted route (canaryBy=weight): Gateway API objects for Traefik's
// Gateway provider. One GatewayClass per run (cluster-scoped, labelled with the
// run id, selected by Traefik through that label), a Gateway on Traefik's web
// entry point, and an HTTPRoute whose two backendRefs (the stable Service and
// the canary Service) carry the weights the strategy sets.
import { INGRESS_LABELS, INGRESS_NAME, WEB_PORT } from "./controller-objects.ts";

/** Traefik's controller name for GatewayClasses. */
export const TRAEFIK_GATEWAY_CONTROLLER = "traefik.io/gateway-controller";
export const ROUTE_NAME = "app";

export interface RouteBackend {
  service: string;
  port: number;
  weight: number;
}

export function gatewayClassName(runId: string): string {
  return `nodrop-${runId}`;
}

const labels = (runId: string) => ({ ...INGRESS_LABELS, "nodrop.dev/run-id": runId });

/** Traefik's Gateway provider, restricted to the run's namespace and GatewayClass. */
export function gatewayArgs(p: { runId: string; namespace: string }): string[] {
  return [
    "--providers.kubernetesgateway=true",
    `--providers.kubernetesgateway.namespaces=${p.namespace}`,
    `--providers.kubernetesgateway.labelselector=nodrop.dev/run-id=${p.runId}`,
  ];
}

/** What the Gateway provider reads beyond the Ingress provider's Role: namespaced rules, and the cluster-scoped ones. */
export const GATEWAY_NAMESPACED_RULES = [
  { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch"] },
  { apiGroups: ["gateway.networking.k8s.io"], resources: ["gateways", "httproutes", "grpcroutes", "referencegrants", "backendtlspolicies"], verbs: ["get", "list", "watch"] },
  { apiGroups: ["gateway.networking.k8s.io"], resources: ["gateways/status", "httproutes/status", "grpcroutes/status", "backendtlspolicies/status"], verbs: ["update", "patch"] },
];

/** Cluster-scoped objects: a ClusterRole and its binding (namespaces, GatewayClasses) and the run's GatewayClass. */
export function renderGatewayClusterObjects(p: { runId: string; namespace: string }): object[] {
  const name = `nodrop-${p.runId}-ingress`;
  return [
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name, labels: labels(p.runId) },
      rules: [
        { apiGroups: [""], resources: ["namespaces"], verbs: ["get", "list", "watch"] },
        { apiGroups: ["gateway.networking.k8s.io"], resources: ["gatewayclasses"], verbs: ["get", "list", "watch"] },
        { apiGroups: ["gateway.networking.k8s.io"], resources: ["gatewayclasses/status"], verbs: ["update", "patch"] },
      ],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name, labels: labels(p.runId) },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
      subjects: [{ kind: "ServiceAccount", name: INGRESS_NAME, namespace: p.namespace }],
    },
    {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "GatewayClass",
      metadata: { name: gatewayClassName(p.runId), labels: labels(p.runId) },
      spec: { controllerName: TRAEFIK_GATEWAY_CONTROLLER },
    },
  ];
}

export function renderGateway(p: { runId: string; namespace: string }): object {
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "Gateway",
    metadata: { name: INGRESS_NAME, namespace: p.namespace, labels: labels(p.runId) },
    spec: {
      gatewayClassName: gatewayClassName(p.runId),
      listeners: [{ name: "web", protocol: "HTTP", port: WEB_PORT, allowedRoutes: { namespaces: { from: "Same" } } }],
    },
  };
}

export function renderHttpRoute(p: { runId: string; namespace: string }, backends: readonly RouteBackend[]): object {
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: { name: ROUTE_NAME, namespace: p.namespace, labels: labels(p.runId) },
    spec: {
      parentRefs: [{ name: INGRESS_NAME }],
      rules: [
        {
          matches: [{ path: { type: "PathPrefix", value: "/" } }],
          backendRefs: backends.map((b) => ({ name: b.service, port: b.port, weight: b.weight })),
        },
      ],
    },
  };
}
