// Where k6 runs on kind. Behind Docker's userland proxy (its default, on
// users' machines and on nodrop's own Docker engine), every connection to a
// 127.0.0.1 port is re-made by docker-proxy to the node: from one address (the
// bridge's), on source ports this machine hands out again soon. When a pod
// stops, the node's conntrack keeps its connections ended by a RST for 10 s,
// still NATed to that pod, and a new SYN that reuses such an address and port
// is sent there instead of to a ready pod: a reset nobody's client would see
// (docs/design.md, "kind behind docker-proxy"). So on such an engine k6 runs
// inside the control plane's network namespace (nsenter -n: its network
// only; files, processes and signals stay this machine's) and loads the
// NodePort on the node's own 127.0.0.1, each VU from its own loopback address,
// exactly as on the local provider. Its REST API listens on the node's
// address, which this machine reaches over the kind bridge. It needs root
// (nsenter); without it k6 stays behind docker-proxy and the run says so.
import { log } from "../../log.ts";
import type { LoadPlacement } from "../provider.ts";
import type { KindEngine } from "./engine.ts";

const runsAsRoot = () => process.getuid?.() === 0;

/** Whether k6 goes inside the node on this engine (see above). */
export const loadGoesInNode = (engine: Pick<KindEngine, "proxiedPorts">, isRoot = runsAsRoot()): boolean => engine.proxiedPorts && isRoot;

export async function kindLoadPlacement(
  engine: KindEngine,
  node: string,
  nodeAddress: () => Promise<string | undefined>,
  isRoot = runsAsRoot(),
): Promise<LoadPlacement | undefined> {
  if (!engine.proxiedPorts) return undefined;
  if (!isRoot) {
    log.warn(`k6 runs on this machine behind docker-proxy (entering node ${node}'s network namespace needs root): a reset on a new connection may be docker-proxy reusing a source port, not your deploy (docs/design.md)`);
    return undefined;
  }
  const address = await nodeAddress();
  if (!address) throw new Error(`kind: node ${node} has no InternalIP yet, so k6 cannot be placed in its network namespace`);
  const pid = await engine.pid(node);
  return {
    enter: ["nsenter", "-t", String(pid), "-n", "--"],
    restHost: address,
    note: `in node ${node}'s network namespace (${engine.name}'s ports go through docker-proxy)`,
  };
}
