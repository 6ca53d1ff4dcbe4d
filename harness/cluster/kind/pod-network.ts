// The pod network for nodrop's offline node image, in place of kindnetd
// (whose image cannot be pulled): what kindnetd does on a kind cluster, done
// once after the nodes joined. Each node gets a ptp CNI config for its own
// podCIDR (the kube-controller-manager allocates them), and a route to every
// other node's podCIDR through that node's address on the kind network.
import type { RunResult } from "../../exec.ts";
import { Kube } from "../../kube.ts";
import { waitFor } from "../../wait.ts";

export interface PodNetworkNode {
  name: string;
  podCIDR: string;
  address: string;
}

export const CNI_CONF_FILE = "/etc/cni/net.d/10-nodrop-ptp.conflist";

export function podConflist(podCIDR: string): string {
  // ptp, as kindnetd configures it: one veth pair and a /32 route per pod, so
  // every packet to a pod is routed by the node (no bridge, no ARP on a shared
  // segment between the node and its pods).
  return JSON.stringify(
    {
      cniVersion: "0.4.0",
      name: "nodrop-pods",
      plugins: [
        {
          type: "ptp",
          ipMasq: false,
          ipam: { type: "host-local", ranges: [[{ subnet: podCIDR }]], routes: [{ dst: "0.0.0.0/0" }] },
          mtu: 1500,
        },
        { type: "portmap", capabilities: { portMappings: true } },
      ],
    },
    null,
    2,
  );
}

/** The commands that make `self` route to every other node's pods. */
export function routeCommands(self: string, nodes: PodNetworkNode[]): string[][] {
  return nodes.filter((n) => n.name !== self).map((n) => ["ip", "route", "replace", n.podCIDR, "via", n.address]);
}

type Exec = (node: string, argv: string[], opts?: { input?: string; reject?: boolean }) => Promise<RunResult>;

export async function readPodNetworkNodes(kube: Kube, count: number): Promise<PodNetworkNode[]> {
  return waitFor(
    `${count} node(s) registered with a podCIDR`,
    async () => {
      const list = await kube.core.listNode();
      const nodes = list.items.map((n) => ({
        name: n.metadata?.name ?? "",
        podCIDR: n.spec?.podCIDR ?? "",
        address: n.status?.addresses?.find((a) => a.type === "InternalIP")?.address ?? "",
      }));
      return nodes.length === count && nodes.every((n) => n.name && n.podCIDR && n.address) ? nodes : false;
    },
    { timeoutMs: 180_000, intervalMs: 500, diagnose: async () => JSON.stringify((await kube.core.listNode()).items.map((n) => [n.metadata?.name, n.spec?.podCIDR])) },
  );
}

export async function configurePodNetwork(exec: Exec, nodes: PodNetworkNode[]): Promise<void> {
  for (const n of nodes) {
    await exec(n.name, ["sh", "-c", `mkdir -p /etc/cni/net.d && cat > ${CNI_CONF_FILE}`], { input: podConflist(n.podCIDR) });
    for (const argv of routeCommands(n.name, nodes)) await exec(n.name, argv);
  }
}
