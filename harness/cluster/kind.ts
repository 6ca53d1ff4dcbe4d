// The `kind` provider, for users with a Docker engine and a kindest/node image.
// On machines without a registry the node image cannot be pulled, so preflight
// checks for it and says exactly what is missing.
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { run } from "../exec.ts";
import { requireTool, toolPaths } from "../tools.ts";
import { type ClusterProvider, type ClusterStatus, PROJECT_ROOT, ProviderUnavailableError, stateDir } from "./provider.ts";

export const KIND_CLUSTER = "nodrop";
export const KIND_NODE_PORTS = [30080, 30081, 30082, 30083];

export class KindProvider implements ClusterProvider {
  readonly name = "kind" as const;
  private readonly dir = join(stateDir(), "kind");

  private get kind(): string {
    return toolPaths().kind;
  }

  nodeImage(): string {
    return `kindest/node:${toolPaths().versions.kubernetes}`;
  }

  kubeconfigPath(): string {
    return join(this.dir, "kubeconfig");
  }

  context(): string | undefined {
    return `kind-${KIND_CLUSTER}`;
  }

  hostPortFor(nodePort: number): number {
    if (!KIND_NODE_PORTS.includes(nodePort)) throw new Error(`kind maps only NodePorts ${KIND_NODE_PORTS.join(", ")} to 127.0.0.1 (clusters/kind/config.yaml), not ${nodePort}`);
    return nodePort;
  }

  async preflight(): Promise<void> {
    requireTool(this.kind, "kind");
    const docker = await run(["docker", "info", "--format", "{{.ServerVersion}}"], { reject: false, timeoutMs: 20_000 }).catch(() => undefined);
    if (!docker || docker.exitCode !== 0) {
      throw new ProviderUnavailableError("kind", "no running Docker engine (`docker info` failed). Install and start one (Debian: apt-get install docker.io), or use --provider local");
    }
    const img = await run(["docker", "image", "inspect", this.nodeImage()], { reject: false });
    if (img.exitCode !== 0) {
      throw new ProviderUnavailableError("kind", `the node image ${this.nodeImage()} is not in the local Docker engine and cannot be pulled here (no container registry). Load it with \`docker load\`, or use --provider local`);
    }
  }

  async provision(): Promise<void> {
    await this.preflight();
    if ((await this.status()).up) return;
    await mkdir(this.dir, { recursive: true });
    await run([this.kind, "create", "cluster", "--name", KIND_CLUSTER, "--image", this.nodeImage(), "--config", join(PROJECT_ROOT, "clusters", "kind", "config.yaml"), "--kubeconfig", this.kubeconfigPath(), "--wait", "180s"], { timeoutMs: 600_000 });
  }

  async loadImage(archive: string): Promise<void> {
    await run([this.kind, "load", "image-archive", archive, "--name", KIND_CLUSTER], { timeoutMs: 300_000 });
  }

  async status(): Promise<ClusterStatus> {
    if (!existsSync(this.kind)) return { provider: "kind", up: false, detail: ["kind is not built: run `make tools`"] };
    const r = await run([this.kind, "get", "clusters"], { reject: false });
    const up = r.exitCode === 0 && r.stdout.split("\n").includes(KIND_CLUSTER);
    return { provider: "kind", up, detail: [up ? `kind cluster '${KIND_CLUSTER}' exists` : `no kind cluster '${KIND_CLUSTER}'`] };
  }

  async destroy(): Promise<void> {
    if (!existsSync(this.kind)) return;
    await run([this.kind, "delete", "cluster", "--name", KIND_CLUSTER, "--kubeconfig", this.kubeconfigPath()], { reject: false });
  }

  async collectLogs(dir: string): Promise<void> {
    if ((await this.status()).up) await run([this.kind, "export", "logs", dir, "--name", KIND_CLUSTER], { reject: false });
  }
}
