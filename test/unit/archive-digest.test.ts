// Digest-pinned references and multi-platform indexes (issue 24): a
// Deployment that names `repo@sha256:…` finds the archive entry with that
// digest, whether the entry is one manifest or a multi-platform index.
import { mkdtemp, mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "tar";
import { describe, expect, it } from "vitest";
import { packBinary } from "../../harness/images/pack.ts";
import { imagesInArchive, normalizeRef, repositoryOf } from "../../harness/userapp/archive.ts";

describe("digest references", () => {
  it("a Deployment pinned by digest is accepted when the archive holds that digest, refused otherwise", async () => {
    const { loadUserApp } = await import("../../harness/userapp/load.ts");
    const dir = await mkdtemp(join(tmpdir(), "nodrop-pinned-"));
    const built = await packBinary({ binary: "/bin/true", name: "example.com/web:1", out: join(dir, "image.tar") });
    const deployment = (image: string) => `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web }\nspec:\n  selector: { matchLabels: { app: web } }\n  template:\n    metadata: { labels: { app: web } }\n    spec:\n      containers: [{ name: web, image: "${image}", ports: [{ containerPort: 80 }] }]\n`;
    await writeFile(join(dir, "deployment.yaml"), deployment(`example.com/web@${built.manifestDigest}`));
    expect((await loadUserApp(dir)).image).toBe(`example.com/web@${built.manifestDigest}`);
    await writeFile(join(dir, "deployment.yaml"), deployment(`example.com/web@sha256:${"b".repeat(64)}`));
    await expect(loadUserApp(dir)).rejects.toThrow(/does not hold example\.com\/web@sha256:b+ \(it holds: example\.com\/web:1\)/);
  });

  it("repositoryOf drops the tag or the digest, not a registry's port", () => {
    expect(repositoryOf("docker.io/library/web:1")).toBe("docker.io/library/web");
    expect(repositoryOf("localhost:5000/team/web:2")).toBe("localhost:5000/team/web");
    expect(repositoryOf("docker.io/library/web@sha256:ab")).toBe("docker.io/library/web");
    expect(normalizeRef("web@sha256:ab")).toBe("docker.io/library/web@sha256:ab");
  });

  it("an archive lists each named image also as repository@digest (nodrop's own pack)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "nodrop-digest-"));
    const built = await packBinary({ binary: "/bin/true", name: "example.com/web:1", out: join(dir, "image.tar") });
    expect(await imagesInArchive(join(dir, "image.tar"))).toEqual({ names: ["example.com/web:1"], digestRefs: [`example.com/web@${built.manifestDigest}`] });
  });

  it("a multi-platform index entry is listed by the index's digest", async () => {
    const dir = await mkdtemp(join(tmpdir(), "nodrop-index-"));
    const layout = join(dir, "layout");
    await mkdir(layout, { recursive: true });
    const digest = `sha256:${"a".repeat(64)}`;
    await writeFile(join(layout, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
    await writeFile(
      join(layout, "index.json"),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [{ mediaType: "application/vnd.oci.image.index.v1+json", digest, size: 500, annotations: { "io.containerd.image.name": "example.com/multi:2", "org.opencontainers.image.ref.name": "2" } }],
      }),
    );
    await create({ file: join(dir, "multi.tar"), cwd: layout }, ["oci-layout", "index.json"]);
    expect(await imagesInArchive(join(dir, "multi.tar"))).toEqual({ names: ["example.com/multi:2"], digestRefs: [`example.com/multi@${digest}`] });
  });
});

describe("hostPlatform", () => {
  it("names the host's platform as OCI does (the local provider imports only that one's layers)", async () => {
    const { hostPlatform } = await import("../../harness/images/containerd-names.ts");
    expect(hostPlatform("x64")).toBe("linux/amd64");
    expect(hostPlatform("arm64")).toBe("linux/arm64");
  });
});
