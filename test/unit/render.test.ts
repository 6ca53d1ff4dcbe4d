// Manifests as users keep them (issue 24): a Helm chart or a kustomize
// overlay named in nodrop-app.yaml. What is checked before any tool runs:
// remote kustomize resources are refused (nothing is fetched from off this
// machine), missing charts and overlays are named. Rendering itself runs
// the real helm and kubectl in e2e (your-service.test.ts).
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../harness/config.ts";
import { packBinary } from "../../harness/images/pack.ts";
import { loadUserApp } from "../../harness/userapp/load.ts";
import { remoteEntries } from "../../harness/userapp/render.ts";

async function app(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "nodrop-render-"));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(dir, name, ".."), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  await packBinary({ binary: "/bin/true", name: "example.com/web:1", out: join(dir, "image.tar") });
  return dir;
}

const refused = async (dir: string, re: RegExp) => {
  const e = await loadUserApp(dir).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(ConfigError);
  expect((e as Error).message).toMatch(re);
};

describe("remoteEntries", () => {
  it("finds URLs and git repositories among a kustomization's resources, bases and components", () => {
    expect(
      remoteEntries({
        resources: ["../base", "deploy.yaml", "https://example.com/x.yaml", "github.com/org/repo/deploy?ref=v1", "git@github.com:org/repo.git"],
        components: ["../c", "ssh://git.example/repo.git"],
      }),
    ).toEqual(["https://example.com/x.yaml", "github.com/org/repo/deploy?ref=v1", "git@github.com:org/repo.git", "ssh://git.example/repo.git"]);
    expect(remoteEntries({ resources: ["a.yaml", "../../base"] })).toEqual([]);
  });
});

describe("nodrop-app.yaml helm / kustomize", () => {
  it("refuses a kustomization (or one it includes) that names a remote resource, before kubectl runs", async () => {
    const dir = await app({
      "nodrop-app.yaml": "kustomize: overlay\n",
      "overlay/kustomization.yaml": "resources: [../base]\n",
      "base/kustomization.yaml": "resources: [https://example.com/deploy.yaml]\n",
    });
    await refused(dir, /kustomize: base\/kustomization\.yaml names remote resources \(https:\/\/example\.com\/deploy\.yaml\): nothing may be fetched/);
  });

  it("names a missing overlay, a folder with no kustomization, a missing chart and a missing values file", async () => {
    await refused(await app({ "nodrop-app.yaml": "kustomize: nope\n" }), /kustomize: nope not found/);
    await refused(await app({ "nodrop-app.yaml": "kustomize: o\n", "o/x.yaml": "a: 1\n" }), /kustomize: o has no kustomization\.yaml/);
    await refused(await app({ "nodrop-app.yaml": "helm: { chart: chart }\n" }), /helm\.chart: chart is not a chart folder \(no Chart\.yaml\)/);
    await refused(await app({ "nodrop-app.yaml": "helm: { chart: c, values: [v.yaml] }\n", "c/Chart.yaml": "apiVersion: v2\nname: c\nversion: 0.1.0\n" }), /helm\.values\[0\]: v\.yaml not found/);
  });

  it("refuses both at once, and bad keys inside helm", async () => {
    await refused(await app({ "nodrop-app.yaml": "helm: { chart: c }\nkustomize: k\n" }), /helm and kustomize both set/);
    await refused(await app({ "nodrop-app.yaml": "helm: { chart: c, repo: x }\n" }), /helm: Unrecognized key/);
    await refused(await app({ "nodrop-app.yaml": "helm: { chart: c, release: Bad_Name }\n" }), /helm\.release: a Helm release name/);
  });
});
