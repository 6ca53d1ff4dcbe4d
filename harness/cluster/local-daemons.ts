// The local cluster's daemons as host processes: starting one detached from
// nodrop (its output in logs/<name>.log), waiting until it is healthy (failing
// at once, with its log tail, if it died), and asking the running ones:
// containerd through ctr, the node's readiness through the API server.
import { importPlatformArgs } from "../images/containerd-names.ts";
import { importOnce } from "../images/import-once.ts";
import { join } from "node:path";
import { run } from "../exec.ts";
import { Kube } from "../kube.ts";
import { waitFor } from "../wait.ts";
import { spawnDetached } from "./daemon.ts";
import { LOCAL } from "./local-config.ts";
import { readRecord } from "./local-record.ts";
import { isAlive, tail } from "./procs.ts";

export interface ComponentSpec {
  name: string;
  argv: string[];
}

export async function nodeReady(kubeconfigPath: string): Promise<boolean> {
  const node = await new Kube(kubeconfigPath).core.readNode({ name: LOCAL.nodeName });
  return node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

/** Waits on a health check; fails at once if the component died, with its log tail. */
export async function waitHealthy(logs: string, what: string, check: () => Promise<boolean>, timeoutMs: number, component = what): Promise<void> {
  const rec = () => readRecord();
  await waitFor(what, check, {
    timeoutMs,
    intervalMs: 200,
    fatal: () => {
      const pid = rec()?.pids[component];
      return pid !== undefined && !isAlive(pid) ? `${component} exited` : undefined;
    },
    diagnose: () => `---- last lines of ${join(logs, `${component}.log`)} ----\n${tail(join(logs, `${component}.log`), 25)}`,
  });
}

/** Starts a daemon detached from this process, its output in logs/<name>.log. */
export function spawnDaemon(logs: string, c: ComponentSpec): number {
  // A clean PATH: components find iptables, conntrack, runc and the shim in the system dirs.
  return spawnDetached(c.argv, join(logs, `${c.name}.log`), { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", HOME: "/root" });
}

export function ctr(containerdSock: string, args: string[], reject = true) {
  return run(["ctr", "--address", containerdSock, "--namespace", "k8s.io", ...args], { reject, timeoutMs: 120_000 });
}

/** An image archive into the cluster's containerd, named as a digest-pinned pod asks for it (images/containerd-names.ts). */
export async function importImage(containerdSock: string, archive: string, ref: string): Promise<void> {
  const c = (args: string[]) => ctr(containerdSock, args);
  await importOnce(c, archive, ref, "the local cluster's containerd", () => c(["images", "import", "--no-unpack=false", ...importPlatformArgs(), archive]));
}
