// The host state the local cluster creates, and how to remove exactly that:
// its cgroup root, the iptables chains kube-proxy/kubelet/CNI made that did
// not exist before, the network namespaces attached to its bridge, and the
// sysctls it changed (restored). Another cluster, container engine or test
// on the same machine keeps its own processes, chains and namespaces.
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rmdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { run } from "../exec.ts";

/** kubelet's cgroupRoot: every pod (and so every container process) lives below it. */
export const CGROUP_ROOT = "nodrop";
const CGROUP_FS = "/sys/fs/cgroup";

/**
 * Which cgroup layout the host has: "v2" when /sys/fs/cgroup is the unified
 * hierarchy (it holds cgroup.controllers: Ubuntu 22.04+, Debian 12 installs
 * with systemd, GitHub's runners), else "v1" (a folder per controller, with
 * or without a unified/ beside them).
 */
export function cgroupLayout(root: string = CGROUP_FS): "v1" | "v2" {
  return existsSync(join(root, "cgroup.controllers")) ? "v2" : "v1";
}

/** Why the local provider cannot run on this layout, or undefined. */
export function cgroupProblem(layout: "v1" | "v2"): string | undefined {
  if (layout === "v1") return undefined;
  return (
    "this host runs cgroup v2 (/sys/fs/cgroup is the unified hierarchy); the local provider's kubelet " +
    "(cgroupfs driver, a cgroup root per controller) and its teardown are built for cgroup v1. " +
    "Use --provider kind (kind on Docker, or on nodrop's own containerd), which runs the nodes in containers on either layout"
  );
}

async function cgroupMounts(): Promise<string[]> {
  try {
    return (await readdir(CGROUP_FS, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => join(CGROUP_FS, e.name));
  } catch {
    return [];
  }
}

/** Creates the cgroup root in every hierarchy (kubelet refuses a root that does not exist). */
export async function prepareCgroupRoot(): Promise<void> {
  for (const m of await cgroupMounts()) {
    const dir = join(m, CGROUP_ROOT);
    await mkdir(dir, { recursive: true }).catch(() => {});
    // A new cpuset cgroup starts with no CPUs and no memory nodes: copy the parent's.
    for (const f of ["cpuset.cpus", "cpuset.mems"]) {
      const parent = await readFile(join(m, f), "utf8").catch(() => undefined);
      if (parent !== undefined) await writeFile(join(dir, f), parent.trim()).catch(() => {});
    }
  }
}

/** Every process below the cluster's cgroup root. */
export async function cgroupRootProcesses(): Promise<number[]> {
  const pids = new Set<number>();
  const visit = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isDirectory()) await visit(join(dir, e.name));
      else if (e.name === "cgroup.procs") {
        const text = await readFile(join(dir, e.name), "utf8").catch(() => "");
        for (const l of text.split("\n")) if (/^\d+$/.test(l)) pids.add(Number(l));
      }
    }
  };
  for (const m of await cgroupMounts()) await visit(join(m, CGROUP_ROOT));
  pids.delete(process.pid);
  return [...pids];
}

/** Removes the (empty) cgroup root, deepest first. */
export async function removeCgroupRoot(): Promise<void> {
  const rmdirDeep = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) if (e.isDirectory()) await rmdirDeep(join(dir, e.name));
    await rmdir(dir).catch(() => {});
  };
  for (const m of await cgroupMounts()) await rmdirDeep(join(m, CGROUP_ROOT));
}

// ---------------------------------------------------------------------------
// iptables

export const TABLES = ["filter", "nat", "mangle"] as const;
export type ChainSnapshot = Record<string, string[]>;

/**
 * Chains that kube-proxy (iptables mode), the kubelet and the CNI portmap
 * plugin create; anything else (another tool's KUBE-TEST, DOCKER, ...) is
 * never ours.
 */
export function isClusterChain(name: string, egressChain: string): boolean {
  if (name === egressChain) return true;
  if (
    [
      "KUBE-SERVICES",
      "KUBE-EXTERNAL-SERVICES",
      "KUBE-NODEPORTS",
      "KUBE-POSTROUTING",
      "KUBE-MARK-MASQ",
      "KUBE-MARK-DROP",
      "KUBE-FORWARD",
      "KUBE-PROXY-FIREWALL",
      "KUBE-FIREWALL",
      "KUBE-PROXY-CANARY",
      "KUBE-KUBELET-CANARY",
      "KUBE-IPTABLES-HINT",
      "KUBE-LOAD-BALANCER",
      "CNI-HOSTPORT-DNAT",
      "CNI-HOSTPORT-MASQ",
      "CNI-HOSTPORT-SETMARK",
    ].includes(name)
  ) {
    return true;
  }
  return /^KUBE-(SVC|SVL|SEP|FW|XLB|EXT)-[A-Z0-9]{16}$/.test(name) || /^CNI-DN-[0-9a-f]{17,}$/.test(name);
}

