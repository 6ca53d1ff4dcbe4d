// The `kind` provider: a kind cluster ("nodrop") of 1 control plane and
// nodes-1 workers, on Docker where an engine runs, else on nerdctl + a
// containerd of nodrop's own with nodrop's offline node image (kind/engine.ts).
// NodePorts are reachable on 127.0.0.1 through the control plane's
// extraPortMappings; Services ask nodePortFor(slot) which one to use.
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { run } from "../exec.ts";
import { Kube } from "../kube.ts";
import { log, step } from "../log.ts";
import { type ClusterProvider, type ClusterStatus, type LoadPlacement, ProviderUnavailableError, stateDir } from "./provider.ts";
import { requireTool, toolPaths } from "../tools.ts";
import { waitFor } from "../wait.ts";
import { INSTALL_SCRIPT } from "../tool-install.ts";
import { tail } from "./procs.ts";
import { KIND_NODE_PORTS, KIND_PROXY_METRICS_PORT, renderKindConfig } from "./kind/config.ts";
import { kindCreateFailure } from "./kind/create-error.ts";
import { DockerEngine } from "./kind/docker-engine.ts";
import { DockerdEngine } from "./kind/dockerd-engine.ts";
import { dockerAnswers, engineChoice, type KindEngine } from "./kind/engine.ts";
import { NerdctlEngine } from "./kind/nerdctl-engine.ts";
import { loadImageIntoNodes } from "./kind/load-image.ts";
import { kindLoadPlacement, loadGoesInNode } from "./kind/load-placement.ts";
import { conntrackArgv } from "../observe/conntrack.ts";
import { configurePodNetwork, readPodNetworkNodes } from "./kind/pod-network.ts";

export const KIND_CLUSTER = "nodrop";
const CONTROL_PLANE = `${KIND_CLUSTER}-control-plane`;
export { KIND_NODE_PORTS };

export class KindProvider implements ClusterProvider {
  readonly name = "kind" as const;
  private readonly dir = join(stateDir(), "kind");
  private enginePromise: Promise<KindEngine> | undefined;

  private readonly nodes: number;

  /**
   * `nodes`: the cluster size a run needs; a cluster of another size is not
   * "up" for it (provision recreates it). Undefined (cluster status/down
   * without --nodes): any size, and 1 when one is created.
   */
  constructor(private readonly wanted?: number) {
    this.nodes = wanted ?? 1;
  }

  private get kind(): string {
    return toolPaths().kind;
  }

  private engine(): Promise<KindEngine> {
    this.enginePromise ??= (async () => {
      const choice = engineChoice();
      if (choice === "docker") return new DockerEngine();
      if (choice === "nerdctl") return new NerdctlEngine();
      if (choice === "dockerd") return new DockerdEngine();
      return (await dockerAnswers()) ? new DockerEngine() : new NerdctlEngine();
    })();
    return this.enginePromise;
  }

  kubeconfigPath(): string {
    return join(this.dir, "kubeconfig");
  }

  context(): string | undefined {
    return `kind-${KIND_CLUSTER}`;
  }

  nodePortFor(slot: number): number {
    const p = KIND_NODE_PORTS[slot];
    if (p === undefined) throw new Error(`kind maps ${KIND_NODE_PORTS.length} NodePorts to 127.0.0.1; slot ${slot} is beyond them`);
    return p;
  }

  /** Each node's kube-proxy, on the node's address (a bridge on this machine); see KIND_PROXY_METRICS_PORT. */
  async kubeProxyMetricsUrls(): Promise<string[]> {
    return [...(await this.nodeAddresses()).values()].map((ip) => `http://${ip.includes(":") ? `[${ip}]` : ip}:${KIND_PROXY_METRICS_PORT}/metrics`);
  }

  /** k6 in the control plane's network namespace when the engine relays ports through docker-proxy (kind/load-placement.ts). */
  async loadPlacement(): Promise<LoadPlacement | undefined> {
    return kindLoadPlacement(await this.engine(), CONTROL_PLANE, async () => (await this.nodeAddresses()).get(CONTROL_PLANE));
  }

  private async nodeAddresses(): Promise<Map<string, string>> {
    const kube = new Kube(this.kubeconfigPath(), this.context());
    const nodes = (await kube.core.listNode()).items;
    return new Map(nodes.flatMap((n) => {
      const ip = n.status?.addresses?.find((a) => a.type === "InternalIP")?.address;
      return ip && n.metadata?.name ? [[n.metadata.name, ip] as const] : [];
    }));
  }

