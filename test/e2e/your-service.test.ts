// Issue 24 (your service as you ship it). Given the Go example with its
// version and pod headers switched off (VERSION_HEADERS=false: it names
// nothing, like most services), deployed with --app and run with the
// defaults (both probes, the live gate on):
//   - a good configuration passes rolling (the helm and kustomize examples),
//     canary and blue-green, with the per-version table filled from each
//     request's connection (conntrack);
//   - the broken configuration (no preStop, exits at once) is caught, its
//     failures traced to the old version's pods;
// and given two images (the release and a candidate, in two archives), the
// rollout goes from the first to the second.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../harness/cluster/provider.ts";
import { packBinary } from "../../harness/images/pack.ts";
import { run } from "../../harness/exec.ts";
import { headerless, nodrop, reportHead, runDirsIn, summaryOf, type SummaryJson } from "./helpers.ts";

// cooldown must be at least requestTimeout (5 s by default): in-flight requests finish before k6 stops.
const SHORT = ["--set", "rollouts=1", "--set", "warmup=3", "--set", "cooldown=5"];
const EXAMPLE = join(PROJECT_ROOT, "examples", "go-http");
const ARCHIVE = join(EXAMPLE, ".build", "image.tar");

async function runApp(dir: string, sets: string[] = []): Promise<{ exitCode: number; s: SummaryJson; explain: string; runDir: string }> {
  const r = await nodrop(["run", "--app", dir, ...SHORT, ...sets.flatMap((x) => ["--set", x])]);
  const runDir = runDirsIn(r.output)[0];
  if (!runDir) throw new Error(`no run folder in output:\n${r.output}`);
  const explain = `${r.output.slice(-2500)}\n--- report ---\n${await reportHead(runDir, 80)}`;
  return { exitCode: r.exitCode, s: await summaryOf(runDir), explain, runDir };
}

beforeAll(async () => {
  // The example's own build (Go, static; packed by nodrop): what a user runs.
  const r = await run(["sh", join(EXAMPLE, "build.sh")], { reject: false, timeoutMs: 600_000 });
  expect(r.exitCode, r.stderr || r.stdout).toBe(0);
}, 600_000);

describe("a service that names no version (no X-App-Version, no X-Pod-Name)", () => {
  // Rolling is the helm and kustomize examples' strategy (below): both are headerless too.
  it.each(["canary", "blue-green"])("%s: a good configuration passes, versions known from each request's connection", async (strategy) => {
    const { exitCode, s, explain } = await runApp(headerless("go-http"), [`strategy=${strategy}`, "canaryPause=3", "canarySteps=25,100", "scaleDownDelay=5"]);
    expect(exitCode, explain).toBe(0);
    expect(s.verdict, explain).toBe("pass");
    expect(s.requests.failed).toBe(0);
    // Nothing came from a header; (almost) every request was traced to its pod.
    expect(s.attribution, explain).not.toBeNull();
    expect(s.attribution!.byHeader).toBe(0);
    expect(s.attribution!.byConnection / s.requests.total, explain).toBeGreaterThanOrEqual(0.99);
    const versions = Object.fromEntries(s.versions.map((v) => [v.version, v.requests]));
    expect(Object.keys(versions).filter((v) => v !== "").sort(), explain).toEqual(["v1", "v2"]);
    expect(versions["v2"], explain).toBeGreaterThanOrEqual(50);
    // The live gate judged v2 by name, not "0 responses from v2".
    expect(s.rollback.happened).toBe(false);
  });

  it("through an ingress controller (connections not traceable) the gate judges every request sent while v2 serves, and the report says so", async () => {
    const { exitCode, s, explain, runDir } = await runApp(headerless("go-http"), ["path=ingress"]);
    expect(exitCode, explain).toBe(0);
    expect(s.verdict).toBe("pass");
    expect(s.attribution).toBeNull();
    expect(s.gates.map((g) => `${g.version} ${g.mode}`), explain).toEqual(["v2 every-request"]);
    expect(s.gates[0]!.reason).toMatch(/^analysis passed: 0 of \d+ requests sent while v2's pods were serving failed/);
    expect(readFileSync(join(runDir, "report.md"), "utf8")).toMatch(/the live gate judged every request sent while the new version's pods were serving/);
  });

  it("the broken configuration (no preStop, exits at once on SIGTERM) is caught, its failures traced to the old version", async () => {
    const { exitCode, s, explain } = await runApp(headerless("go-http-broken"));
    expect([1, 4], explain).toContain(exitCode);
    expect(["fail", "rolled-back"], explain).toContain(s.verdict);
    expect(s.requests.failed, explain).toBeGreaterThan(0);
    // The old pods exiting cut or refused the requests: v1 has failures in the versions table.
    const v1 = s.versions.find((v) => v.version === "v1");
    expect(v1?.failed ?? 0, explain).toBeGreaterThan(0);
  });
});

describe("two images: the release and the candidate", () => {
  it("rolls from the first image to the second (pinned by digest) and passes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nodrop-two-images-"));
    // The same service as tonight's candidate in an archive of its own (packed without the
    // exposed port, so its manifest and digest differ), pinned by digest as a release pipeline would.
    const candidate = await packBinary({ binary: join(EXAMPLE, ".build", "server"), name: "nodrop.example/go-http:2.0-rc1", out: join(dir, "candidate.tar") });
    writeFileSync(join(dir, "deployment.yaml"), readFileSync(join(EXAMPLE, "deployment.yaml"), "utf8"));
    writeFileSync(
      join(dir, "nodrop-app.yaml"),
      `archive: ${ARCHIVE}\nversions:\n  - image: nodrop.example/go-http:1.0\n  - image: nodrop.example/go-http@${candidate.manifestDigest}\n    archive: candidate.tar\n`,
    );
    const { exitCode, s, explain, runDir } = await runApp(dir);
    expect(exitCode, explain).toBe(0);
    expect(s.verdict).toBe("pass");
    expect(s.versions.map((v) => v.version).sort()).toEqual(["v1", "v2"]);
    // v1's pods ran the release, v2's the candidate.
    const manifests = readFileSync(join(runDir, "manifests.yaml"), "utf8");
    expect(manifests).toMatch(/image: nodrop\.example\/go-http:1\.0\b/);
    expect(manifests).toContain(`image: nodrop.example/go-http@${candidate.manifestDigest}`);
  });
});

