// After an image archive is imported into a containerd the kubelet uses
// (the local cluster's, or each kind node's): make sure the name a pod asks
// for is there. A tag is found by name. A digest reference (repo@sha256:…)
// is found by an image of that repository with that digest, then named so
// too: the CRI finds an imported image by its names only (a pulled one also
// gets its digest reference), measured: ErrImageNeverPull without it.
import type { RunResult } from "../exec.ts";

/** `ctr --namespace k8s.io <args>` against one containerd. */
export type Ctr = (args: string[]) => Promise<RunResult>;

/** This machine's platform as OCI names it (linux/amd64, linux/arm64). */
export function hostPlatform(arch: string = process.arch): string {
  const oci: { [arch: string]: string } = { x64: "amd64", arm64: "arm64", arm: "arm", ppc64: "ppc64le", s390x: "s390x", riscv64: "riscv64" };
  return `linux/${oci[arch] ?? arch}`;
}

/**
 * `ctr images import` flags for the host's platform only: a multi-platform
 * archive often carries just that one's layers (measured: --all-platforms
 * fails on such an archive with "content digest … not found").
 */
export const importPlatformArgs = (): string[] => ["--platform", hostPlatform()];

/** The row of `ctr images ls` (NAME TYPE DIGEST …) that is `ref`, or undefined. */
export function findImported(lsOutput: string, ref: string): { name: string; digest: string } | undefined {
  const rows = lsOutput.split("\n").slice(1).map((l) => l.split(/\s+/)).filter((c) => c.length >= 3);
  const at = ref.indexOf("@");
  const found = at < 0 ? rows.find((c) => c[0] === ref) : rows.find((c) => c[2] === ref.slice(at + 1) && (c[0] === ref || c[0]!.startsWith(`${ref.slice(0, at)}:`)));
  return found ? { name: found[0]!, digest: found[2]! } : undefined;
}

/** Checks that `ref` is in the containerd after importing `archive`, and names it `ref` when it is a digest reference; returns its digest. */
export async function nameImported(ctr: Ctr, ref: string, archive: string, where: string): Promise<string> {
  const ls = await ctr(["images", "ls"]);
  const found = findImported(ls.stdout, ref);
  if (!found) {
    const have = ls.stdout.split("\n").slice(1).map((l) => l.split(/\s+/)).filter((c) => c.length >= 3).map((c) => `${c[0]} ${c[2]}`);
    throw new Error(`image ${ref} not present in ${where} after importing ${archive} (have: ${have.join(", ")})`);
  }
  if (found.name !== ref) await ctr(["images", "tag", "--force", found.name, ref]);
  return found.digest;
}
