// The kind cluster config nodrop writes: the control plane maps the NodePorts
// nodrop's Services use to 127.0.0.1 only (load never leaves this machine);
// workers join as plain nodes. With nodrop's own offline node image the
// default CNI (kindnetd, an image that cannot be pulled) and kubeadm's CoreDNS
// addon are off, and kubeadm is told which etcd tag the image carries.
import { stringify } from "yaml";

/** NodePorts reachable on 127.0.0.1:<same port>; Services ask the provider for one by slot. */
export const KIND_NODE_PORTS = [30080, 30081, 30082, 30083] as const;

/** kube-proxy's metrics port on each node's address. */
export const KIND_PROXY_METRICS_PORT = 10249;

export interface KindConfigOptions {
  /** Total nodes: 1 control plane + (nodes - 1) workers. */
  nodes: number;
  /** Set for nodrop's offline node image; absent for a stock kindest/node. */
  offline?: { etcdTag: string };
}

export function renderKindConfig(o: KindConfigOptions): string {
  if (!Number.isInteger(o.nodes) || o.nodes < 1 || o.nodes > 5) throw new Error(`nodes: ${o.nodes} is not allowed (allowed: 1..5)`);
  const cluster: Record<string, unknown> = {
    kind: "Cluster",
    apiVersion: "kind.x-k8s.io/v1alpha4",
    networking: { apiServerAddress: "127.0.0.1", ...(o.offline ? { disableDefaultCNI: true } : {}) },
  };
  // kube-proxy's metrics on the node's address (only on this machine's node
  // network), so a run can record when each node's kube-proxy synced
  // (observe/kube-proxy.ts); kubeadm's default binds them to the node's loopback.
  const patches = [stringify({ kind: "KubeProxyConfiguration", metricsBindAddress: `0.0.0.0:${KIND_PROXY_METRICS_PORT}` })];
  if (o.offline) {
    // A patch replaces kind's own skipPhases list, which is ["preflight"]:
    // keep it. kubeadm's preflight is not meant to run in a kind node (kind
    // skips it); run anyway, it failed the first create on a fresh machine.
    patches.push(
      stringify({ kind: "InitConfiguration", skipPhases: ["preflight", "addon/coredns"] }),
      stringify({ kind: "ClusterConfiguration", etcd: { local: { imageTag: o.offline.etcdTag } } }),
    );
  }
  cluster["kubeadmConfigPatches"] = patches;
  const controlPlane = {
    role: "control-plane",
    extraPortMappings: KIND_NODE_PORTS.map((p) => ({ containerPort: p, hostPort: p, listenAddress: "127.0.0.1", protocol: "TCP" })),
  };
  cluster["nodes"] = [controlPlane, ...Array.from({ length: o.nodes - 1 }, () => ({ role: "worker" }))];
  return stringify(cluster);
}