describe("manifests as users keep them", () => {
  it.each([
    ["helm-chart", /kind: ServiceAccount[\s\S]*kind: PodDisruptionBudget|kind: PodDisruptionBudget[\s\S]*kind: ServiceAccount/],
    ["kustomize", /kind: ServiceAccount[\s\S]*kind: PodDisruptionBudget|kind: PodDisruptionBudget[\s\S]*kind: ServiceAccount/],
  ])("examples/%s renders, applies its companions in the run namespace and passes", async (example, companions) => {
    const { exitCode, s, explain, runDir } = await runApp(join(PROJECT_ROOT, "examples", example));
    expect(exitCode, explain).toBe(0);
    expect(s.verdict).toBe("pass");
    // The examples' service names no version (VERSION_HEADERS=false): the versions come from the connections.
    expect(s.attribution!.byHeader, explain).toBe(0);
    expect(s.attribution!.byConnection / s.requests.total, explain).toBeGreaterThanOrEqual(0.99);
    expect(s.versions.map((v) => v.version).filter((v) => v !== "").sort()).toEqual(["v1", "v2"]);
    const manifests = readFileSync(join(runDir, "manifests.yaml"), "utf8");
    expect(manifests).toMatch(companions);
    // Every object went to the run's namespace, none to the chart's or overlay's own.
    const namespaces = new Set([...manifests.matchAll(/^\s+namespace: (\S+)$/gm)].map((m) => m[1]));
    expect([...namespaces]).toEqual([`nodrop-${s.runId}`]);
  });
});

describe("requests as users send them", () => {
  it("examples/requests: a weighted mix with a Host header, a token from the environment, a body and 201 as success passes; the token is in no file", async () => {
    process.env["SHOP_API_AUTH"] = "Bearer example-token";
    const { exitCode, s, explain, runDir } = await runApp(join(PROJECT_ROOT, "examples", "requests"));
    expect(exitCode, explain).toBe(0);
    expect(s.verdict).toBe("pass");
    const all = readFileSync(join(runDir, "samples.ndjson"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { q?: string; s: number; e?: number; ok?: boolean });
    // Requests in flight when the harness stopped k6 are cancelled by design (s=0, e=1000)
    // and left out of the verdict, each counted in cancelledAtStop (docs/design.md).
    const lines = all.filter((l) => !(l.s === 0 && l.e === 1000));
    const cancelled = Object.values(s.cancelledAtStop).reduce((a, b) => a + b, 0);
    expect(all.length - lines.length, explain).toBe(cancelled);
    const home = lines.filter((l) => l.q === "home").length;
    const orders = lines.filter((l) => l.q === "create order");
    // Weights 3:1, and every order answered 201 (a success by its own rule).
    expect(home / orders.length).toBeGreaterThan(2.5);
    expect(home / orders.length).toBeLessThan(3.5);
    expect(orders.every((o) => o.s === 201 && o.ok === true), explain).toBe(true);
    // The reports count each request of the mix on its own.
    expect(s.byRequest.map((r) => [r.name, r.requests, r.failed])).toEqual([["home", home, 0], ["create order", orders.length, 0]]);
    expect(readFileSync(join(runDir, "report.md"), "utf8")).toMatch(/## Requests\n\n\| request \| sent \| ok \| failed \| statuses \| first failure \|\n[^\n]*\n\| home \| /);
    // Neither the header's value nor the Secret's is written into the run's files.
    const { stdout } = await run(["grep", "-rl", "example-token", runDir], { reject: false });
    expect(stdout.trim(), "files holding the token").toBe("");
  });

  it("examples/custom-scenario: a TypeScript scenario of your own (two requests per iteration) runs, and every request it sent is in samples.ndjson", async () => {
    const { exitCode, s, explain, runDir } = await runApp(join(PROJECT_ROOT, "examples", "custom-scenario"), ["rate=150"]);
    expect(exitCode, explain).toBe(0);
    expect(s.verdict).toBe("pass");
    const lines = readFileSync(join(runDir, "samples.ndjson"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { q?: string });
    const sent = (JSON.parse(readFileSync(join(runDir, "k6-summary.json"), "utf8")) as { metrics: { http_reqs: { count: number } } }).metrics.http_reqs.count;
    expect(lines.length, `k6 counted ${sent} requests`).toBeGreaterThanOrEqual(sent);
    expect(new Set(lines.map((l) => l.q))).toEqual(new Set(["browse", "order"]));
    expect(s.evidence.find((e) => e.check === "every request recorded")?.ok, explain).toBe(true);
  });
});