  /**
   * With k6 inside the control plane (loadPlacement), one hop: that
   * namespace's conntrack sees k6's own addresses and the pod each connection
   * was DNATed to. Otherwise two (observe/conntrack-join.ts): this machine
   * DNATs 127.0.0.1:port to the control plane's container and masquerades
   * k6's addresses; the control plane's kube-proxy DNATs to a pod. The
   * node's conntrack runs on this machine inside that container's network
   * namespace (nsenter -n: nothing of the node's filesystem or processes),
   * read-only like the first.
   */
  async connectionEventsArgv(hostPort: number): Promise<string[][]> {
    const engine = await this.engine();
    const inNode = ["nsenter", "-t", String(await engine.pid(CONTROL_PLANE)), "-n", ...conntrackArgv(hostPort, "/usr/sbin/conntrack")];
    return loadGoesInNode(engine) ? [inNode] : [conntrackArgv(hostPort, "/usr/sbin/conntrack"), inNode];
  }

  hostPortFor(nodePort: number): number {
    if (!(KIND_NODE_PORTS as readonly number[]).includes(nodePort)) throw new Error(`kind maps only NodePorts ${KIND_NODE_PORTS.join(", ")} to 127.0.0.1, not ${nodePort}: the Service must take its port from nodePortFor()`);
    return nodePort;
  }

  async preflight(): Promise<void> {
    requireTool(this.kind, "kind");
    const e = await this.engine();
    let missing = await e.unavailable();
    const target = missing?.includes("make tools-kind") ? "kind-all" : missing?.includes("make tools-docker") ? "kind-docker" : undefined;
    if (target) {
      // What kind needs beyond `make tools` is installed on first use (cached by version).
      log.info(`${missing}: installing now`);
      await run(["bash", INSTALL_SCRIPT, target], { timeoutMs: 3_600_000 });
      missing = await e.unavailable();
    }
    if (missing) throw new ProviderUnavailableError("kind", `${missing}; or use --provider local`);
  }

  private async kindCmd(args: string[], opts: { timeoutMs?: number; reject?: boolean } = {}) {
    const e = await this.engine();
    return run([this.kind, ...args], { env: e.env(), timeoutMs: opts.timeoutMs ?? 120_000, reject: opts.reject ?? true });
  }

  private async nodeNames(): Promise<string[]> {
    const r = await this.kindCmd(["get", "nodes", "--name", KIND_CLUSTER], { reject: false });
    return r.exitCode === 0 ? r.stdout.split("\n").map((s) => s.trim()).filter((s) => s && !s.startsWith("No kind nodes")) : [];
  }

  async provision(): Promise<void> {
    await this.preflight();
    const e = await this.engine();
    await step(`kind engine (${e.name})`, () => e.start());
    const have = await this.nodeNames();
    if (have.length === this.nodes && (await this.status()).up) return;
    if (have.length) {
      log.info(`kind cluster '${KIND_CLUSTER}' has ${have.length} node(s), ${this.nodes} wanted: recreating it`);
      await this.deleteCluster(e);
    }
    const image = await step("kind node image", () => e.nodeImage());
    await mkdir(this.dir, { recursive: true });
    const config = join(this.dir, "config.yaml");
    await writeFile(config, renderKindConfig({ nodes: this.nodes, ...(image.offline ? { offline: image.offline } : {}) }));
    await step(`kind create cluster (${this.nodes} node(s), image ${image.ref})`, async () => {
      // --retain: on failure kind would delete the nodes, and their logs with them.
      const r = await this.kindCmd(["create", "cluster", "--retain", "--name", KIND_CLUSTER, "--image", image.ref, "--config", config, "--kubeconfig", this.kubeconfigPath(), "--wait", image.offline ? "0s" : "180s"], { timeoutMs: 900_000, reject: false });
      if (r.exitCode !== 0) {
        const logs = join(this.dir, "create-logs");
        await this.kindCmd(["export", "logs", logs, "--name", KIND_CLUSTER], { reject: false, timeoutMs: 300_000 });
        const kubeletLog = join(logs, `${KIND_CLUSTER}-control-plane`, "kubelet.log");
        const kubelet = existsSync(kubeletLog) ? `\nlast lines of the control plane's kubelet.log:\n${tail(kubeletLog, 15)}` : "";
        const output = `${r.stdout}\n${r.stderr}`;
        await mkdir(logs, { recursive: true });
        await writeFile(join(logs, "kind-create.log"), output);
        await this.deleteCluster(e).catch((err: Error) => log.warn(err.message));
        throw new Error(`kind create cluster failed (exit ${r.exitCode}); its output in ${join(logs, "kind-create.log")}, node logs in ${logs}\n${kindCreateFailure(output)}${kubelet}`);
      }
    });
    if (e instanceof NerdctlEngine) await e.hostNetworking();
    if (image.offline) {
      await step("pod network (ptp CNI + routes between nodes)", async () => {
        const kube = new Kube(this.kubeconfigPath(), this.context());
        const nodes = await readPodNetworkNodes(kube, this.nodes);
        await configurePodNetwork((n, argv, o) => e.exec(n, argv, o), nodes);
      });
      await step(`${this.nodes} node(s) Ready`, () => this.waitNodesReady(180_000));
    }
  }

