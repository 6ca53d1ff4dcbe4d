// kind's nerdctl provider on a containerd of nodrop's own (Debian's 1.6), for
// machines where no Docker engine can start privileged containers. What this
// engine does to the host it records and undoes in stop() (host-setup.ts:
// ip_forward, missing cgroup mounts, the egress guard), and beside that:
//   - containerd with its own socket, state and config (the image store is
//     kept in the cache, like the tools, so the node image is imported once);
//   - the "kind" network nerdctl creates, and the CNI chains it leaves;
//   - a masquerade for loopback sources (the portmap plugin masquerades only
//     127.0.0.1; nodrop's readiness probe comes from 127.0.0.2).
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { run } from "../../exec.ts";
import { log } from "../../log.ts";
import { requireTool, toolPaths } from "../../tools.ts";
import { spawnDetached, waitDaemon } from "../daemon.ts";
import { findProcesses, isAlive, mountsUnder, stopProcess } from "../procs.ts";
import { stateDir } from "../provider.ts";
import { containerPid, KIND_NETWORK, type KindEngine, removeLabelledNodes } from "./engine.ts";
import { EngineRecordFile, guardEgress, type HostRecord, prepareHost, restoreHost } from "./host-setup.ts";
import { ensureNodeImage } from "./node-image.ts";
import { plainContainerdConfig } from "./preload.ts";

const RUN_DIR = "/run/nodrop-kind";
const NAMESPACE = "nodrop-kind";
const MASQ_CHAIN = "NODROP-KIND-MASQ";

interface EngineRecord extends HostRecord {
  containerdPid?: number;
}

export class NerdctlEngine implements KindEngine {
  readonly name = "nerdctl" as const;
  readonly proxiedPorts = false;
  private readonly dir = join(stateDir(), "kind", "engine");
  private readonly root = join(toolPaths().cacheDir, "kind-engine", "containerd");
  private readonly sock = `${RUN_DIR}/containerd.sock`;
  private readonly record = new EngineRecordFile<EngineRecord>(join(this.dir, "engine.json"));
  private readonly logFile = join(this.dir, "containerd.log");

  private get nerdctl(): string {
    return toolPaths().nerdctl;
  }

  async unavailable(): Promise<string | undefined> {
    if (process.getuid?.() !== 0) return "nerdctl on nodrop's own containerd must run as root";
    for (const b of ["/usr/bin/containerd", "/usr/bin/ctr", "/usr/sbin/runc", "/usr/lib/cni/bridge", "/usr/sbin/debootstrap"]) {
      if (!existsSync(b)) return `${b} is missing: run \`make tools-kind\``;
    }
    if (!existsSync(this.nerdctl)) return `nerdctl is not built (${this.nerdctl}): run \`make tools-kind\``;
    return undefined;
  }

  private readonly saveRecord = (r: EngineRecord) => this.record.save(r);

  private ctr(args: string[], reject = true) {
    return run(["ctr", "--address", this.sock, "--namespace", NAMESPACE, ...args], { reject, timeoutMs: 600_000 });
  }

  private async answers(): Promise<boolean> {
    return (await run(["ctr", "--address", this.sock, "version"], { reject: false, timeoutMs: 10_000 })).exitCode === 0;
  }

