// Deterministic tar files, hashed as they are written: root-owned entries with
// a fixed mtime, nothing from the build host. An image's layer is one
// (writeLayer, entries in byte order); oci.ts writes the image archive around
// the layers with the same writer.
import { createHash, type Hash } from "node:crypto";
import { once } from "node:events";
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Header, Pax, type HeaderData } from "tar";

/** 2000-01-01T00:00:00Z: fixed so builds are reproducible; not 0, which some tools treat as "unset". */
export const FIXED_MTIME = 946_684_800;

/** Root-owned, fixed mtime: nothing from the build host ends up in the archive. */
const OWNER = { uid: 0, gid: 0, mtime: new Date(FIXED_MTIME * 1000) } as const;

/**
 * Streams a tar to a file and hashes what it writes. node-tar encodes the
 * headers (ustar, with a PAX extended header when a field does not fit);
 * this class only decides their contents and the order of the bytes.
 */
export class TarWriter {
  private readonly out: WriteStream;
  private readonly hash: Hash = createHash("sha256");
  private size = 0;

  constructor(path: string) {
    this.out = createWriteStream(path);
  }

  private async write(b: Buffer): Promise<void> {
    this.hash.update(b);
    this.size += b.length;
    if (!this.out.write(b)) await once(this.out, "drain");
  }

  private async pad(n: number): Promise<void> {
    const r = n % 512;
    if (r) await this.write(Buffer.alloc(512 - r));
  }

  private async header(
    path: string,
    type: "File" | "Directory" | "SymbolicLink",
    size: number,
    mode: number,
    linkpath?: string,
  ): Promise<void> {
    const fields: HeaderData = { path, type, size, mode: mode & 0o7777, linkpath, ...OWNER };
    // A fresh zeroed block: encode() leaves unset fields alone, so no stale bytes.
    const block = Buffer.alloc(512);
    // encode() returns true when a value did not fit (a path that cannot be
    // split into ustar prefix + name, a link target over 100 bytes, non-ASCII,
    // a size over 8 GiB); the truncated block then needs the full values in a
    // PAX header just before it. Pax leaves out what is undefined, so no
    // uname/gname records; it also copies uid/gid/mtime into its own block.
    if (new Header({ ...fields, uname: "", gname: "" }).encode(block)) await this.write(new Pax(fields).encode());
    await this.write(block);
  }

  async dir(name: string, mode: number): Promise<void> {
    await this.header(name.endsWith("/") ? name : name + "/", "Directory", 0, mode);
  }

  async symlink(name: string, target: string): Promise<void> {
    await this.header(name, "SymbolicLink", 0, 0o777, target);
  }

  async buffer(name: string, data: Buffer, mode: number): Promise<void> {
    await this.header(name, "File", data.length, mode);
    await this.write(data);
    await this.pad(data.length);
  }

  async file(name: string, source: string, mode: number): Promise<void> {
    const size = (await stat(source)).size;
    await this.header(name, "File", size, mode);
    let n = 0;
    for await (const chunk of createReadStream(source)) {
      n += (chunk as Buffer).length;
      if (n > size) break;
      await this.write(chunk as Buffer);
    }
    if (n !== size) throw new Error(`${source} changed size while being archived`);
    await this.pad(size);
  }

  /** Writes the end-of-archive marker and closes the file. */
  async finish(): Promise<{ digest: string; size: number }> {
    await this.write(Buffer.alloc(1024));
    this.out.end();
    await once(this.out, "finish");
    return { digest: "sha256:" + this.hash.digest("hex"), size: this.size };
  }

  abort(): void {
    this.out.destroy();
  }
}

// ---------------------------------------------------------------- layer

export type LayerEntry =
  | { type: "dir"; mode: number; explicit: boolean }
  | { type: "file"; mode: number; source?: string; content?: Buffer }
  | { type: "symlink"; target: string };

export async function writeLayer(entries: Map<string, LayerEntry>, out: string): Promise<{ digest: string; size: number }> {
  const w = new TarWriter(out);
  try {
    // Byte order (not locale order): stable everywhere, and parents sort before children.
    const names = [...entries.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    for (const name of names) {
      const e = entries.get(name)!;
      if (e.type === "dir") await w.dir(name, e.mode);
      else if (e.type === "symlink") await w.symlink(name, e.target);
      else if (e.source !== undefined) await w.file(name, e.source, e.mode);
      else await w.buffer(name, e.content!, e.mode);
    }
    return await w.finish();
  } catch (e) {
    w.abort();
    throw e;
  }
}
