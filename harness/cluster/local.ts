// The `local` provider: a real single-node Kubernetes cluster built from
// upstream components running as host processes (etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler, containerd, kubelet, kube-proxy).
// No container registry and no Docker are needed: the sandbox image is
// compiled locally and imported into containerd. Bring-up is local-up.ts,
// teardown local-down.ts, the machine-wide record local-record.ts.
import { existsSync } from "node:fs";
import { cp, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { log } from "../log.ts";
import { requireTool, toolPaths } from "../tools.ts";
import { LOCAL, localPaths, type LocalPaths } from "./local-config.ts";
import { importImage, nodeReady } from "./local-daemons.ts";
import { tearDown } from "./local-down.ts";
import { cgroupLayout, cgroupProblem } from "./local-host.ts";
import { readRecord, RECORD, RUN_DIR, STOP_ORDER } from "./local-record.ts";
import { bringUp } from "./local-up.ts";
import { isAlive, tail } from "./procs.ts";
import { type ClusterProvider, type ClusterStatus, type ComponentFault, type ConnectionTrackable, type FaultWatchable, ProviderUnavailableError, stateDir } from "./provider.ts";
import { conntrackArgv } from "../observe/conntrack.ts";

export class LocalProvider implements ClusterProvider, FaultWatchable, ConnectionTrackable {
  readonly name = "local" as const;
  readonly paths: LocalPaths;

  constructor(dir = join(stateDir(), "local")) {
    this.paths = localPaths(dir, RUN_DIR);
  }

  kubeconfigPath(): string {
    return join(this.paths.dir, "admin.kubeconfig");
  }

  context(): string | undefined {
    return undefined;
  }

  nodePortFor(): number | undefined {
    return undefined;
  }

  hostPortFor(nodePort: number): number {
    return nodePort;
  }

  /** kube-proxy's NAT is in this machine's own network namespace: conntrack sees k6's addresses and the pods'. */
  async connectionEventsArgv(hostPort: number): Promise<string[][]> {
    return [conntrackArgv(hostPort, "/usr/sbin/conntrack")];
  }

  /** kube-proxy runs on this machine with its metrics on loopback (local-config.ts). */
  async kubeProxyMetricsUrls(): Promise<string[]> {
    return [`http://127.0.0.1:${LOCAL.proxyMetricsPort}/metrics`];
  }

  async preflight(): Promise<void> {
    if (process.getuid?.() !== 0) throw new ProviderUnavailableError("local", "it must run as root (it starts a kubelet, containerd and kube-proxy)");
    if (process.platform !== "linux") throw new ProviderUnavailableError("local", "it needs Linux");
    const cgroups = cgroupProblem(cgroupLayout());
    if (cgroups) throw new ProviderUnavailableError("local", cgroups);
    const t = toolPaths();
    for (const b of ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy"]) {
      requireTool(join(t.kubernetesBin, b), b);
    }
    requireTool(t.pause, "pause");
    for (const b of ["/usr/bin/etcd", "/usr/bin/containerd", "/usr/sbin/runc", "/usr/bin/ctr", "/usr/lib/cni/bridge", "/usr/lib/cni/host-local", "/usr/lib/cni/portmap", "/usr/lib/cni/loopback", "/usr/sbin/iptables", "/usr/sbin/conntrack"]) {
      requireTool(b, b.split("/").pop()!);
    }
  }

  async status(): Promise<ClusterStatus> {
    const rec = readRecord();
    const detail: string[] = [];
    let allAlive = !!rec;
    for (const name of STOP_ORDER) {
      const pid = rec?.pids[name];
      const alive = pid !== undefined && isAlive(pid);
      if (!alive) allAlive = false;
      detail.push(`${name}: ${pid === undefined ? "not started" : alive ? `running (pid ${pid})` : `dead (pid ${pid})`}`);
    }
    let ready = false;
    if (allAlive) {
      try {
        ready = await nodeReady(this.kubeconfigPath());
      } catch (e) {
        detail.push(`node: ${(e as Error).message}`);
      }
      detail.push(`node ${LOCAL.nodeName}: ${ready ? "Ready" : "not Ready"}`);
    }
    if (rec && rec.dir !== this.paths.dir) detail.push(`note: the running cluster belongs to ${rec.dir}`);
    return { provider: "local", up: allAlive && ready, detail };
  }

  /** Recorded components whose process is gone (cheap: /proc only, no network). */
  async faults(): Promise<ComponentFault[]> {
    const rec = readRecord();
    if (!rec) return [{ component: "cluster", message: `the local cluster's record ${RECORD} is gone (was the cluster torn down?)` }];
    const out: ComponentFault[] = [];
    for (const name of STOP_ORDER) {
      const pid = rec.pids[name];
      if (pid !== undefined && !isAlive(pid)) {
        out.push({ component: name, message: `${name} (pid ${pid}) is not running; last lines of its log:\n${tail(join(this.paths.logs, `${name}.log`), 8)}` });
      }
    }
    return out;
  }

  async provision(): Promise<void> {
    await this.preflight();
    const st = await this.status();
    const rec = readRecord();
    if (st.up && rec?.dir === this.paths.dir) {
      log.ok("local cluster already up: reusing it");
      return;
    }
    if (rec) {
      log.warn(`a local cluster record exists (${rec.dir}) but the cluster is not healthy: tearing it down first`);
    }
    // Always start from a clean machine: leftovers of a crash are removed.
    await this.destroy({ quiet: true });
    try {
      await bringUp(this.paths, this.kubeconfigPath());
    } catch (e) {
      log.error(`local cluster bring-up failed; logs are in ${this.paths.logs}`);
      throw e;
    }
  }

  async loadImage(archive: string, ref: string): Promise<void> {
    await importImage(this.paths.containerdSock, archive, ref);
  }

  async collectLogs(dir: string): Promise<void> {
    if (!existsSync(this.paths.logs)) return;
    await mkdir(dir, { recursive: true });
    await cp(this.paths.logs, dir, { recursive: true });
  }

  async destroy(opts: { quiet?: boolean } = {}): Promise<void> {
    await tearDown(this.paths, opts);
  }
}