async function chainsOf(table: string): Promise<{ chains: string[]; rules: string[] }> {
  const r = await run(["iptables-save", "-t", table], { reject: false });
  const lines = r.stdout.split("\n");
  return { chains: lines.filter((l) => l.startsWith(":")).map((l) => l.slice(1).split(" ")[0]!), rules: lines.filter((l) => l.startsWith("-A ")) };
}

export async function snapshotChains(): Promise<ChainSnapshot> {
  const out: ChainSnapshot = {};
  for (const t of TABLES) out[t] = (await chainsOf(t)).chains;
  return out;
}

/** Removes the cluster's chains that were not there before it came up (and the rules jumping to them). */
export async function removeClusterChains(before: ChainSnapshot | undefined, egressChain: string, isOurs: (chain: string) => boolean = (c) => isClusterChain(c, egressChain)): Promise<string[]> {
  const removed: string[] = [];
  for (const table of TABLES) {
    const { chains, rules } = await chainsOf(table);
    const pre = new Set(before?.[table] ?? []);
    const ours = chains.filter((c) => isOurs(c) && !pre.has(c));
    const oursSet = new Set(ours);
    // Rules in other chains that jump to ours must go before the chain can.
    // Deleted by position (last first), not by spec: comments with escaped
    // quotes (the CNI plugins' "name: \"kind\" ...") do not survive re-parsing.
    const position = new Map<string, number>();
    const doomed: [string, number][] = [];
    for (const line of rules) {
      const owner = line.slice(3).split(" ")[0]!;
      const n = (position.get(owner) ?? 0) + 1;
      position.set(owner, n);
      const m = / -j (\S+)/.exec(line);
      if (m && oursSet.has(m[1]!) && !oursSet.has(owner)) doomed.push([owner, n]);
    }
    for (const [owner, n] of doomed.reverse()) await run(["iptables", "-w", "-t", table, "-D", owner, String(n)], { reject: false });
    for (const c of ours) await run(["iptables", "-w", "-t", table, "-F", c], { reject: false });
    for (const c of ours) {
      const r = await run(["iptables", "-w", "-t", table, "-X", c], { reject: false });
      if (r.exitCode === 0) removed.push(`${table}/${c}`);
    }
  }
  return removed;
}

// ---------------------------------------------------------------------------
// network namespaces

/**
 * Network namespaces whose veth peer is enslaved to the cluster's bridge: the
 * pods' sandboxes. An unrelated namespace (even with an address in the same
 * range) is not attached to our bridge and is never touched.
 */
export async function bridgeNetns(bridge: string): Promise<string[]> {
  const links = safeJson<{ link_netnsid?: number }[]>((await run(["ip", "-j", "link", "show", "master", bridge], { reject: false })).stdout) ?? [];
  const ids = new Set(links.map((l) => l.link_netnsid).filter((x): x is number => x !== undefined));
  if (ids.size === 0) return [];
  const ns = safeJson<{ name: string; id?: number }[]>((await run(["ip", "-j", "netns", "list"], { reject: false })).stdout) ?? [];
  return ns.filter((n) => n.id !== undefined && ids.has(n.id)).map((n) => n.name);
}

// ---------------------------------------------------------------------------
// sysctls

/** Sets sysctls (paths below /proc/sys); returns the values they had before. */
export async function setSysctls(values: Record<string, string>, warn: (m: string) => void): Promise<Record<string, string>> {
  const before: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) {
    const file = `/proc/sys/${k}`;
    const old = (await readFile(file, "utf8").catch(() => undefined))?.trim();
    if (old === undefined) {
      warn(`sysctl ${k}: cannot be read`);
      continue;
    }
    if (old === v) continue;
    try {
      await writeFile(file, v);
      before[k] = old;
    } catch (e) {
      warn(`sysctl ${k}=${v}: ${(e as Error).message}`);
    }
  }
  return before;
}

export async function restoreSysctls(before: Record<string, string>, warn: (m: string) => void): Promise<void> {
  for (const [k, v] of Object.entries(before)) {
    await writeFile(`/proc/sys/${k}`, v).catch((e) => warn(`restoring sysctl ${k}=${v}: ${(e as Error).message}`));
  }
}

function safeJson<T>(s: string): T | undefined {
  try {
    return JSON.parse(s) as T;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------
// /run/netns

/**
 * Makes /run/netns a shared mount point before containerd puts the pods'
 * network namespaces there, as `ip netns add` does the first time it runs.
 * Otherwise the first `ip netns add` by anyone during a run bind-mounts
 * /run/netns over itself, the pods' netns mounts end up hidden below it and
 * can no longer be deleted (measured: `ip netns delete` fails with EBUSY).
 * Left in place on teardown, as iproute2 leaves it.
 */
export async function ensureNetnsMountPoint(): Promise<void> {
  const dir = "/run/netns";
  await mkdir(dir, { recursive: true });
  const mountinfo = await readFile("/proc/self/mountinfo", "utf8").catch(() => "");
  if (mountinfo.split("\n").some((l) => l.split(" ")[4] === dir)) return;
  await run(["mount", "--bind", dir, dir]);
  await run(["mount", "--make-shared", dir]);
}
