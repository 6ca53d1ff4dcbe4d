// What every ingress controller nodrop runs has in common: one replica in the
// run's namespace, labelled with the run id, behind a NodePort Service.
import type { V1Deployment, V1PodSpec, V1Service, V1ServicePort } from "@kubernetes/client-node";

export const INGRESS_NAME = "ingress";
export const INGRESS_LABELS = { "app.kubernetes.io/name": "nodrop-ingress", "app.kubernetes.io/managed-by": "nodrop" } as const;
/** The controller's entry point for users' traffic (Traefik's and nginx's alike). */
export const WEB_PORT = 8000;

export interface ControllerMeta {
  runId: string;
  namespace: string;
}

export function controllerSelector(p: ControllerMeta): Record<string, string> {
  return { ...INGRESS_LABELS, "nodrop.dev/run-id": p.runId };
}

export function controllerMeta(p: ControllerMeta, name: string) {
  return { name, namespace: p.namespace, labels: controllerSelector(p) };
}

export function controllerDeployment(p: ControllerMeta, pod: V1PodSpec): V1Deployment {
  const selector = controllerSelector(p);
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: controllerMeta(p, INGRESS_NAME),
    spec: { replicas: 1, selector: { matchLabels: selector }, template: { metadata: { labels: selector }, spec: pod } },
  };
}

export function controllerService(p: ControllerMeta, ports: V1ServicePort[]): V1Service {
  return { apiVersion: "v1", kind: "Service", metadata: controllerMeta(p, INGRESS_NAME), spec: { type: "NodePort", selector: controllerSelector(p), ports } };
}
