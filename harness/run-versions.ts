// What a run ran on, written into summary.json and every nightly record so
// that a history can tell a tool upgrade from a regression: nodrop's own
// version (package version + commit when run from a clone), the cluster's
// Kubernetes version (the API server's), what its nodes run (kubelet,
// container runtime, OS image: the node image, on kind), k6 and kind as
// pinned in versions.env, and the app's images.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as k8s from "@kubernetes/client-node";
import type { Kube } from "./kube.ts";
import { PROJECT_ROOT } from "./cluster/provider.ts";

/** The shape of summary.json, history records and nightly.json; raised when a field changes meaning or goes. */
export const SCHEMA_VERSION = 1;

export interface RunVersions {
  nodrop: string;
  /** The API server's gitVersion; null when it could not be read. */
  kubernetes: string | null;
  /** Distinct "kubelet vX, containerd://Y, OS" of the nodes. */
  nodes: string[];
  k6: string;
  /** provider=kind only. */
  kind: string | null;
  /** The app's images, in rollout order (the sample app's when no --app). */
  app: string[];
}

let own: string | undefined;

/** "0.1.0+8f6d355" from a clone, "0.1.0" from an installed package. */
export function nodropVersion(): string {
  if (own) return own;
  const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8")) as { version?: string };
  let commit = "";
  try {
    commit = execFileSync("git", ["-C", PROJECT_ROOT, "rev-parse", "--short", "HEAD"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 5000 }).trim();
  } catch {
    // not a clone
  }
  own = `${pkg.version ?? "0.0.0"}${commit ? `+${commit}` : ""}`;
  return own;
}

export async function clusterVersions(kube: Kube): Promise<{ kubernetes: string | null; nodes: string[] }> {
  const kubernetes = await kube.kc
    .makeApiClient(k8s.VersionApi)
    .getCode()
    .then((v) => v.gitVersion)
    .catch(() => null);
  const nodes = await kube.core
    .listNode()
    .then((l) => [...new Set(l.items.map((n) => n.status?.nodeInfo).filter((i) => i !== undefined).map((i) => `kubelet ${i.kubeletVersion}, ${i.containerRuntimeVersion}, ${i.osImage}`))].sort())
    .catch(() => []);
  return { kubernetes, nodes };
}

/** The versions whose change a nightly report points out (app images change every night by design). */
export function toolChanges(tonight: RunVersions | undefined, before: readonly (RunVersions | undefined)[]): string[] {
  if (!tonight) return [];
  const keys = ["nodrop", "kubernetes", "nodes", "k6", "kind"] as const;
  const show = (v: RunVersions[(typeof keys)[number]]) => (Array.isArray(v) ? v.join("; ") : String(v));
  const out: string[] = [];
  for (const k of keys) {
    const seen = new Set(before.filter((b): b is RunVersions => b !== undefined).map((b) => show(b[k])));
    if (seen.size && !seen.has(show(tonight[k]))) out.push(`${k}: ${[...seen].join(" | ")} → ${show(tonight[k])}`);
  }
  return out;
}
