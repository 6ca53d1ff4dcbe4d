// A throwaway containerd over a folder that becomes the node image's
// /var/lib/containerd: images imported through it are unpacked exactly as
// the node's own containerd (the same Debian build) will find them.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { run, type RunResult } from "../../exec.ts";
import { waitFor } from "../../wait.ts";
import { isAlive, stopProcess, tail } from "../procs.ts";

export interface PreloadContainerd {
  ctr(args: string[]): Promise<RunResult>;
  stop(): Promise<void>;
}

/** A containerd without CRI (images and containers only) with its own root, state and socket. */
export function plainContainerdConfig(p: { root: string; state: string; sock: string; opt: string }): string {
  return `# Written by nodrop: a containerd of its own, next to any other on the machine.
version = 2
root = "${p.root}"
state = "${p.state}"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]
[grpc]
  address = "${p.sock}"
[ttrpc]
  address = "${p.sock}.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "${p.opt}"
`;
}

export async function startPreloadContainerd(root: string, state: string): Promise<PreloadContainerd> {
  await mkdir(root, { recursive: true });
  await mkdir(state, { recursive: true });
  const sock = join(state, "c.sock");
  const config = join(state, "config.toml");
  const logFile = join(state, "containerd.log");
  await writeFile(config, plainContainerdConfig({ root, state: join(state, "run"), sock, opt: join(state, "opt") }));
  const fd = openSync(logFile, "a");
  const child = spawn("/usr/bin/containerd", ["--config", config], { stdio: ["ignore", fd, fd], env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" } });
  closeSync(fd);
  const pid = child.pid;
  if (!pid) throw new Error("could not start containerd for the node image's preload");
  const ctr = (args: string[]) => run(["ctr", "--address", sock, "--namespace", "k8s.io", ...args], { timeoutMs: 600_000 });
  await waitFor("the preload containerd to answer", async () => (await run(["ctr", "--address", sock, "version"], { reject: false })).exitCode === 0, {
    timeoutMs: 60_000,
    intervalMs: 200,
    fatal: () => (isAlive(pid) ? undefined : "containerd exited"),
    diagnose: () => `---- last lines of ${logFile} ----\n${tail(logFile, 20)}`,
  });
  return { ctr, stop: () => stopProcess(pid, 15_000) };
}
