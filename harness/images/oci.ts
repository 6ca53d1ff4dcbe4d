// Builds single-layer container images as archives without docker or a
// registry. The archive is an OCI image layout tar that also carries a
// docker-style manifest.json, so `ctr images import` (OCI path, preferred when
// `oci-layout` is present) and `kind load image-archive` both accept it.
//
// Everything is deterministic (uid/gid 0, fixed mtime, sorted entries, fixed
// `created`): the same inputs give the same digests, so re-imports are no-ops.
// The tars themselves are written by tar-writer.ts.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { dirname, posix } from "node:path";
import { FIXED_MTIME, type LayerEntry, TarWriter, writeLayer } from "./tar-writer.ts";

export interface ImageFile {
  /** Absolute path in the image, e.g. /app/server.mjs. */
  path: string;
  /** Host file to copy (symlinks followed). Exactly one of source, content, linkTarget. */
  source?: string;
  content?: string | Buffer;
  /** Makes `path` a symlink to this target. */
  linkTarget?: string;
  /** Default: 0755 for executable sources, else 0644. */
  mode?: number;
}

export interface ImageDir {
  path: string;
  mode: number;
}

export interface ImageSpec {
  /** Full reference with a tag, e.g. "nodrop.local/app:v1" (":latest" is added when missing). */
  name: string;
  files: ImageFile[];
  /** Extra (possibly empty) directories; parents of files are created 0755 anyway. */
  dirs?: (string | ImageDir)[];
  entrypoint: string[];
  cmd?: string[];
  /** KEY=value; PATH gets a default unless given. */
  env?: string[];
  user?: string;
  workingDir?: string;
  exposedPorts?: number[];
  labels?: Record<string, string>;
  /** e.g. "SIGRTMIN+3" for an image whose PID 1 is systemd. */
  stopSignal?: string;
  /**
   * Uncompressed layer tars (e.g. a root filesystem made by GNU tar) placed
   * below the layer built from `files`/`dirs`; that layer is left out when
   * both are empty.
   */
  baseLayers?: string[];
}

export interface BuiltImage {
  archive: string;
  /** sha256:… of the OCI manifest: what containerd shows as the image digest. */
  manifestDigest: string;
  /** sha256:… of the config: the image id. */
  configDigest: string;
  layerDigest: string;
  name: string;
}

export const MEDIA_TYPES = {
  index: "application/vnd.oci.image.index.v1+json",
  manifest: "application/vnd.oci.image.manifest.v1+json",
  config: "application/vnd.oci.image.config.v1+json",
  layer: "application/vnd.oci.image.layer.v1.tar",
} as const;

const CREATED = new Date(FIXED_MTIME * 1000).toISOString();
const DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

const sha256 = (b: Buffer | string) => "sha256:" + createHash("sha256").update(b).digest("hex");

/** Splits "host/repo:tag" into repository and tag; a ':' before the last '/' is a registry port. */
export function splitRef(name: string): { repository: string; tag: string } {
  if (name.includes("@")) throw new Error(`image name '${name}': digests are not supported, use a tag`);
  const slash = name.lastIndexOf("/");
  const colon = name.lastIndexOf(":");
  if (colon > slash) return { repository: name.slice(0, colon), tag: name.slice(colon + 1) };
  return { repository: name, tag: "latest" };
}

// ---------------------------------------------------------------- layer

function imagePath(p: string): string {
  if (!p.startsWith("/")) throw new Error(`image path '${p}' must be absolute`);
  const n = posix.normalize(p).replace(/\/+$/, "");
  if (n === "" || n === "/") throw new Error(`image path '${p}' names the root`);
  return n.slice(1);
}

async function collectEntries(spec: ImageSpec): Promise<Map<string, LayerEntry>> {
  const entries = new Map<string, LayerEntry>();
  const addParents = (rel: string) => {
    const parts = rel.split("/");
    for (let i = 1; i < parts.length; i++) {
      const d = parts.slice(0, i).join("/");
      const e = entries.get(d);
      if (!e) entries.set(d, { type: "dir", mode: 0o755, explicit: false });
      else if (e.type !== "dir") throw new Error(`image path '/${d}' is both a ${e.type} and a directory`);
    }
  };
  for (const d of spec.dirs ?? []) {
    const { path, mode } = typeof d === "string" ? { path: d, mode: 0o755 } : d;
    const rel = imagePath(path);
    addParents(rel);
    const e = entries.get(rel);
    if (e && e.type !== "dir") throw new Error(`image path '${path}' is both a ${e.type} and a directory`);
    entries.set(rel, { type: "dir", mode, explicit: true });
  }
  for (const f of spec.files) {
    const rel = imagePath(f.path);
    const given = [f.source !== undefined, f.content !== undefined, f.linkTarget !== undefined].filter(Boolean).length;
    if (given !== 1) throw new Error(`image file '${f.path}': give exactly one of source, content, linkTarget`);
    addParents(rel);
    if (entries.has(rel)) throw new Error(`image path '${f.path}' is given twice`);
    if (f.linkTarget !== undefined) {
      entries.set(rel, { type: "symlink", target: f.linkTarget });
    } else if (f.source !== undefined) {
      const st = await stat(f.source);
      if (!st.isFile()) throw new Error(`image file '${f.path}': source '${f.source}' is not a regular file`);
      entries.set(rel, { type: "file", source: f.source, mode: f.mode ?? (st.mode & 0o111 ? 0o755 : 0o644) });
    } else {
      const c = f.content!;
      entries.set(rel, { type: "file", content: typeof c === "string" ? Buffer.from(c, "utf8") : c, mode: f.mode ?? 0o644 });
    }
  }
  // A file path that is also a parent directory of another entry.
  for (const [rel, e] of entries) {
    if (e.type !== "dir" && [...entries.keys()].some((k) => k.startsWith(rel + "/"))) {
      throw new Error(`image path '/${rel}' is both a ${e.type} and a directory`);
    }
  }
  return entries;
}

