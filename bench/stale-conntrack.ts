// Reproduces the rare `connection refused` (k6 1212) that the new-connection
// probe saw with no deploy going on, and prints the evidence.
//
//   1. A NodePort Service whose pods are not ready yet: kube-proxy installs a
//      REJECT rule for the NodePort (filter INPUT, "has no endpoints").
//   2. A probe from 127.0.0.1:<port P> is rejected (ICMP port unreachable).
//      The SYN was already confirmed by conntrack on its way out, WITHOUT a
//      NAT binding, and the entry stays in SYN_SENT for 120 s
//      (nf_conntrack_tcp_timeout_syn_sent). An ICMP error does not remove it.
//   3. The pods become ready; kube-proxy replaces the REJECT with the DNAT.
//   4. A new connection that the kernel happens to give the same source port
//      P within those 120 s matches the old entry: its SYN is not NATed, goes
//      to 127.0.0.1:<nodePort> on the host where nothing listens, and gets a
//      RST: `connection refused`, with every pod ready (kubernetes#48719 is
//      the same mechanism for a ClusterIP).
//
// The harness's own wait for "the target answers 200" made such entries on
// the port k6 then loads: a harness artifact, not a deploy failure. Fixed by
// probing from another source address (127.0.0.2), see harness/target.ts.
//
// Usage: npx tsx bench/stale-conntrack.ts     (needs the local cluster up)
import { execa } from "execa";
import { request } from "node:http";
import { buildAppImage } from "../harness/images/app-image.ts";
import { LocalProvider } from "../harness/cluster/local.ts";
import { Kube } from "../harness/kube.ts";
import { waitFor } from "../harness/wait.ts";
import { join } from "node:path";
import { PROJECT_ROOT } from "../harness/cluster/provider.ts";

const provider = new LocalProvider();
if (!(await provider.status()).up) {
  console.error("the local cluster is not up: make cluster-up");
  process.exit(3);
}
const kube = new Kube(provider.kubeconfigPath());
const ns = `nodrop-stale-${Date.now().toString(36)}`;
const img = await buildAppImage(join(PROJECT_ROOT, ".nodrop", "images"));
await provider.loadImage(img.archive, img.name);

/** One GET from a chosen local address and port: "200" or the error code. */
function get(port: number, localAddress: string, localPort?: number): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path: "/", agent: false, localAddress, ...(localPort ? { localPort } : {}), timeout: 3000 }, (res) => {
      res.resume();
      res.on("end", () => resolve(String(res.statusCode)));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    req.end();
  });
}

const conntrack = async (nodePort: number) =>
  (await execa("conntrack", ["-L", "-p", "tcp", "--orig-port-dst", String(nodePort)], { reject: false })).stdout.trim() || "(none)";

try {
  await kube.createNamespace(ns, "stale-conntrack");
  const labels = { app: "stale" };
  await kube.apply({ apiVersion: "v1", kind: "Service", metadata: { name: "app", namespace: ns }, spec: { type: "NodePort", selector: labels, ports: [{ port: 80, targetPort: 8080 }] } } as never);
  const svc = await kube.core.readNamespacedService({ name: "app", namespace: ns });
  const nodePort = svc.spec!.ports![0]!.nodePort!;
  await waitFor("kube-proxy to REJECT the NodePort (no endpoints)", async () => (await execa("iptables-save", ["-t", "filter"])).stdout.includes(`--dport ${nodePort} -j REJECT`), { timeoutMs: 30_000, intervalMs: 100 });

  const ports = [41001, 41003, 41005];
  const before: string[] = [];
  for (const p of ports) before.push(await get(nodePort, "127.0.0.1", p));
  console.log(`1. no ready endpoints: probes from 127.0.0.1:${ports.join(",")} → ${before.join(", ")}`);
  console.log(`   conntrack entries for dport ${nodePort}:\n${(await conntrack(nodePort)).replace(/^/gm, "     ")}`);

  await kube.apply({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "app", namespace: ns },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [{ name: "app", image: img.name, imagePullPolicy: "Never", env: [{ name: "APP_VERSION", value: "v1" }], readinessProbe: { httpGet: { path: "/healthz/ready", port: 8080 }, periodSeconds: 1 } }],
        },
      },
    },
  } as never);
  await kube.waitRollout(ns, "app", 120_000);
  // Other source ports: wait until kube-proxy routes the NodePort.
  let fresh = 42001;
  await waitFor("the NodePort to answer 200 from a fresh source port", async () => (await get(nodePort, "127.0.0.1", (fresh += 2))) === "200", { timeoutMs: 30_000, intervalMs: 100 });
  const after: string[] = [];
  for (const p of ports) after.push(await get(nodePort, "127.0.0.1", p));
  const other = await get(nodePort, "127.0.0.1", 43001);
  const otherAddr = await get(nodePort, "127.0.0.2", 41001);
  console.log(`2. pod ready, NodePort routed (fresh port ${fresh} → 200)`);
  console.log(`   same source ports as the rejected probes 127.0.0.1:${ports.join(",")} → ${after.join(", ")}`);
  console.log(`   another source port 127.0.0.1:43001 → ${other}`);
  console.log(`   same port, other source address 127.0.0.2:41001 → ${otherAddr}`);
  const refused = after.filter((r) => r === "ECONNREFUSED").length;
  console.log(`stale-conntrack refusals: ${refused} of ${ports.length} reused source ports (expected ${ports.length} if the mechanism holds)`);
} finally {
  await kube.deleteNamespace(ns);
}
