import { describe, expect, it } from "vitest";
import { findImported, nameImported } from "../../harness/images/containerd-names.ts";
import { criSnapshotter } from "../../harness/cluster/kind/load-image.ts";

const D = "sha256:" + "ab".repeat(32);
const LS = `REF TYPE DIGEST SIZE PLATFORMS LABELS
nodrop.local/web:2 application/vnd.oci.image.index.v1+json ${D} 5.1 MiB linux/amd64,linux/arm64 -
registry.k8s.io/pause:3.10 application/vnd.oci.image.manifest.v1+json sha256:${"cd".repeat(32)} 300 KiB linux/amd64 -`;

describe("the name a pod asks for, after an import", () => {
  it("finds a tag by name and a digest reference by its repository and digest", () => {
    expect(findImported(LS, "nodrop.local/web:2")).toEqual({ name: "nodrop.local/web:2", digest: D });
    expect(findImported(LS, `nodrop.local/web@${D}`)).toEqual({ name: "nodrop.local/web:2", digest: D });
    expect(findImported(LS, `nodrop.local/other@${D}`)).toBeUndefined();
    expect(findImported(LS, "nodrop.local/web:3")).toBeUndefined();
  });

  it("tags a digest reference under its own name, and says what it has when the image is missing", async () => {
    const calls: string[][] = [];
    const ctr = async (args: string[]) => (calls.push(args), { stdout: args[1] === "ls" ? LS : "", stderr: "", exitCode: 0 });
    await nameImported(ctr, `nodrop.local/web@${D}`, "web.tar", "node x");
    expect(calls.at(-1)).toEqual(["images", "tag", "--force", "nodrop.local/web:2", `nodrop.local/web@${D}`]);
    calls.length = 0;
    await nameImported(ctr, "nodrop.local/web:2", "web.tar", "node x");
    expect(calls).toEqual([["images", "ls"]]);
    await expect(nameImported(ctr, "nodrop.local/web:9", "web.tar", "node x")).rejects.toThrow(/image nodrop.local\/web:9 not present in node x after importing web.tar \(have: nodrop.local\/web:2 sha256:/);
  });
});

describe("a kind node's CRI snapshotter, from `containerd config dump`", () => {
  it("reads config version 2 and 3, and no other plugin's key", () => {
    const v2 = `version = 2\n[plugins."io.containerd.transfer.v1.local"]\n  snapshotter = "wrong"\n[plugins."io.containerd.grpc.v1.cri".containerd]\n  default_runtime_name = "runc"\n  snapshotter = "overlayfs"\n`;
    const v3 = `version = 3\n[plugins."io.containerd.cri.v1.images"]\n  snapshotter = "native"\n`;
    expect(criSnapshotter(v2)).toBe("overlayfs");
    expect(criSnapshotter(v3)).toBe("native");
    expect(criSnapshotter("version = 2\n")).toBeUndefined();
  });
});
