// The `local` provider: a real single-node Kubernetes cluster built from
// upstream components running as host processes (etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler, containerd, kubelet, kube-proxy).
// No container registry and no Docker are needed: the sandbox image is
// compiled locally and imported into containerd.
import { importPlatformArgs, nameImported } from "../images/containerd-names.ts";
import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { cp, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { run } from "../exec.ts";
import { httpGet } from "../http.ts";
import { buildPauseImage } from "../images/app-image.ts";
import { Kube } from "../kube.ts";
import { log, step } from "../log.ts";
import { requireTool, toolPaths } from "../tools.ts";
import { waitFor } from "../wait.ts";
import { containerdToml, cniConflist, kubeconfig, kubeletConfig, kubeProxyConfig, LOCAL, localPaths, RESOLV_CONF, type LocalPaths } from "./local-config.ts";
import { createPki } from "./pki.ts";
import { findProcesses, isAlive, mountsUnder, stopProcess, tail } from "./procs.ts";
import { bridgeNetns, cgroupLayout, cgroupProblem, cgroupRootProcesses, type ChainSnapshot, ensureNetnsMountPoint, prepareCgroupRoot, removeCgroupRoot, removeClusterChains, restoreSysctls, setSysctls, snapshotChains } from "./local-host.ts";
import { type ClusterProvider, type ClusterStatus, type ComponentFault, type ConnectionTrackable, type FaultWatchable, ProviderUnavailableError, stateDir } from "./provider.ts";
import { conntrackArgv } from "../observe/conntrack.ts";

const RUN_DIR = "/run/nodrop-local";
/** Machine-wide record of the running local cluster, so `down` finds it from any clone. */
const RECORD = `${RUN_DIR}/cluster.json`;

interface ComponentSpec {
  name: string;
  argv: string[];
}

interface Record {
  dir: string;
  pids: { [name: string]: number };
  /** Sysctls the cluster changed, with their values before (restored on down). */
  sysctls?: { [key: string]: string };
  /** iptables chains that existed before the cluster came up (never removed on down). */
  chainsBefore?: ChainSnapshot;
  /** Links the cluster created. */
  links?: string[];
}


// Stop order: kubelet first (so it does not restart containers), then the
// containers and the runtime, then the control plane, etcd last.
const STOP_ORDER = ["kube-proxy", "kubelet", "containerd", "kube-scheduler", "kube-controller-manager", "kube-apiserver", "etcd"];

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

  private readRecord(): Record | undefined {
    try {
      return JSON.parse(readFileSync(RECORD, "utf8")) as Record;
    } catch {
      return undefined;
    }
  }

  async status(): Promise<ClusterStatus> {
    const rec = this.readRecord();
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
        ready = await this.nodeReady();
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
    const rec = this.readRecord();
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
    const rec = this.readRecord();
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
      await this.bringUp();
    } catch (e) {
      log.error(`local cluster bring-up failed; logs are in ${this.paths.logs}`);
      throw e;
    }
  }

  private async bringUp(): Promise<void> {
    const p = this.paths;
    const t = toolPaths();
    const kbin = (b: string) => join(t.kubernetesBin, b);
    await mkdir(p.logs, { recursive: true });
    await mkdir(RUN_DIR, { recursive: true });
    await mkdir(p.cniConfDir, { recursive: true });
    await mkdir(join(p.dir, "containerd"), { recursive: true });
    const record: Record = { dir: p.dir, pids: {} };
    const saveRecord = () => writeFile(RECORD, JSON.stringify(record, null, 2));
    await saveRecord();

    await step("host network: modules, sysctls, node address", async () => {
      for (const m of ["br_netfilter", "overlay"]) await run(["modprobe", m], { reject: false });
      // Recorded first: teardown removes only chains that were not there before.
      record.chainsBefore = await snapshotChains();
      record.sysctls = await setSysctls(
        { "net/ipv4/ip_forward": "1", "net/bridge/bridge-nf-call-iptables": "1", "net/ipv4/conf/all/route_localnet": "1" },
        (m) => log.warn(m),
      );
      await saveRecord();
      // A bridge with no ports: these kernels have no dummy driver.
      record.links = [LOCAL.dummyIf, LOCAL.bridge];
      await saveRecord();
      await run(["ip", "link", "add", LOCAL.dummyIf, "type", "bridge"]);
      await run(["ip", "addr", "add", `${LOCAL.nodeIp}/32`, "dev", LOCAL.dummyIf]);
      await run(["ip", "link", "set", LOCAL.dummyIf, "up"]);
      // Pods may talk to each other and to this machine, never beyond it.
      await run(["iptables", "-w", "-N", LOCAL.egressChain]);
      await run(["iptables", "-w", "-A", LOCAL.egressChain, "-d", LOCAL.clusterCidr, "-j", "RETURN"]);
      await run(["iptables", "-w", "-A", LOCAL.egressChain, "-j", "REJECT"]);
      await run(["iptables", "-w", "-I", "FORWARD", "1", "-s", LOCAL.clusterCidr, "-j", LOCAL.egressChain]);
      // kubelet's cgroupRoot: every pod process lives below it, so teardown kills only those.
      await prepareCgroupRoot();
      await ensureNetnsMountPoint();
    });

    const pki = await step("certificates and kubeconfigs", async () => {
      const server = `https://${LOCAL.nodeIp}:${LOCAL.apiPort}`;
      const pki = await createPki(p.pki, [
        { name: "apiserver", cn: "kube-apiserver", usage: "server", sans: [`IP:${LOCAL.nodeIp}`, "IP:127.0.0.1", `IP:${LOCAL.serviceIp}`, "DNS:localhost", "DNS:kubernetes", "DNS:kubernetes.default", "DNS:kubernetes.default.svc", "DNS:kubernetes.default.svc.cluster.local"] },
        { name: "apiserver-kubelet-client", cn: "kube-apiserver-kubelet-client", org: "system:masters", usage: "client" },
        { name: "admin", cn: "nodrop-admin", org: "system:masters", usage: "client" },
        { name: "controller-manager", cn: "system:kube-controller-manager", usage: "client" },
        { name: "scheduler", cn: "system:kube-scheduler", usage: "client" },
        { name: "kube-proxy", cn: "system:kube-proxy", usage: "client" },
        { name: "kubelet", cn: `system:node:${LOCAL.nodeName}`, org: "system:nodes", usage: "client" },
        { name: "kubelet-serving", cn: LOCAL.nodeName, usage: "server", sans: [`IP:${LOCAL.nodeIp}`, `DNS:${LOCAL.nodeName}`] },
      ]);
      for (const [file, cert, user] of [
        ["admin.kubeconfig", "admin", "nodrop-admin"],
        ["controller-manager.kubeconfig", "controller-manager", "system:kube-controller-manager"],
        ["scheduler.kubeconfig", "scheduler", "system:kube-scheduler"],
        ["kube-proxy.kubeconfig", "kube-proxy", "system:kube-proxy"],
        ["kubelet.kubeconfig", "kubelet", `system:node:${LOCAL.nodeName}`],
      ] as const) {
        const c = pki.cert(cert);
        await writeFile(join(p.dir, file), kubeconfig({ server, caFile: pki.ca.crt, certFile: c.crt, keyFile: c.key, user }));
      }
      await writeFile(p.containerdConfig, containerdToml(p, t.versions.pauseImage));
      await writeFile(join(p.cniConfDir, "10-nodrop.conflist"), cniConflist(p));
      await writeFile(p.kubeletConfig, kubeletConfig(p));
      await writeFile(p.kubeProxyConfig, kubeProxyConfig(join(p.dir, "kube-proxy.kubeconfig")));
      await writeFile(p.resolvConf, RESOLV_CONF);
      return pki;
    });

    const start = async (c: ComponentSpec) => {
      record.pids[c.name] = this.spawnDaemon(c);
      await saveRecord();
    };
    const tls = { ca: pki.ca.crt, cert: pki.cert("admin").crt, key: pki.cert("admin").key };

    await step("etcd", async () => {
      const url = `http://127.0.0.1:${LOCAL.etcdClientPort}`;
      const peer = `http://127.0.0.1:${LOCAL.etcdPeerPort}`;
      await start({
        name: "etcd",
        argv: ["/usr/bin/etcd", "--name", "nodrop", "--data-dir", join(p.dir, "etcd"), "--listen-client-urls", url, "--advertise-client-urls", url, "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", `nodrop=${peer}`, "--logger", "zap", "--log-outputs", "stderr"],
      });
      await this.waitHealthy("etcd", () => httpGet(`${url}/health`).then((r) => r.status === 200 && r.body.includes("true")), 60_000);
    });

    await step("kube-apiserver", async () => {
      await start({
        name: "kube-apiserver",
        argv: [
          kbin("kube-apiserver"),
          `--etcd-servers=http://127.0.0.1:${LOCAL.etcdClientPort}`,
          `--bind-address=${LOCAL.nodeIp}`,
          `--advertise-address=${LOCAL.nodeIp}`,
          `--secure-port=${LOCAL.apiPort}`,
          `--tls-cert-file=${pki.cert("apiserver").crt}`,
          `--tls-private-key-file=${pki.cert("apiserver").key}`,
          `--client-ca-file=${pki.ca.crt}`,
          `--kubelet-client-certificate=${pki.cert("apiserver-kubelet-client").crt}`,
          `--kubelet-client-key=${pki.cert("apiserver-kubelet-client").key}`,
          // The node's Hostname address (nodrop-local) resolves nowhere: reach the
          // kubelet (logs, exec) at its InternalIP, or every pod log is "unavailable".
          "--kubelet-preferred-address-types=InternalIP,Hostname",
          `--service-account-key-file=${pki.saPub}`,
          `--service-account-signing-key-file=${pki.saKey}`,
          "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
          `--service-cluster-ip-range=${LOCAL.serviceCidr}`,
          "--authorization-mode=Node,RBAC",
          "--allow-privileged=false",
          "--profiling=false",
          `--cert-dir=${join(p.dir, "apiserver-certs")}`,
          "--v=1",
        ],
      });
      await this.waitHealthy("kube-apiserver", () => httpGet(`https://${LOCAL.nodeIp}:${LOCAL.apiPort}/readyz`, { tls }).then((r) => r.status === 200), 120_000);
    });

    await step("kube-controller-manager and kube-scheduler", async () => {
      const cm = join(p.dir, "controller-manager.kubeconfig");
      const sc = join(p.dir, "scheduler.kubeconfig");
      await start({
        name: "kube-controller-manager",
        argv: [kbin("kube-controller-manager"), `--kubeconfig=${cm}`, `--authentication-kubeconfig=${cm}`, `--authorization-kubeconfig=${cm}`, `--service-account-private-key-file=${pki.saKey}`, `--root-ca-file=${pki.ca.crt}`, "--use-service-account-credentials=true", "--leader-elect=false", "--bind-address=127.0.0.1", `--secure-port=${LOCAL.controllerManagerPort}`, "--v=1"],
      });
      await start({
        name: "kube-scheduler",
        argv: [kbin("kube-scheduler"), `--kubeconfig=${sc}`, `--authentication-kubeconfig=${sc}`, `--authorization-kubeconfig=${sc}`, "--leader-elect=false", "--bind-address=127.0.0.1", `--secure-port=${LOCAL.schedulerPort}`, "--v=1"],
      });
      await this.waitHealthy("kube-controller-manager", () => httpGet(`https://127.0.0.1:${LOCAL.controllerManagerPort}/healthz`, { tls: { insecure: true } }).then((r) => r.status === 200), 60_000);
      await this.waitHealthy("kube-scheduler", () => httpGet(`https://127.0.0.1:${LOCAL.schedulerPort}/healthz`, { tls: { insecure: true } }).then((r) => r.status === 200), 60_000);
    });

    await step("containerd", async () => {
      await start({ name: "containerd", argv: ["/usr/bin/containerd", "--config", p.containerdConfig] });
      await this.waitHealthy("containerd", async () => (await this.ctr(["version"], false)).exitCode === 0, 60_000);
    });

    await step(`sandbox image ${t.versions.pauseImage} (compiled locally, imported)`, async () => {
      const archive = join(p.dir, "pause.tar");
      await buildPauseImage(t.pause, t.versions.pauseImage, archive);
      await this.loadImage(archive, t.versions.pauseImage);
    });

    await step("kubelet", async () => {
      await start({
        name: "kubelet",
        argv: [kbin("kubelet"), `--config=${p.kubeletConfig}`, `--kubeconfig=${join(p.dir, "kubelet.kubeconfig")}`, `--root-dir=${join(p.dir, "kubelet")}`, `--cert-dir=${join(p.dir, "kubelet-pki")}`, `--hostname-override=${LOCAL.nodeName}`, `--node-ip=${LOCAL.nodeIp}`, "--v=1"],
      });
      await this.waitHealthy("kubelet", () => httpGet(`http://127.0.0.1:${LOCAL.kubeletHealthzPort}/healthz`).then((r) => r.status === 200), 90_000);
    });

    await step("kube-proxy (iptables mode)", async () => {
      await start({ name: "kube-proxy", argv: [kbin("kube-proxy"), `--config=${p.kubeProxyConfig}`, "--v=1"] });
      await this.waitHealthy("kube-proxy", () => httpGet(`http://127.0.0.1:${LOCAL.proxyHealthzPort}/healthz`).then((r) => r.status === 200), 60_000);
    });

    await step(`node ${LOCAL.nodeName} Ready`, async () => {
      await this.waitHealthy("node Ready", () => this.nodeReady(), 120_000, "kubelet");
    });
  }

  private async nodeReady(): Promise<boolean> {
    const node = await new Kube(this.kubeconfigPath()).core.readNode({ name: LOCAL.nodeName });
    return node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
  }

  /** Waits on a health check; fails at once if the component died, with its log tail. */
  private async waitHealthy(what: string, check: () => Promise<boolean>, timeoutMs: number, component = what): Promise<void> {
    const rec = () => this.readRecord();
    await waitFor(what, check, {
      timeoutMs,
      intervalMs: 200,
      fatal: () => {
        const pid = rec()?.pids[component];
        return pid !== undefined && !isAlive(pid) ? `${component} exited` : undefined;
      },
      diagnose: () => `---- last lines of ${join(this.paths.logs, `${component}.log`)} ----\n${tail(join(this.paths.logs, `${component}.log`), 25)}`,
    });
  }

  /** Starts a daemon detached from this process, its output in logs/<name>.log. */
  private spawnDaemon(c: ComponentSpec): number {
    const logFile = join(this.paths.logs, `${c.name}.log`);
    const fd = openSync(logFile, "a");
    const [file, ...args] = c.argv;
    const child = spawn(file!, args, {
      detached: true,
      stdio: ["ignore", fd, fd],
      // A clean PATH: components find iptables, conntrack, runc and the shim in the system dirs.
      env: { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", HOME: "/root" },
    });
    closeSync(fd);
    child.unref();
    if (!child.pid) throw new Error(`could not start ${c.name}: ${c.argv.join(" ")}`);
    return child.pid;
  }

  private ctr(args: string[], reject = true) {
    return run(["ctr", "--address", this.paths.containerdSock, "--namespace", "k8s.io", ...args], { reject, timeoutMs: 120_000 });
  }

  async loadImage(archive: string, ref: string): Promise<void> {
    await this.ctr(["images", "import", "--no-unpack=false", ...importPlatformArgs(), archive]);
    await nameImported((args) => this.ctr(args), ref, archive, "the local cluster's containerd");
  }

  async collectLogs(dir: string): Promise<void> {
    if (!existsSync(this.paths.logs)) return;
    await mkdir(dir, { recursive: true });
    await cp(this.paths.logs, dir, { recursive: true });
  }

  async destroy(opts: { quiet?: boolean } = {}): Promise<void> {
    const say = opts.quiet ? () => {} : (m: string) => log.ok(m);
    const rec = this.readRecord();
    const dirs = [...new Set([rec?.dir, this.paths.dir].filter((d): d is string => !!d))];

    // 1. Processes: the recorded daemons, then any containerd shim of ours.
    const pids = rec?.pids ?? {};
    for (const name of STOP_ORDER) {
      const pid = pids[name];
      if (pid !== undefined) await stopProcess(pid, name === "containerd" ? 15_000 : 10_000);
    }
    // Containers outlive their shim: kill every process below the cluster's cgroup root.
    for (const pid of await cgroupRootProcesses()) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        /* gone */
      }
    }
    for (const pid of await findProcesses((cmd) => cmd.includes("containerd-shim") && cmd.includes(this.paths.containerdSock))) {
      await stopProcess(pid, 5_000);
    }
    // Also catch daemons started from a record that was lost (crash between spawn and save).
    for (const pid of await findProcesses((cmd) => dirs.some((d) => cmd.includes(d)) || cmd.includes(RUN_DIR))) {
      await stopProcess(pid, 5_000);
    }
    // Killed processes linger as zombies until this machine's init reaps them.
    const recorded = Object.values(pids);
    await waitFor("the cluster's processes to be gone", async () => (await cgroupRootProcesses()).length === 0 && !recorded.some(isAlive), {
      timeoutMs: 20_000,
      intervalMs: 200,
      diagnose: async () => `still present: ${[...(await cgroupRootProcesses()), ...recorded.filter(isAlive)].join(", ")}`,
    }).catch((e) => log.warn((e as Error).message));
    say("processes stopped");

    // 2. Network namespaces of our pods (their veth is on our bridge), then our links.
    for (const n of await bridgeNetns(LOCAL.bridge)) await run(["ip", "netns", "delete", n], { reject: false });
    for (const link of rec?.links ?? [LOCAL.bridge, LOCAL.dummyIf]) await run(["ip", "link", "delete", link], { reject: false });
    say("network namespaces and links removed");

    // 3. iptables: only the chains the cluster made (not kube-proxy --cleanup,
    // which also clears the chains of any other kube-proxy on this machine).
    await run(["iptables", "-w", "-D", "FORWARD", "-s", LOCAL.clusterCidr, "-j", LOCAL.egressChain], { reject: false });
    await removeClusterChains(rec?.chainsBefore, LOCAL.egressChain);
    say("iptables chains removed");

    // 4. Mounts under our directories, deepest first.
    for (const m of mountsUnder([...dirs, RUN_DIR])) {
      const r = await run(["umount", m], { reject: false });
      if (r.exitCode !== 0) await run(["umount", "-l", m], { reject: false });
    }
    say("mounts removed");

    // 5. The cgroup root (its cgroups are empty now) and the sysctls we changed.
    await removeCgroupRoot();
    if (rec?.sysctls) await restoreSysctls(rec.sysctls, (m) => log.warn(m));

    // 6. State: keep the logs of the last cluster, drop everything else.
    for (const d of dirs) {
      if (existsSync(join(d, "logs"))) {
        const keep = join(d, "..", "logs", "local-last");
        await rm(keep, { recursive: true, force: true });
        await mkdir(keep, { recursive: true });
        await cp(join(d, "logs"), keep, { recursive: true }).catch(() => {});
      }
      await rm(d, { recursive: true, force: true });
    }
    await rm(RUN_DIR, { recursive: true, force: true });
    say("state removed");
  }
}