// ---------------------------------------------------------------- image

async function hashFile(path: string): Promise<{ digest: string; size: number }> {
  const h = createHash("sha256");
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    h.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { digest: "sha256:" + h.digest("hex"), size };
}

/**
 * Builds `spec` into an OCI image layout tar at `outFile` (written to a temp
 * file first, then renamed). Returns the digests; `manifestDigest` is what
 * containerd records for the imported image.
 */
export async function buildImageArchive(spec: ImageSpec, outFile: string): Promise<BuiltImage> {
  const { repository, tag } = splitRef(spec.name);
  const name = `${repository}:${tag}`;
  await mkdir(dirname(outFile), { recursive: true });
  const layerTmp = `${outFile}.layer.${process.pid}.tmp`;
  const outTmp = `${outFile}.${process.pid}.tmp`;
  try {
    const layers: { digest: string; size: number; path: string }[] = [];
    for (const base of spec.baseLayers ?? []) layers.push({ ...(await hashFile(base)), path: base });
    if (spec.files.length || spec.dirs?.length || !layers.length) {
      layers.push({ ...(await writeLayer(await collectEntries(spec), layerTmp)), path: layerTmp });
    }
    const layer = layers[layers.length - 1]!;

    const env = [...(spec.env ?? [])];
    if (!env.some((e) => e.startsWith("PATH="))) env.unshift(DEFAULT_PATH);
    const imageConfig: Record<string, unknown> = { Env: env, Entrypoint: spec.entrypoint };
    if (spec.cmd) imageConfig["Cmd"] = spec.cmd;
    if (spec.user) imageConfig["User"] = spec.user;
    if (spec.workingDir) imageConfig["WorkingDir"] = spec.workingDir;
    if (spec.exposedPorts?.length) {
      imageConfig["ExposedPorts"] = Object.fromEntries([...spec.exposedPorts].sort((a, b) => a - b).map((p) => [`${p}/tcp`, {}]));
    }
    if (spec.stopSignal) imageConfig["StopSignal"] = spec.stopSignal;
    if (spec.labels) imageConfig["Labels"] = Object.fromEntries(Object.entries(spec.labels).sort());
    const config = Buffer.from(
      JSON.stringify({
        created: CREATED,
        architecture: "amd64",
        os: "linux",
        config: imageConfig,
        rootfs: { type: "layers", diff_ids: layers.map((l) => l.digest) },
        history: [{ created: CREATED, created_by: "nodrop harness/images/oci.ts" }],
      }),
    );
    const configDigest = sha256(config);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA_TYPES.manifest,
        config: { mediaType: MEDIA_TYPES.config, digest: configDigest, size: config.length },
        // Uncompressed: diff_id == layer digest, and nothing to gain on a local import.
        layers: layers.map((l) => ({ mediaType: MEDIA_TYPES.layer, digest: l.digest, size: l.size })),
      }),
    );
    const manifestDigest = sha256(manifest);
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA_TYPES.index,
        manifests: [
          {
            mediaType: MEDIA_TYPES.manifest,
            digest: manifestDigest,
            size: manifest.length,
            platform: { architecture: "amd64", os: "linux" },
            annotations: {
              // containerd names the imported image after this one.
              "io.containerd.image.name": name,
              "org.opencontainers.image.ref.name": tag,
            },
          },
        ],
      }),
    );
    const blob = (d: string) => `blobs/sha256/${d.slice("sha256:".length)}`;
    const dockerManifest = Buffer.from(
      JSON.stringify([{ Config: blob(configDigest), RepoTags: [name], Layers: layers.map((l) => blob(l.digest)) }]),
    );

    const w = new TarWriter(outTmp);
    try {
      await w.buffer("oci-layout", Buffer.from(JSON.stringify({ imageLayoutVersion: "1.0.0" })), 0o644);
      await w.buffer("index.json", index, 0o644);
      await w.buffer("manifest.json", dockerManifest, 0o644);
      await w.dir("blobs", 0o755);
      await w.dir("blobs/sha256", 0o755);
      const blobs: [string, Buffer | string][] = [
        [configDigest, config],
        ...layers.map((l): [string, string] => [l.digest, l.path]),
        [manifestDigest, manifest],
      ];
      blobs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      const seen = new Set<string>();
      for (const [d, data] of blobs) {
        if (seen.has(d)) continue;
        seen.add(d);
        if (typeof data === "string") await w.file(blob(d), data, 0o644);
        else await w.buffer(blob(d), data, 0o644);
      }
      await w.finish();
    } catch (e) {
      w.abort();
      throw e;
    }
    await rename(outTmp, outFile);
    return { archive: outFile, manifestDigest, configDigest, layerDigest: layer.digest, name };
  } finally {
    await rm(layerTmp, { force: true });
    await rm(outTmp, { force: true });
  }
}
