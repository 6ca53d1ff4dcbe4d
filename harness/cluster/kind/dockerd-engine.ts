// kind's docker provider on a Docker engine of nodrop's own: dockerd,
// docker-proxy, containerd 2 and its runc shim and the docker CLI built from
// their Go modules (install.sh docker-engine), for machines whose Docker
// cannot start privileged containers (Debian's docker.io 20.10 where root
// lacks CAP_SYS_RESOURCE; fixed in Docker 23) or that have none. It is the
// path users' machines take (kind on Docker, ports through docker-proxy),
// with nodrop's offline node image loaded by `docker load`.
//
// It leaves the machine alone: its own sockets, exec root and pidfile under
// /run/nodrop-docker, its data root and containerd root in the cache (the
// node image is loaded once), an empty daemon.json (never /etc/docker's), a
// DOCKER_CONFIG of its own (never ~/.docker). No iptables, no ip forwarding,
// no masquerade, no docker0 (--bridge=none): dockerd adds no chain and sets
// no sysctl; kind's 127.0.0.1 ports go through docker-proxy. What it does to
// the host (host-setup.ts: ip_forward, missing cgroup mounts, the egress
// guard) is recorded and undone in stop(), as is the "kind" network it
// creates before kind does, on a bridge and subnet it checks are free.
import { existsSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { run } from "../../exec.ts";
import { requireTool, toolPaths } from "../../tools.ts";
import { spawnDetached, waitDaemon } from "../daemon.ts";
import { findProcesses, isAlive, mountsUnder, stopProcess } from "../procs.ts";
import { stateDir } from "../provider.ts";
import { containerPid, KIND_NETWORK, type KindEngine, removeLabelledNodes } from "./engine.ts";
import { EngineRecordFile, guardEgress, type HostRecord, linkNames, prepareHost, restoreHost } from "./host-setup.ts";
import { freeSubnet } from "./free-subnet.ts";
import { ensureNodeImage } from "./node-image.ts";
import { plainContainerdConfig } from "./preload.ts";

const RUN_DIR = "/run/nodrop-docker";
/** The kind network's bridge on this machine (Docker would call it br-<id>). */
export const DOCKERD_BRIDGE = "nodrop-kd0";
const SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

interface DockerdRecord extends HostRecord {
  containerdPid?: number;
  dockerdPid?: number;
  /** The kind network's subnet, when nodrop created the network. */
  network?: string;
}

export class DockerdEngine implements KindEngine {
  readonly name = "dockerd" as const;
  readonly proxiedPorts = true;
  private readonly dir = join(stateDir(), "kind", "dockerd");
  private readonly bin = toolPaths().dockerEngineBin;
  private readonly dataRoot = join(toolPaths().cacheDir, "kind-engine", "docker");
  private readonly containerdRoot = join(toolPaths().cacheDir, "kind-engine", "containerd-v2");
  private readonly containerdSock = `${RUN_DIR}/containerd.sock`;
  private readonly sock = `${RUN_DIR}/docker.sock`;
  private readonly record = new EngineRecordFile<DockerdRecord>(join(this.dir, "engine.json"));
  private readonly save = (r: DockerdRecord) => this.record.save(r);

  /** The docker CLI on nodrop's socket and config (a wrapper kind finds first on PATH). */
  private get docker(): string {
    return join(this.dir, "bin", "docker");
  }

  async unavailable(): Promise<string | undefined> {
    if (process.getuid?.() !== 0) return "nodrop's own Docker engine must run as root";
    for (const b of ["dockerd", "docker-proxy", "docker", "containerd", "containerd-shim-runc-v2"]) {
      if (!existsSync(join(this.bin, b))) return `${join(this.bin, b)} is missing: run \`make tools-docker\``;
    }
    for (const b of ["/usr/sbin/runc", "/usr/sbin/debootstrap"]) if (!existsSync(b)) return `${b} is missing: run \`make tools-docker\``;
    return undefined;
  }

  private async answers(): Promise<boolean> {
    if (!existsSync(this.docker)) return false;
    const r = await run([this.docker, "info", "--format", "{{.ServerVersion}}"], { reject: false, timeoutMs: 10_000 });
    return r.exitCode === 0 && r.stdout.trim() !== "";
  }

  async start(): Promise<void> {
    requireTool(join(this.bin, "dockerd"), "dockerd (make tools-docker)");
    const rec = await this.record.read();
    if (rec.dockerdPid && isAlive(rec.dockerdPid) && (await this.answers())) return;
    for (const d of [this.dir, RUN_DIR, this.dataRoot, this.containerdRoot, join(this.dir, "docker-config")]) await mkdir(d, { recursive: true });
    await prepareHost(rec, this.save);
    await this.writeFiles();
    // The shim and docker-proxy from nodrop's build first; runc and iptables from the system.
    const env = { PATH: `${this.bin}:${SYSTEM_PATH}`, HOME: "/root" };
    const containerdLog = join(this.dir, "containerd.log");
    rec.containerdPid = spawnDetached([join(this.bin, "containerd"), "--config", join(this.dir, "containerd.toml")], containerdLog, env);
    await this.save(rec);
    await waitDaemon("nodrop's containerd (for dockerd) to answer", async () => existsSync(this.containerdSock), { pid: rec.containerdPid, name: "containerd", logFile: containerdLog, timeoutMs: 60_000 });
    const dockerdLog = join(this.dir, "dockerd.log");
    rec.dockerdPid = spawnDetached([join(this.bin, "dockerd"), ...this.dockerdArgs()], dockerdLog, env);
    await this.save(rec);
    await waitDaemon("nodrop's dockerd to answer", () => this.answers(), { pid: rec.dockerdPid, name: "dockerd", logFile: dockerdLog, timeoutMs: 90_000, intervalMs: 250 });
    await this.ensureNetwork(rec);
  }

  private dockerdArgs(): string[] {
    return [
      `--config-file=${join(this.dir, "daemon.json")}`,
      `--host=unix://${this.sock}`,
      `--data-root=${this.dataRoot}`,
      `--exec-root=${RUN_DIR}/exec`,
      `--pidfile=${RUN_DIR}/dockerd.pid`,
      `--containerd=${this.containerdSock}`,
      "--containerd-namespace=nodrop-docker",
      "--containerd-plugins-namespace=nodrop-docker-plugins",
      "--bridge=none",
      "--iptables=false",
      "--ip6tables=false",
      "--ip-forward=false",
      "--ip-masq=false",
      "--userland-proxy=true",
      `--userland-proxy-path=${join(this.bin, "docker-proxy")}`,
      "--exec-opt=native.cgroupdriver=cgroupfs",
      "--cgroup-parent=/nodrop-docker",
      "--group=root",
    ];
  }

  private async writeFiles(): Promise<void> {
    await writeFile(join(this.dir, "daemon.json"), "{}\n");
    await writeFile(join(this.dir, "docker-config", "config.json"), "{}\n");
    await writeFile(
      join(this.dir, "containerd.toml"),
      plainContainerdConfig({ root: this.containerdRoot, state: `${RUN_DIR}/containerd-state`, sock: this.containerdSock, opt: join(this.dir, "opt") }),
    );
    await mkdir(join(this.dir, "bin"), { recursive: true });
    await writeFile(
      this.docker,
      `#!/usr/bin/env bash
# Written by nodrop (harness/cluster/kind/dockerd-engine.ts): the docker CLI on nodrop's own engine.
export DOCKER_HOST=unix://${this.sock} DOCKER_CONFIG=${join(this.dir, "docker-config")}
exec ${join(this.bin, "docker")} "$@"
`,
      { mode: 0o755 },
    );
  }

  /**
   * The "kind" network, made before kind would make it: on a bridge named
   * nodrop-kd0 and a subnet no route of this machine covers (kind's own
   * choice would add an IPv6 ULA subnet, which needs IPv6 forwarding). A
   * bridge of that name that is not this network's is someone else's: stop.
   */
  private async ensureNetwork(rec: DockerdRecord): Promise<void> {
    const have = await run([this.docker, "network", "inspect", "-f", "{{range .IPAM.Config}}{{.Subnet}} {{end}}", KIND_NETWORK], { reject: false });
    let subnet = have.exitCode === 0 ? have.stdout.trim().split(/\s+/).find((s) => /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(s)) : undefined;
    if (!subnet) {
      if ((await linkNames()).includes(DOCKERD_BRIDGE)) throw new Error(`a network link named ${DOCKERD_BRIDGE} exists and is not nodrop's docker network 'kind' (ip link show ${DOCKERD_BRIDGE}); nodrop does not take it over`);
      subnet = await freeSubnet();
      rec.network = subnet;
      await this.save(rec);
      await run([this.docker, "network", "create", "--driver=bridge", `--subnet=${subnet}`, "-o", `com.docker.network.bridge.name=${DOCKERD_BRIDGE}`, "-o", "com.docker.network.bridge.enable_ip_masquerade=false", KIND_NETWORK]);
    }
    await guardEgress(await this.record.read(), this.save, subnet, DOCKERD_BRIDGE);
  }

  env(): Record<string, string> {
    return {
      ...(process.env as Record<string, string>),
      KIND_EXPERIMENTAL_PROVIDER: "docker",
      PATH: `${join(this.dir, "bin")}:${process.env["PATH"] ?? SYSTEM_PATH}`,
    };
  }

  async nodeImage(): Promise<{ ref: string; offline: { etcdTag: string } }> {
    const img = await ensureNodeImage();
    if ((await run([this.docker, "image", "inspect", img.ref], { reject: false })).exitCode !== 0) {
      await run([this.docker, "load", "-i", img.archive], { timeoutMs: 900_000 });
    }
    return { ref: img.ref, offline: { etcdTag: img.etcdTag } };
  }

  exec(node: string, argv: string[], opts: { input?: string; inputFile?: string; reject?: boolean; timeoutMs?: number } = {}) {
    return run([this.docker, "exec", ...(opts.input !== undefined || opts.inputFile !== undefined ? ["-i"] : []), node, ...argv], { ...opts, timeoutMs: opts.timeoutMs ?? 120_000 });
  }

  pid(node: string): Promise<number> {
    return containerPid(this.docker, node);
  }

  removeNodes(cluster: string): Promise<string[]> {
    return removeLabelledNodes(this.docker, cluster);
  }

  async stop(): Promise<void> {
    const rec = await this.record.read();
    if (rec.network && (await this.answers())) await run([this.docker, "network", "rm", KIND_NETWORK], { reject: false });
    if (rec.dockerdPid) await stopProcess(rec.dockerdPid, 30_000);
    for (const pid of await findProcesses((cmd) => cmd.includes("docker-proxy") && cmd.includes(join(this.bin, "docker-proxy")))) await stopProcess(pid, 5_000);
    if (rec.containerdPid) await stopProcess(rec.containerdPid, 15_000);
    for (const pid of await findProcesses((cmd) => cmd.includes("containerd-shim") && cmd.includes(this.containerdSock))) await stopProcess(pid, 10_000);
    // A shim stopped before it unmounted leaves its container's rootfs mounted.
    for (const m of mountsUnder([RUN_DIR, this.dataRoot, this.containerdRoot])) {
      if ((await run(["umount", m], { reject: false })).exitCode !== 0) await run(["umount", "-l", m], { reject: false });
    }
    await restoreHost(rec, () => false, (l) => l === DOCKERD_BRIDGE && rec.network !== undefined);
    await rm(RUN_DIR, { recursive: true, force: true });
    await this.record.remove();
  }

  async describe(): Promise<string[]> {
    const rec = await this.record.read();
    const up = rec.dockerdPid !== undefined && isAlive(rec.dockerdPid);
    return [`engine: nodrop's own Docker engine (dockerd ${up ? `pid ${rec.dockerdPid}` : "not running"}, socket ${this.sock}), data root ${this.dataRoot}`];
  }
}
