// cgroup v1 controllers the kernel offers but the host never mounted
// (hugetlb, perf_event, net_cls,net_prio on these machines). systemd inside a
// kind node would mount them at their root, and the kubelet then fails
// ("cgroup [kubelet] has some missing paths: /sys/fs/cgroup/hugetlb/
// kubelet.slice"). Mounted on the host first, they reach every node as its
// own subtree, like the others. The engine records what it mounted and
// unmounts it at the end.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { run } from "../../exec.ts";
import { log } from "../../log.ts";

/** Controllers systemd mounts together when they have no hierarchy yet (its JoinControllers default). */
const JOINED: Record<string, string> = { cpu: "cpu,cpuacct", cpuacct: "cpu,cpuacct", net_cls: "net_cls,net_prio", net_prio: "net_cls,net_prio" };

/**
 * The mounts to make, each a list of controllers (one hierarchy), from
 * /proc/cgroups and the controllers mounted in this mount namespace.
 * Hierarchy 0 means mounted nowhere yet (a fresh host): such controllers are
 * grouped as systemd would; a non-zero hierarchy mounted elsewhere (e.g. in
 * a node container) is mounted with the controllers that share it.
 */
export function missingCgroupMounts(procCgroups: string, mounted: ReadonlySet<string>): string[][] {
  const groups = new Map<string, string[]>();
  for (const line of procCgroups.split("\n").slice(1)) {
    const [name, hier, , enabled] = line.trim().split(/\s+/);
    if (!name || enabled !== "1" || mounted.has(name)) continue;
    const key = hier === "0" ? `new:${JOINED[name] ?? name}` : `hier:${hier}`;
    groups.set(key, [...(groups.get(key) ?? []), name]);
  }
  return [...groups.values()].map((g) => g.sort());
}

/** Controller names mounted in this mount namespace, from mountinfo. */
export function mountedControllers(mountinfo: string): Set<string> {
  return new Set(
    mountinfo
      .split("\n")
      .filter((l) => l.includes(" - cgroup "))
      .flatMap((l) => (l.split(" - cgroup ")[1]?.split(" ")[1] ?? "").split(","))
      .filter((o) => o !== "rw" && o !== "ro"),
  );
}

/** Mounts the missing hierarchies (cgroup v1 hosts only); returns the new mount points. */
export async function mountMissingCgroups(already: string[]): Promise<string[]> {
  if (existsSync("/sys/fs/cgroup/cgroup.controllers")) return []; // cgroup v2: nothing to do
  const plan = missingCgroupMounts(await readFile("/proc/cgroups", "utf8"), mountedControllers(readFileSync("/proc/self/mountinfo", "utf8")));
  const out: string[] = [];
  for (const names of plan) {
    const point = `/sys/fs/cgroup/${names.join(",")}`;
    if (already.includes(point)) continue;
    mkdirSync(point, { recursive: true });
    await run(["mount", "-t", "cgroup", "-o", names.join(","), "cgroup", point]);
    out.push(point);
  }
  return out;
}

export async function unmountCgroup(point: string): Promise<void> {
  // Leftover empty child cgroups (kubelet's) go first; a busy one keeps the mount.
  const r = await run(["find", point, "-mindepth", "1", "-type", "d", "-depth"], { reject: false });
  for (const d of r.stdout.split("\n").filter(Boolean)) await run(["rmdir", d], { reject: false });
  const u = await run(["umount", point], { reject: false });
  if (u.exitCode === 0) await run(["rmdir", point], { reject: false });
  else log.warn(`could not unmount ${point}: ${u.stderr.trim()}`);
}
