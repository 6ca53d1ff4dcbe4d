import { mkdtemp, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { importOnce } from "../../harness/images/import-once.ts";

const D1 = "sha256:" + "ab".repeat(32);
const D2 = "sha256:" + "cd".repeat(32);

/** A containerd that holds what was imported: name → digest. */
function fakeContainerd() {
  const images = new Map<string, string>();
  let imports = 0;
  const ctr = async (args: string[]) => {
    if (args[1] === "ls") return { stdout: ["REF TYPE DIGEST SIZE PLATFORMS LABELS", ...[...images].map(([n, d]) => `${n} application/vnd.oci.image.index.v1+json ${d} 5 MiB linux/amd64 -`)].join("\n"), stderr: "", exitCode: 0 };
    if (args[1] === "tag") images.set(args[4]!, images.get(args[3]!)!);
    return { stdout: "", stderr: "", exitCode: 0 };
  };
  return { images, ctr, load: (name: string, digest: string) => async () => (imports++, images.set(name, digest)), imports: () => imports };
}

describe("an image archive imported once per containerd", () => {
  let dir: string;
  let archive: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "nodrop-import-once-"));
    archive = join(dir, "app.oci.tar");
    await writeFile(archive, "v1");
  });

  it("imports the first time, skips while the containerd holds the name at the archive's digest", async () => {
    const c = fakeContainerd();
    expect(await importOnce(c.ctr, archive, "nodrop.local/app:1", "node", c.load("nodrop.local/app:1", D1), join(dir, "notes"))).toBe(true);
    expect(await importOnce(c.ctr, archive, "nodrop.local/app:1", "node", c.load("nodrop.local/app:1", D1), join(dir, "notes"))).toBe(false);
    expect(c.imports()).toBe(1);
  });

  it("imports again into a containerd that lost the image (a new cluster), or holds the name at another digest", async () => {
    const c = fakeContainerd();
    await importOnce(c.ctr, archive, "nodrop.local/app:1", "node", c.load("nodrop.local/app:1", D1), join(dir, "notes"));
    c.images.clear();
    expect(await importOnce(c.ctr, archive, "nodrop.local/app:1", "node", c.load("nodrop.local/app:1", D1), join(dir, "notes"))).toBe(true);
    c.images.set("nodrop.local/app:1", D2);
    expect(await importOnce(c.ctr, archive, "nodrop.local/app:1", "node", c.load("nodrop.local/app:1", D1), join(dir, "notes"))).toBe(true);
    expect(c.imports()).toBe(3);
  });

  it("imports again when the archive changed (size or modification time)", async () => {
    const c = fakeContainerd();
    await importOnce(c.ctr, archive, "nodrop.local/app:1", "node", c.load("nodrop.local/app:1", D1), join(dir, "notes"));
    await utimes(archive, new Date(), new Date(Date.now() + 5000));
    expect(await importOnce(c.ctr, archive, "nodrop.local/app:1", "node", c.load("nodrop.local/app:1", D2), join(dir, "notes"))).toBe(true);
    expect(c.images.get("nodrop.local/app:1")).toBe(D2);
  });

  it("a digest reference: named after the import, then skipped by that name", async () => {
    const c = fakeContainerd();
    const ref = `nodrop.local/app@${D1}`;
    expect(await importOnce(c.ctr, archive, ref, "node", c.load("nodrop.local/app:1", D1), join(dir, "notes"))).toBe(true);
    expect(c.images.get(ref)).toBe(D1);
    expect(await importOnce(c.ctr, archive, ref, "node", c.load("nodrop.local/app:1", D1), join(dir, "notes"))).toBe(false);
  });
});
