// The machine-wide record of the running local cluster (its folder, its
// daemons' pids, the host state it changed), so `down` finds it from any
// clone, and the order its daemons stop in.
import { readFileSync } from "node:fs";
import type { ChainSnapshot } from "./local-host.ts";

export const RUN_DIR = "/run/nodrop-local";
/** Machine-wide record of the running local cluster, so `down` finds it from any clone. */
export const RECORD = `${RUN_DIR}/cluster.json`;

export interface LocalRecord {
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
export const STOP_ORDER = ["kube-proxy", "kubelet", "containerd", "kube-scheduler", "kube-controller-manager", "kube-apiserver", "etcd"];

export function readRecord(): LocalRecord | undefined {
  try {
    return JSON.parse(readFileSync(RECORD, "utf8")) as LocalRecord;
  } catch {
    return undefined;
  }
}
