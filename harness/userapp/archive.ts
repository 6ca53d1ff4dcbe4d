// What an image archive holds, read without unpacking it: the image names of
// an OCI image layout (index.json annotations) and of a `docker save` archive
// (manifest.json RepoTags). Names are normalised the way the kubelet and
// containerd see them, so "go-http:1" and "docker.io/library/go-http:1" match.
import { list } from "tar";

/** docker's reference rules: no registry → docker.io (library/ for one path part); no tag or digest → :latest. */
export function normalizeRef(ref: string): string {
  let name = ref.trim();
  const firstSlash = name.indexOf("/");
  const first = firstSlash < 0 ? "" : name.slice(0, firstSlash);
  const hasRegistry = firstSlash >= 0 && (first.includes(".") || first.includes(":") || first === "localhost");
  if (!hasRegistry) name = `docker.io/${firstSlash < 0 ? "library/" : ""}${name}`;
  const lastPart = name.slice(name.lastIndexOf("/") + 1);
  if (!lastPart.includes(":") && !name.includes("@")) name += ":latest";
  return name;
}

/** "docker.io/library/web:1" → "docker.io/library/web"; a digest reference loses its digest. */
export function repositoryOf(normalized: string): string {
  const at = normalized.indexOf("@");
  if (at >= 0) return normalized.slice(0, at);
  const lastSlash = normalized.lastIndexOf("/");
  const colon = normalized.indexOf(":", lastSlash + 1);
  return colon < 0 ? normalized : normalized.slice(0, colon);
}

const ANNOTATIONS = ["io.containerd.image.name", "org.opencontainers.image.ref.name"];

/** Image names (normalised) in an OCI layout or docker-save tar; throws when the file is not such an archive. */
export async function imageNamesInArchive(file: string): Promise<string[]> {
  return (await imagesInArchive(file)).names;
}

export interface ArchiveImages {
  /** Tagged names, normalised. */
  names: string[];
  /** The same images as repository@digest (OCI layouts only: the entry's manifest or index digest). */
  digestRefs: string[];
}

/** Whether the archive holds `ref` (normalised): by name, or a digest reference by its repository and digest. */
export const archiveHolds = (a: ArchiveImages, ref: string): boolean => a.names.includes(ref) || a.digestRefs.includes(ref);

/** The images of an OCI layout or docker-save tar; throws when the file is not such an archive. */
export async function imagesInArchive(file: string): Promise<ArchiveImages> {
  const wanted = new Map<string, Buffer[]>([["index.json", []], ["manifest.json", []]]);
  await list({
    file,
    onReadEntry: (entry) => {
      const path = entry.path.replace(/^\.\//, "");
      const chunks = wanted.get(path);
      if (!chunks) return entry.resume();
      entry.on("data", (c: Buffer) => chunks.push(c));
    },
  });
  const text = (p: string) => (wanted.get(p)!.length ? Buffer.concat(wanted.get(p)!).toString("utf8") : undefined);
  const names = new Set<string>();
  const digestRefs = new Set<string>();
  const index = text("index.json");
  if (index) {
    const doc = JSON.parse(index) as { manifests?: Array<{ digest?: string; annotations?: Record<string, string> }> };
    for (const m of doc.manifests ?? []) {
      const a = m.annotations ?? {};
      const full = a[ANNOTATIONS[0]!];
      // ref.name alone may be just a tag ("1.0"): only a full reference counts.
      const ref = full ?? a[ANNOTATIONS[1]!];
      if (!ref || !(full || ref.includes(":") || ref.includes("/"))) continue;
      const name = normalizeRef(ref);
      names.add(name);
      // A Deployment may pin the image by digest (repo@sha256:…): the digest of
      // this entry (a manifest, or a multi-platform index) is that image's, and
      // the kubelet finds it by the repository's digest once imported.
      if (m.digest && /^sha256:[0-9a-f]{64}$/.test(m.digest)) digestRefs.add(`${repositoryOf(name)}@${m.digest}`);
    }
  }
  const manifest = text("manifest.json");
  if (manifest) {
    const doc = JSON.parse(manifest) as Array<{ RepoTags?: string[] | null }>;
    for (const m of doc) for (const t of m.RepoTags ?? []) names.add(normalizeRef(t));
  }
  if (!index && !manifest) throw new Error("not an image archive: it has neither index.json (OCI layout) nor manifest.json (docker save)");
  return { names: [...names].sort(), digestRefs: [...digestRefs].sort() };
}
