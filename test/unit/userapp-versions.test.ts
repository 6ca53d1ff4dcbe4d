// Two images (issue 24): the app file's `versions` makes v1, v2, … different
// images, each checked against its archive before any cluster work; the
// patched Deployment of vN runs vN's image; too few versions for the
// rollouts is refused naming the key.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, validateConfig } from "../../harness/config.ts";
import { packBinary } from "../../harness/images/pack.ts";
import { appConfig, loadUserApp } from "../../harness/userapp/load.ts";
import { imageForVersion, patchDeployment } from "../../harness/userapp/patch.ts";

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
        - name: web
          image: example.com/web:prod
          ports: [{ containerPort: 9000 }]
`;

async function twoImageApp(appFile: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "nodrop-versions-"));
  await writeFile(join(dir, "deployment.yaml"), DEPLOYMENT);
  await writeFile(join(dir, "nodrop-app.yaml"), appFile);
  await packBinary({ binary: "/bin/true", name: "example.com/web:1.4.2", out: join(dir, "prod.tar") });
  await packBinary({ binary: "/bin/true", name: "example.com/web:1.5.0-rc1", out: join(dir, "candidate.tar") });
  return dir;
}

const params = (version: string) => ({ name: "app", namespace: "ns", runId: "r1", version, replicas: 2, image: "ignored-for-user-apps" });

describe("versions: v1 and v2 as different images", () => {
  it("loads each image from its archive and patches vN's image into the Deployment", async () => {
    const dir = await twoImageApp("archive: prod.tar\nversions:\n  - image: example.com/web:1.4.2\n  - image: example.com/web:1.5.0-rc1\n    archive: candidate.tar\n");
    const app = await loadUserApp(dir);
    expect(app.versionImages).toEqual(["example.com/web:1.4.2", "example.com/web:1.5.0-rc1"]);
    expect(app.imports).toEqual([
      { archive: join(dir, "prod.tar"), ref: "example.com/web:1.4.2" },
      { archive: join(dir, "candidate.tar"), ref: "example.com/web:1.5.0-rc1" },
    ]);
    const config = appConfig(validateConfig({ rollouts: 1 }), app);
    const image = (v: string) => patchDeployment(app.deployment, app.container, config, params(v), app.versionImages).spec!.template.spec!.containers[0]!.image;
    expect(image("v1")).toBe("example.com/web:1.4.2");
    expect(image("v2")).toBe("example.com/web:1.5.0-rc1");
    // Without versions, every version keeps the manifest's image.
    expect(patchDeployment(app.deployment, app.container, config, params("v2")).spec!.template.spec!.containers[0]!.image).toBe("example.com/web:prod");
  });

  it("refuses an image its archive does not hold, naming the entry", async () => {
    const dir = await twoImageApp("archive: prod.tar\nversions:\n  - image: example.com/web:1.4.2\n  - image: example.com/web:1.5.0-rc1\n");
    const e = await loadUserApp(dir).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as Error).message).toMatch(/versions\[1\]\.image: prod\.tar does not hold example\.com\/web:1\.5\.0-rc1 \(it holds: example\.com\/web:1\.4\.2\)/);
  });

  it("refuses one version, an unknown key in an entry, and more rollouts than versions", async () => {
    const one = await twoImageApp("archive: prod.tar\nversions:\n  - image: example.com/web:1.4.2\n");
    await expect(loadUserApp(one)).rejects.toThrow(/versions: at least two versions/);
    const extra = await twoImageApp("archive: prod.tar\nversions:\n  - image: example.com/web:1.4.2\n    tag: x\n  - image: example.com/web:1.4.2\n");
    await expect(loadUserApp(extra)).rejects.toThrow(/versions\.0: Unrecognized key/);
    const ok = await twoImageApp("archive: prod.tar\nversions:\n  - image: example.com/web:1.4.2\n  - image: example.com/web:1.5.0-rc1\n    archive: candidate.tar\n");
    const app = await loadUserApp(ok);
    expect(() => appConfig(validateConfig({ rollouts: 2 }), app)).toThrow(/^rollouts: 2 rollout\(s\) need 3 versions, and nodrop-app\.yaml in .* lists 2 under versions/);
  });

  it("imageForVersion: v1 is the first; a version past the list is an error, not a silent reuse", () => {
    expect(imageForVersion("v1", ["a", "b"])).toBe("a");
    expect(imageForVersion("v2", ["a", "b"])).toBe("b");
    expect(imageForVersion("v2", undefined)).toBeUndefined();
    expect(() => imageForVersion("v3", ["a", "b"])).toThrow(/no image for v3/);
  });
});
