// Issue 8 (your own app). Given the Go example in examples/ (built here
// without Docker, packed by nodrop's own code), when it is deployed with
// --app on the rolling strategy under load, then the graceful variant passes
// with traffic moving v1 → v2 and the broken variant (no preStop, exits at
// once on SIGTERM) fails; and an app folder whose archive lacks the
// Deployment's image exits 2 before any cluster work.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LocalProvider } from "../../harness/cluster/local.ts";
import { PROJECT_ROOT } from "../../harness/cluster/provider.ts";
import { packBinary } from "../../harness/images/pack.ts";
import { nodrop, reportHead, runDirsIn, summaryOf } from "./helpers.ts";

const SHORT = ["--set", "rollouts=1", "--set", "warmup=3", "--set", "cooldown=3", "--set", "requestTimeout=3", "--set", "rate=150"];
const example = (name: string) => join(PROJECT_ROOT, "examples", name);

describe("--app: the Go example (examples/go-http)", () => {
  it("the graceful variant passes with traffic moving v1 → v2; the broken one fails", async () => {
    const good = await nodrop(["run", "--app", example("go-http"), ...SHORT]);
    const [g] = runDirsIn(good.output);
    expect(g, good.output).toBeTruthy();
    const explainG = `${good.output.slice(-3000)}\n${await reportHead(g!)}`;
    expect(good.exitCode, explainG).toBe(0);
    const G = await summaryOf(g!);
    expect(G.verdict).toBe("pass");
    expect(G.versions.map((v) => v.version).sort(), explainG).toEqual(["v1", "v2"]);
    // The manifest's own preStop (sleep 5) was kept: the user did not set preStopSleep.
    expect(readFileSync(join(g!, "manifests.yaml"), "utf8")).toMatch(/preStop:\s+sleep:\s+seconds: 5/);

    // The gate off (as in the demo): the point is what users see, not a rollback.
    const bad = await nodrop(["run", "--app", example("go-http-broken"), ...SHORT, "--set", "analysisMaxErrorRate=1"]);
    const [b] = runDirsIn(bad.output);
    const explainB = `${bad.output.slice(-3000)}\n${await reportHead(b!)}`;
    expect(bad.exitCode, explainB).toBe(1);
    const B = await summaryOf(b!);
    expect(B.verdict).toBe("fail");
    expect(B.requests.failed).toBeGreaterThan(0);
  });

  it("an archive that does not hold the Deployment's image exits 2 before any cluster work", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nodrop-app-"));
    cpSync(example("go-http"), dir, { recursive: true });
    const manifest = join(dir, "deployment.yaml");
    writeFileSync(manifest, readFileSync(manifest, "utf8").replace("nodrop.example/go-http:1.0", "nodrop.example/go-http:2.0"));
    // The archive from the example's own build (built by the test above, or now).
    writeFileSync(join(dir, "nodrop-app.yaml"), `archive: ${join(example("go-http"), ".build", "image.tar")}\nbuild: sh ${join(example("go-http"), "build.sh")}\n`);
    const r = await nodrop(["run", "--app", dir, ...SHORT], 120_000);
    expect(r.exitCode, r.output).toBe(2);
    expect(r.output).toMatch(/does not hold nodrop\.example\/go-http:2\.0 \(it holds: nodrop\.example\/go-http:1\.0\)/);
    expect(r.output).not.toMatch(/namespace nodrop-|deploy v1/);
  });

  it("provider=existing, image not on the node: the run stops at once with ErrImageNeverPull and what to do, not at the deploy timeout", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nodrop-app-"));
    cpSync(example("go-http"), dir, { recursive: true });
    const ref = `nodrop.example/go-http:never-loaded-${Date.now().toString(36)}`;
    const manifest = join(dir, "deployment.yaml");
    writeFileSync(manifest, readFileSync(manifest, "utf8").replace("nodrop.example/go-http:1.0", ref));
    // A valid archive holding that image (so the folder passes its checks); an
    // existing cluster is not nodrop's to load images into.
    await packBinary({ binary: "/bin/true", name: ref, out: join(dir, "image.tar") });
    writeFileSync(join(dir, "nodrop-app.yaml"), "archive: image.tar\n");
    const kubeconfig = new LocalProvider().kubeconfigPath();
    const r = await nodrop(["run", "--app", dir, ...SHORT, "--set", "provider=existing", "--set", `kubeconfig=${kubeconfig}`], 300_000);
    expect(r.exitCode, r.output.slice(-3000)).toBe(3);
    expect(r.output).toMatch(/ErrImageNeverPull/);
    expect(r.output).toMatch(/nothing is ever pulled here/);
    expect(r.output).not.toMatch(/timed out after/);
  });
});
