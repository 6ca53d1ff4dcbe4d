// What a kind engine of nodrop's own (nerdctl-engine.ts, dockerd-engine.ts)
// does to this machine, recorded before it is done so that stop() undoes
// exactly that and nothing else:
//   - the iptables chains and network links there before (only chains and
//     bridges that appeared after are ever removed);
//   - net.ipv4.ip_forward on, before the first node starts (restored): a
//     node's network namespace starts with the host's value, and a node
//     without forwarding cannot pass NodePort traffic on to pods (kubeadm
//     refuses it too). Docker's own daemon turns it on at start; nodrop's
//     runs with --ip-forward=false and leaves that to this file;
//   - cgroup v1 controllers the host has but has not mounted (cgroups.ts),
//     so each node container gets its own subtree of them;
//   - an egress guard: node containers may talk to each other and to this
//     machine, never beyond it.
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { run } from "../../exec.ts";
import { log } from "../../log.ts";
import { type ChainSnapshot, removeClusterChains, restoreSysctls, setSysctls, snapshotChains } from "../local-host.ts";
import { mountMissingCgroups, unmountCgroup } from "./cgroups.ts";

export const EGRESS_CHAIN = "NODROP-KIND-EGRESS";

export interface HostRecord {
  chainsBefore?: ChainSnapshot;
  linksBefore?: string[];
  mountedCgroups: string[];
  egressSubnet?: string;
  /** Host sysctls the engine changed, with the values they had before. */
  sysctls?: Record<string, string>;
}

/** A JSON record file an engine keeps of what it did (its own fields beside HostRecord's). */
export class EngineRecordFile<R extends HostRecord> {
  constructor(private readonly file: string) {}

  async read(): Promise<R> {
    try {
      return JSON.parse(await readFile(this.file, "utf8")) as R;
    } catch {
      return { mountedCgroups: [] } as unknown as R;
    }
  }

  async save(r: R): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    await writeFile(this.file, JSON.stringify(r, null, 2));
  }

  remove(): Promise<void> {
    return rm(this.file, { force: true });
  }
}

/** Before the engine starts: snapshots first, then ip_forward and the missing cgroup mounts, each saved as it is done. */
export async function prepareHost<R extends HostRecord>(rec: R, save: (r: R) => Promise<void>): Promise<void> {
  rec.chainsBefore ??= await snapshotChains();
  rec.linksBefore ??= await linkNames();
  await save(rec);
  rec.sysctls = { ...(await setSysctls({ "net/ipv4/ip_forward": "1" }, (m) => log.warn(m))), ...rec.sysctls };
  await save(rec);
  rec.mountedCgroups = [...rec.mountedCgroups, ...(await mountMissingCgroups(rec.mountedCgroups))];
  await save(rec);
}

/**
 * Once the kind network exists: its nodes may reach each other, this machine
 * and loopback, nothing else. `bridge` is the network's bridge on this
 * machine. Requests to 127.0.0.1:<NodePort> DNATed to a node on the bridge
 * (route_localnet) need arp_announce=2 there: else the host asks for the
 * node's MAC with 127.0.0.1 as the sender, which the node ignores (measured:
 * 2 + 8 failed connections in 7,895; 0 in 13,535 with it). The bridge is the
 * engine's and goes with the network, so nothing needs restoring.
 */
export async function guardEgress<R extends HostRecord>(rec: R, save: (r: R) => Promise<void>, subnet: string, bridge: string): Promise<void> {
  await writeFile(`/proc/sys/net/ipv4/conf/${bridge}/arp_announce`, "2");
  if (rec.egressSubnet === subnet) return;
  rec.egressSubnet = subnet;
  await save(rec);
  await run(["iptables", "-w", "-N", EGRESS_CHAIN], { reject: false });
  await run(["iptables", "-w", "-F", EGRESS_CHAIN]);
  await run(["iptables", "-w", "-A", EGRESS_CHAIN, "-d", subnet, "-j", "RETURN"]);
  // Node to node, pod addresses included (bridged frames pass FORWARD with br_netfilter).
  await run(["iptables", "-w", "-A", EGRESS_CHAIN, "-o", bridge, "-j", "RETURN"]);
  await run(["iptables", "-w", "-A", EGRESS_CHAIN, "-d", "127.0.0.0/8", "-j", "RETURN"]);
  await run(["iptables", "-w", "-A", EGRESS_CHAIN, "-j", "REJECT"]);
  if ((await run(["iptables", "-w", "-C", "FORWARD", "-s", subnet, "-j", EGRESS_CHAIN], { reject: false })).exitCode !== 0) {
    await run(["iptables", "-w", "-I", "FORWARD", "1", "-s", subnet, "-j", EGRESS_CHAIN]);
  }
}

/**
 * Undoes prepareHost and guardEgress: the chains `isOurs` names that were not
 * there before, the links `isOurLink` names that were not there before, the
 * cgroup mounts and the sysctls.
 */
export async function restoreHost(rec: HostRecord, isOurs: (chain: string) => boolean, isOurLink: (link: string) => boolean): Promise<void> {
  if (rec.chainsBefore) await removeClusterChains(rec.chainsBefore, EGRESS_CHAIN, (c) => c === EGRESS_CHAIN || isOurs(c));
  if (rec.linksBefore) {
    for (const l of await linkNames()) if (isOurLink(l) && !rec.linksBefore.includes(l)) await run(["ip", "link", "del", l], { reject: false });
  }
  for (const m of [...rec.mountedCgroups].reverse()) await unmountCgroup(m);
  if (rec.sysctls) await restoreSysctls(rec.sysctls, (m) => log.warn(m));
}

export async function linkNames(): Promise<string[]> {
  const r = await run(["ip", "-o", "link", "show"], { reject: false });
  return r.stdout.split("\n").map((l) => l.split(": ")[1]?.split("@")[0] ?? "").filter(Boolean);
}
