// The local cluster's teardown: its processes (the recorded daemons, the
// containers below its cgroup root, strays of a lost record), its network
// namespaces and links, the iptables chains it made, its mounts, its cgroup
// root and sysctls, then its state (the last cluster's logs are kept). Only
// what the record (local-record.ts) says the cluster made is removed.
import { existsSync } from "node:fs";
import { cp, mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { run } from "../exec.ts";
import { log } from "../log.ts";
import { waitFor } from "../wait.ts";
import { LOCAL, type LocalPaths } from "./local-config.ts";
import { bridgeNetns, cgroupRootProcesses, removeCgroupRoot, removeClusterChains, restoreSysctls } from "./local-host.ts";
import { readRecord, RUN_DIR, STOP_ORDER } from "./local-record.ts";
import { findProcesses, isAlive, mountsUnder, stopProcess } from "./procs.ts";

/** Tears down the recorded cluster and whatever a crash left of one in `p`'s folders. */
export async function tearDown(p: LocalPaths, opts: { quiet?: boolean } = {}): Promise<void> {
  const say = opts.quiet ? () => {} : (m: string) => log.ok(m);
  const rec = readRecord();
  const dirs = [...new Set([rec?.dir, p.dir].filter((d): d is string => !!d))];

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
  for (const pid of await findProcesses((cmd) => cmd.includes("containerd-shim") && cmd.includes(p.containerdSock))) {
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