  async start(): Promise<void> {
    requireTool(this.nerdctl, "nerdctl (make tools-kind)");
    const rec = await this.record.read();
    if (rec.containerdPid && isAlive(rec.containerdPid) && (await this.answers())) return;
    await mkdir(this.dir, { recursive: true });
    await mkdir(RUN_DIR, { recursive: true });
    await mkdir(this.root, { recursive: true });
    await prepareHost(rec, this.saveRecord);
    await writeFile(join(this.dir, "config.toml"), this.containerdConfig());
    await writeFile(join(this.dir, "nerdctl.toml"), this.nerdctlConfig());
    await mkdir(join(this.dir, "cni"), { recursive: true });
    await this.writeWrapper();
    rec.containerdPid = spawnDetached(["/usr/bin/containerd", "--config", join(this.dir, "config.toml")], this.logFile, { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", HOME: "/root" });
    await this.saveRecord(rec);
    await waitDaemon("kind's containerd to answer", () => this.answers(), { pid: rec.containerdPid, name: "containerd", logFile: this.logFile, timeoutMs: 60_000 });
  }

  /**
   * kind asks for `--restart=on-failure:1`, which containerd 1.6's restart
   * monitor does not offer (only always/no); nerdctl refuses it. The wrapper
   * kind finds first on PATH turns it into `--restart=no` and passes the rest.
   */
  private async writeWrapper(): Promise<void> {
    const bin = join(this.dir, "bin");
    await mkdir(bin, { recursive: true });
    await writeFile(
      join(bin, "nerdctl"),
      `#!/usr/bin/env bash
# Written by nodrop (harness/cluster/kind/nerdctl-engine.ts): containerd 1.6 has no on-failure restart policy.
args=()
for a in "$@"; do case $a in --restart=on-failure:*) args+=(--restart=no) ;; *) args+=("$a") ;; esac; done
export NERDCTL_TOML=${join(this.dir, "nerdctl.toml")}
exec ${this.nerdctl} "\${args[@]}"
`,
      { mode: 0o755 },
    );
  }

  private containerdConfig(): string {
    return plainContainerdConfig({ root: this.root, state: `${RUN_DIR}/state`, sock: this.sock, opt: join(this.dir, "opt") });
  }

  private nerdctlConfig(): string {
    return `address = "unix://${this.sock}"
namespace = "${NAMESPACE}"
cni_path = "/usr/lib/cni"
cni_netconfpath = "${join(this.dir, "cni")}"
data_root = "${join(this.dir, "nerdctl")}"
cgroup_manager = "cgroupfs"
`;
  }

  env(): Record<string, string> {
    return {
      ...(process.env as Record<string, string>),
      KIND_EXPERIMENTAL_PROVIDER: "nerdctl",
      NERDCTL_TOML: join(this.dir, "nerdctl.toml"),
      PATH: `${join(this.dir, "bin")}:${process.env["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin"}`,
    };
  }

  async nodeImage(): Promise<{ ref: string; offline: { etcdTag: string } }> {
    const img = await ensureNodeImage();
    const have = await this.ctr(["images", "ls", "-q"], false);
    if (!have.stdout.split("\n").includes(img.ref)) {
      log.info(`importing the node image ${img.ref} into kind's containerd`);
      await this.ctr(["images", "import", img.archive]);
    }
    return { ref: img.ref, offline: { etcdTag: img.etcdTag } };
  }

  exec(node: string, argv: string[], opts: { input?: string; inputFile?: string; reject?: boolean; timeoutMs?: number } = {}) {
    return run([join(this.dir, "bin", "nerdctl"), "exec", ...(opts.input !== undefined || opts.inputFile !== undefined ? ["-i"] : []), node, ...argv], { ...opts, timeoutMs: opts.timeoutMs ?? 120_000 });
  }

  /** Called once the kind network exists: node containers may not reach beyond this machine; loopback sources are masqueraded. */
  async hostNetworking(): Promise<void> {
    const r = await run([join(this.dir, "bin", "nerdctl"), "network", "inspect", "-f", "{{range .IPAM.Config}}{{.Subnet}} {{end}}", KIND_NETWORK], { reject: false });
    const subnet = r.stdout.trim().split(/\s+/).find((s) => /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(s));
    if (!subnet) throw new Error(`could not read the subnet of nerdctl network '${KIND_NETWORK}': ${r.stdout} ${r.stderr}`);
    await guardEgress(await this.record.read(), this.saveRecord, subnet, await this.bridgeName());
    // The portmap plugin masquerades only 127.0.0.1; nodrop's readiness probe
    // comes from 127.0.0.2 (harness/target.ts), which a node cannot answer.
    await run(["iptables", "-w", "-t", "nat", "-N", MASQ_CHAIN], { reject: false });
    await run(["iptables", "-w", "-t", "nat", "-F", MASQ_CHAIN]);
    await run(["iptables", "-w", "-t", "nat", "-A", MASQ_CHAIN, "-s", "127.0.0.0/8", "-d", subnet, "-j", "MASQUERADE"]);
    if ((await run(["iptables", "-w", "-t", "nat", "-C", "POSTROUTING", "-j", MASQ_CHAIN], { reject: false })).exitCode !== 0) {
      await run(["iptables", "-w", "-t", "nat", "-I", "POSTROUTING", "1", "-j", MASQ_CHAIN]);
    }
  }

  pid(node: string): Promise<number> {
    return containerPid(join(this.dir, "bin", "nerdctl"), node);
  }

  removeNodes(cluster: string): Promise<string[]> {
    return removeLabelledNodes(join(this.dir, "bin", "nerdctl"), cluster);
  }

  private async bridgeName(): Promise<string> {
    const file = join(this.dir, "cni", `nerdctl-${KIND_NETWORK}.conflist`);
    const conf = JSON.parse(await readFile(file, "utf8")) as { plugins?: { type?: string; bridge?: string }[] };
    const bridge = conf.plugins?.find((p) => p.type === "bridge")?.bridge;
    if (!bridge || !/^[\w.-]+$/.test(bridge)) throw new Error(`no bridge named in ${file}`);
    return bridge;
  }

  async stop(): Promise<void> {
    const rec = await this.record.read();
    const nerdctl = join(this.dir, "bin", "nerdctl");
    if (existsSync(nerdctl) && (await this.answers())) {
      // The network goes through nerdctl so that its CNI plugins remove their own rules.
      await run([nerdctl, "network", "rm", KIND_NETWORK], { reject: false });
    }
    if (rec.containerdPid) await stopProcess(rec.containerdPid, 15_000);
    for (const pid of await findProcesses((cmd) => cmd.includes("containerd-shim") && cmd.includes(this.sock))) await stopProcess(pid, 10_000);
    // A shim stopped before it unmounted leaves its container's rootfs mounted.
    for (const m of mountsUnder([RUN_DIR, this.root])) {
      if ((await run(["umount", m], { reject: false })).exitCode !== 0) await run(["umount", "-l", m], { reject: false });
    }
    // The CNI plugins' own chains (portmap, firewall, nerdctl's isolation,
    // per-container masquerade); the bridge plugin never deletes its bridge,
    // which nerdctl names br-<network id>.
    await restoreHost(rec, (c) => c === MASQ_CHAIN || c.startsWith("CNI-"), (l) => /^br-[0-9a-f]{12}$/.test(l));
    await rm(RUN_DIR, { recursive: true, force: true });
    await this.record.remove();
  }

  async describe(): Promise<string[]> {
    const rec = await this.record.read();
    const up = rec.containerdPid !== undefined && isAlive(rec.containerdPid);
    return [`engine: nerdctl on nodrop's containerd (${up ? `pid ${rec.containerdPid}` : "not running"}), image store ${this.root}`];
  }
}
