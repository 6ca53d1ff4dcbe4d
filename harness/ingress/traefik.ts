// The ingress controller in front of the app (path=ingress): Traefik v3 with
// its Kubernetes Ingress provider, in the run's namespace, watching only that
// namespace (a Role, nothing cluster-scoped: it goes with the namespace).
// Objects only; harness/ingress/index.ts applies them.
//
// Why Traefik: pure Go, built here from the pinned module (install.sh
// traefik), one static binary packed with nodrop's own OCI code. It learns
// endpoint changes from EndpointSlices on its own schedule (it applies a new
// configuration at most every providersThrottleDuration, 2 s by default) and
// keeps its own upstream keep-alive connections: the two things that make an
// ingress drop requests a NodePort does not.
import type { V1Role, V1RoleBinding, V1ServiceAccount, V1Ingress } from "@kubernetes/client-node";
import { controllerDeployment, controllerMeta, controllerService, INGRESS_NAME, WEB_PORT } from "./controller-objects.ts";
import { GATEWAY_NAMESPACED_RULES, gatewayArgs } from "./gateway.ts";

/** Traefik's ping (readiness) entry point; users' traffic enters at WEB_PORT (controller-objects.ts). */
export const PING_PORT = 9000;

export interface IngressParams {
  runId: string;
  namespace: string;
  image: string;
  /** The app's Service and port the route sends to. */
  service: string;
  servicePort: number;
  /** A fixed NodePort for the controller's Service (kind maps a few to 127.0.0.1); undefined lets Kubernetes choose. */
  nodePort?: number;
  /** How long the controller keeps an idle upstream connection to a pod, seconds (Traefik's default: 90). */
  idleTimeoutS?: number;
  /** The route: an Ingress (default), or Gateway API (a weighted HTTPRoute; gateway.ts renders it). */
  route?: "ingress" | "gateway";
  /** With route=gateway: the NodePort of Traefik's API (undefined lets Kubernetes choose). */
  apiNodePort?: number;
}

/** The ingress class of one run: the controller picks only its own run's Ingress. */
export function ingressClass(runId: string): string {
  return `nodrop-${runId}`;
}

export function traefikArgs(p: Pick<IngressParams, "runId" | "namespace" | "idleTimeoutS" | "route">): string[] {
  const provider =
    p.route === "gateway"
      ? gatewayArgs(p)
      : [
          "--providers.kubernetesingress=true",
          `--providers.kubernetesingress.namespaces=${p.namespace}`,
          // No IngressClass or Node lookups: a namespaced Role is all it needs.
          "--providers.kubernetesingress.disableClusterScopeResources=true",
          `--providers.kubernetesingress.ingressClass=${ingressClass(p.runId)}`,
        ];
  return [
    ...(p.idleTimeoutS !== undefined ? [`--serversTransport.forwardingTimeouts.idleConnTimeout=${Math.round(p.idleTimeoutS * 1000)}ms`] : []),
    `--entrypoints.web.address=:${WEB_PORT}`,
    // Traefik's own entry point: ping (readiness) and, with a weighted route, the
    // read-only API the harness asks whether new weights are live.
    `--entrypoints.traefik.address=:${PING_PORT}`,
    "--ping=true",
    "--ping.entrypoint=traefik",
    ...(p.route === "gateway" ? ["--api=true", "--api.insecure=true", "--api.dashboard=false"] : []),
    ...provider,
    // Network rule: nothing may call out of this machine.
    "--global.checknewversion=false",
    "--global.sendanonymoususage=false",
    "--log.level=INFO",
  ];
}

export function renderIngress(p: IngressParams): object[] {
  const meta = (name: string) => controllerMeta(p, name);
  const sa: V1ServiceAccount = { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(INGRESS_NAME) };
  const role: V1Role = {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "Role",
    metadata: meta(INGRESS_NAME),
    rules: [
      { apiGroups: [""], resources: ["services", "secrets"], verbs: ["get", "list", "watch"] },
      { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["get", "list", "watch"] },
      { apiGroups: ["networking.k8s.io"], resources: ["ingresses"], verbs: ["get", "list", "watch"] },
      { apiGroups: ["networking.k8s.io"], resources: ["ingresses/status"], verbs: ["update"] },
      ...(p.route === "gateway" ? GATEWAY_NAMESPACED_RULES : []),
    ],
  };
  const binding: V1RoleBinding = {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: meta(INGRESS_NAME),
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: INGRESS_NAME },
    subjects: [{ kind: "ServiceAccount", name: INGRESS_NAME, namespace: p.namespace }],
  };
  const deployment = controllerDeployment(p, {
    serviceAccountName: INGRESS_NAME,
    containers: [
      {
        name: "traefik",
        image: p.image,
        imagePullPolicy: "Never",
        args: traefikArgs(p),
        ports: [
          { name: "web", containerPort: WEB_PORT },
          { name: "traefik", containerPort: PING_PORT },
        ],
        readinessProbe: { httpGet: { path: "/ping", port: PING_PORT }, periodSeconds: 1, failureThreshold: 1 },
      },
    ],
  });
  const service = controllerService(p, [
    { name: "web", protocol: "TCP", port: 80, targetPort: WEB_PORT, ...(p.nodePort !== undefined ? { nodePort: p.nodePort } : {}) },
    ...(p.route === "gateway" ? [{ name: "api", protocol: "TCP", port: PING_PORT, targetPort: PING_PORT, ...(p.apiNodePort !== undefined ? { nodePort: p.apiNodePort } : {}) }] : []),
  ]);
  const ingress: V1Ingress = {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { ...meta("app"), annotations: { "kubernetes.io/ingress.class": ingressClass(p.runId) } },
    spec: {
      rules: [{ http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: p.service, port: { number: p.servicePort } } } }] } }],
    },
  };
  return p.route === "gateway" ? [sa, role, binding, deployment, service] : [sa, role, binding, deployment, service, ingress];
}
