// The `existing` provider: a cluster the user already has, named by a
// kubeconfig (and optionally a context). nodrop never creates or deletes it;
// only the run's namespace is created and removed.
import { existsSync } from "node:fs";
import { run } from "../exec.ts";
import { log } from "../log.ts";
import { type ClusterProvider, type ClusterStatus, ProviderUnavailableError } from "./provider.ts";

export class ExistingProvider implements ClusterProvider {
  readonly name = "existing" as const;
  constructor(
    private readonly kubeconfig: string | undefined = process.env["KUBECONFIG"],
    private readonly ctx?: string,
  ) {}

  kubeconfigPath(): string {
    if (!this.kubeconfig) throw new ProviderUnavailableError("existing", "no kubeconfig: set kubeconfig=<file> (or KUBECONFIG)");
    return this.kubeconfig;
  }

  context(): string | undefined {
    return this.ctx;
  }

  nodePortFor(): number | undefined {
    return undefined;
  }

  hostPortFor(nodePort: number): number {
    // The cluster's node must be this machine (load only ever goes to 127.0.0.1).
    return nodePort;
  }

  private kubectl(args: string[]) {
    return run(["kubectl", "--kubeconfig", this.kubeconfigPath(), ...(this.ctx ? ["--context", this.ctx] : []), ...args], { reject: false, timeoutMs: 20_000 });
  }

  async preflight(): Promise<void> {
    const k = this.kubeconfigPath();
    if (!existsSync(k)) throw new ProviderUnavailableError("existing", `kubeconfig ${k} does not exist`);
    const r = await this.kubectl(["get", "--raw", "/readyz"]);
    if (r.exitCode !== 0) throw new ProviderUnavailableError("existing", `the cluster in ${k} does not answer: ${r.stderr.trim()}`);
  }

  async provision(): Promise<void> {
    await this.preflight();
  }

  async loadImage(_archive: string, ref: string): Promise<void> {
    log.warn(`provider=existing cannot import images: ${ref} must already be on every node (imagePullPolicy: Never)`);
  }

  async status(): Promise<ClusterStatus> {
    const r = await this.kubectl(["get", "nodes", "--no-headers"]);
    return { provider: "existing", up: r.exitCode === 0, detail: r.exitCode === 0 ? r.stdout.trim().split("\n") : [r.stderr.trim()] };
  }

  async destroy(): Promise<void> {
    log.info("provider=existing: the cluster is not nodrop's to delete; nothing to do");
  }

  async collectLogs(): Promise<void> {}
}
