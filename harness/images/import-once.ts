// An image archive imported into a containerd only when that containerd does
// not hold it already: after an import, the digest the archive gave is noted
// (by the archive's path, size and modification time, in the state dir); the
// next time, one `ctr images ls` that finds the wanted name at that digest
// skips the import. Measured on the local cluster: `ctr images import` of the
// sample app's archive 1.15 s, `ctr images ls` 0.05 s — per run, and per
// image (the k6-operator's three, PostgreSQL's, the ingress controllers').
// The check is against the containerd itself, so a cluster brought up anew,
// or an image removed by hand, is imported again.
import { createHash } from "node:crypto";
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { stateDir } from "../paths.ts";
import { type Ctr, nameImported } from "./containerd-names.ts";

interface Noted {
  archive: string;
  size: number;
  mtimeMs: number;
  digest: string;
}

/** Where the digest an archive gave is noted (one small file per archive path). */
export function notesDir(): string {
  return join(stateDir(), "image-imports");
}

function noteFile(archive: string, dir: string): string {
  return join(dir, `${createHash("sha256").update(resolve(archive)).digest("hex").slice(0, 16)}.json`);
}

async function noted(archive: string, dir: string): Promise<Noted | undefined> {
  try {
    const n = JSON.parse(await readFile(noteFile(archive, dir), "utf8")) as Noted;
    const st = await stat(archive);
    return n.archive === resolve(archive) && n.size === st.size && n.mtimeMs === st.mtimeMs ? n : undefined;
  } catch {
    return undefined;
  }
}

async function note(archive: string, digest: string, dir: string): Promise<void> {
  const st = await stat(archive);
  const file = noteFile(archive, dir);
  await mkdir(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify({ archive: resolve(archive), size: st.size, mtimeMs: st.mtimeMs, digest } satisfies Noted));
  await rename(tmp, file);
}

/**
 * `ref` from `archive` into the containerd `ctr` talks to: skipped (returns
 * false) when it holds `ref` at the digest this archive gave before;
 * otherwise `load()` imports it, the name is checked (and a digest reference
 * named, images/containerd-names.ts), and the digest noted (returns true).
 */
export async function importOnce(ctr: Ctr, archive: string, ref: string, where: string, load: () => Promise<unknown>, dir = notesDir()): Promise<boolean> {
  const before = await noted(archive, dir);
  if (before) {
    const rows = (await ctr(["images", "ls"])).stdout.split("\n").map((l) => l.split(/\s+/));
    if (rows.some((c) => c[0] === ref && c[2] === before.digest)) return false;
  }
  await load();
  const digest = await nameImported(ctr, ref, archive, where);
  await note(archive, digest, dir).catch(() => {});
  return true;
}
