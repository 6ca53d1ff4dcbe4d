// load=operator: where the runners send. The front a local k6 reaches on
// 127.0.0.1:<NodePort> (the app's Service, or the ingress controller's) is,
// from inside the cluster, that Service's ClusterIP and port: an address of
// the cluster's own network, needing no cluster DNS.
import type { Kube } from "../../kube.ts";

export async function serviceTarget(kube: Kube, namespace: string, nodePort: number): Promise<string> {
  const services = (await kube.core.listNamespacedService({ namespace })).items;
  for (const svc of services) {
    const port = svc.spec?.ports?.find((p) => p.nodePort === nodePort);
    const ip = svc.spec?.clusterIP;
    if (port && ip && ip !== "None") return `http://${ip}:${port.port}`;
  }
  throw new Error(`no Service in ${namespace} has NodePort ${nodePort}: the runners have nothing to send to`);
}