  private async waitNodesReady(timeoutMs: number): Promise<void> {
    const kube = new Kube(this.kubeconfigPath(), this.context());
    await waitFor(
      `all ${this.nodes} kind node(s) Ready`,
      async () => {
        const nodes = (await kube.core.listNode()).items;
        return nodes.length === this.nodes && nodes.every((n) => n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
      },
      {
        timeoutMs,
        intervalMs: 500,
        diagnose: async () => (await kube.core.listNode()).items.map((n) => `${n.metadata?.name}: ${n.status?.conditions?.find((c) => c.type === "Ready")?.message ?? "?"}`).join("\n"),
      },
    );
  }

  async clearNodePortState(nodePort: number): Promise<void> {
    const e = await this.engine();
    for (const node of await this.nodeNames()) {
      // Exit 1 with "0 flow entries have been deleted" is not a failure.
      const r = await e.exec(node, ["conntrack", "-D", "-p", "tcp", "--orig-port-dst", String(nodePort)], { reject: false });
      if (r.exitCode !== 0 && !/0 flow entries/.test(r.stderr + r.stdout)) throw new Error(`conntrack -D on ${node} failed (exit ${r.exitCode}): ${(r.stderr || r.stdout).trim()}`);
    }
  }

  async loadImage(archive: string, ref: string): Promise<void> {
    await loadImageIntoNodes(await this.engine(), await this.nodeNames(), archive, ref);
  }

  async status(): Promise<ClusterStatus> {
    if (!existsSync(this.kind)) return { provider: "kind", up: false, detail: ["kind is not built: run `make tools`"] };
    const e = await this.engine();
    if (await e.unavailable()) return { provider: "kind", up: false, detail: [(await e.unavailable())!] };
    const nodes = await this.nodeNames();
    const exists = nodes.length > 0 && existsSync(this.kubeconfigPath());
    const sized = this.wanted === undefined || nodes.length === this.wanted;
    const what = !exists ? `no kind cluster '${KIND_CLUSTER}'` : `kind cluster '${KIND_CLUSTER}': ${nodes.join(", ")}${sized ? "" : ` (${nodes.length} node(s); ${this.wanted} wanted)`}`;
    return { provider: "kind", up: exists && sized, detail: [...(await e.describe()), what] };
  }

  async destroy(): Promise<void> {
    if (!existsSync(this.kind)) return;
    const e = await this.engine();
    if (!(await e.unavailable())) {
      await this.deleteCluster(e);
      await e.stop();
    }
  }

  /** `kind delete cluster`, then whatever node containers it left, removed by label; fails if any remain. */
  private async deleteCluster(e: KindEngine): Promise<void> {
    const r = await this.kindCmd(["delete", "cluster", "--name", KIND_CLUSTER, "--kubeconfig", this.kubeconfigPath()], { reject: false, timeoutMs: 300_000 });
    const left = await e.removeNodes(KIND_CLUSTER);
    if (left.length) throw new Error(`kind delete cluster left node containers ${left.join(", ")} that could not be removed:\n${(r.stderr || r.stdout).trim().split("\n").slice(-10).join("\n")}`);
  }

  async collectLogs(dir: string): Promise<void> {
    if ((await this.nodeNames()).length) await this.kindCmd(["export", "logs", dir, "--name", KIND_CLUSTER], { reject: false, timeoutMs: 300_000 });
  }
}


