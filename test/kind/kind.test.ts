// Issue 9: kind for real on a machine with no registry and no Docker engine.
// Given nothing but `make tools`, `nodrop cluster up --provider kind --nodes 3`
// builds the offline node image, runs kind on nerdctl + nodrop's own
// containerd (1 control plane + 2 workers), and two replicas of the sample app
// answer 200 through the NodePort the provider chose, on 127.0.0.1. Every run
// below reuses that one cluster (a run without `nodes` takes a cluster of any
// size; one cluster instead of two saves a create and a delete in CI).
// `cluster down` removes the cluster and everything the engine added to the
// host, and nothing else.
import { existsSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KindProvider } from "../../harness/cluster/kind.ts";
import { LocalProvider } from "../../harness/cluster/local.ts";
import { PROJECT_ROOT } from "../../harness/cluster/provider.ts";
import { validateConfig } from "../../harness/config.ts";
import { renderDeployment, renderService, workloadSelector } from "../../harness/deploy/manifests.ts";
import { run } from "../../harness/exec.ts";
import { httpProbe } from "../../harness/http.ts";
import { buildAppImage } from "../../harness/images/app-image.ts";
import { Kube } from "../../harness/kube.ts";
import { imagesInArchive } from "../../harness/userapp/archive.ts";
import { waitFor } from "../../harness/wait.ts";
import { headerless, nodrop, reportHead, runDemo, runDirsIn, summaryOf, unexplainedOutages } from "../e2e/helpers.ts";

const links = async () => (await run(["ip", "-o", "link"])).stdout.split("\n").map((l) => l.split(": ")[1]?.split("@")[0] ?? "").filter(Boolean);
const chains = async () => {
  const out: string[] = [];
  for (const t of ["filter", "nat", "mangle"]) out.push(...(await run(["iptables-save", "-t", t])).stdout.split("\n").filter((l) => l.startsWith(":")).map((l) => `${t}/${l.slice(1).split(" ")[0]}`));
  return out.sort();
};
const ipForward = () => readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8").trim();
const cgroupMounts = () => readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter((l) => l.includes(" - cgroup ")).map((l) => l.split(" ")[4]).sort();

/** One `nodrop run`: its folder, summary, and what to print when an expectation fails. */
async function runOnKind(args: string[]) {
  const r = await nodrop(["run", ...args]);
  const [dir] = runDirsIn(r.output);
  expect(dir, r.output).toBeTruthy();
  return { r, dir: dir!, s: await summaryOf(dir!), explain: `${r.output.slice(-2000)}\n${await reportHead(dir!)}` };
}

// The engine: nodrop's own Docker engine (make test), whose 127.0.0.1 ports go
// through docker-proxy as on users' machines with Docker's defaults (so k6 runs
// inside the control plane's network namespace: cluster/kind/load-placement.ts),
// or NODROP_KIND_ENGINE=nerdctl: nerdctl on nodrop's containerd.
const ENGINE = process.env["NODROP_KIND_ENGINE"] || "dockerd";
const ENGINE_RUN_DIR = ENGINE === "dockerd" ? "/run/nodrop-docker" : "/run/nodrop-kind";

describe(`kind provider (${ENGINE === "dockerd" ? "nodrop's own Docker engine" : "nerdctl on nodrop's containerd"}, offline node image)`, () => {
  process.env["NODROP_KIND_ENGINE"] = ENGINE;
  const provider = new KindProvider(3);
  let before: { links: string[]; chains: string[]; cgroups: (string | undefined)[]; ipForward: string } | undefined;

  // Never beside the local cluster (2 cores; both program the host's
  // iptables): `make test` tears its own down before this suite starts, and a
  // cluster this run did not create is never taken down here.
  beforeAll(async () => {
    if ((await new LocalProvider().status()).up) throw new Error("the local cluster is up: the kind suite does not run beside it. Bring it down (`make cluster-down`), then `make test-kind`");
  });

  afterAll(async () => {
    await nodrop(["cluster", "down", "--provider", "kind"]);
  });

  it("comes up with 3 nodes, and two replicas pinned by digest (repo@sha256:…) answer 200 through the provider's NodePort on 127.0.0.1", async () => {
    before = { links: await links(), chains: await chains(), cgroups: cgroupMounts(), ipForward: ipForward() };
    const up = await nodrop(["cluster", "up", "--provider", "kind", "--nodes", "3"]);
    expect(up.exitCode, up.output.slice(-3000)).toBe(0);
    const kube = new Kube(provider.kubeconfigPath(), provider.context());
    const nodes = (await kube.core.listNode()).items.map((n) => [n.metadata?.name, n.status?.conditions?.find((c) => c.type === "Ready")?.status]);
    expect(nodes.sort()).toEqual([["nodrop-control-plane", "True"], ["nodrop-worker", "True"], ["nodrop-worker2", "True"]]);

    const runId = `e2e-kind-${Date.now().toString(36)}`;
    const namespace = `nodrop-${runId}`;
    const config = validateConfig({ replicas: 2, provider: "kind" });
    const img = await buildAppImage(join(PROJECT_ROOT, ".nodrop", "images"));
    // Pinned by digest, as a user's release often is: every node must find it by that name.
    const [pinned] = (await imagesInArchive(img.archive)).digestRefs;
    expect(pinned, "the sample app's archive names its digest").toMatch(/@sha256:[0-9a-f]{64}$/);
    await provider.loadImage(img.archive, pinned!);
    await kube.createNamespace(namespace, runId);
    try {
      await kube.apply(renderDeployment(config, { runId, namespace, name: "app", version: "v1", image: pinned!, replicas: 2 }));
      await kube.apply(renderService(config, { runId, namespace, name: "app", selector: workloadSelector(runId, "app"), nodePort: provider.nodePortFor(0) }));
      await kube.waitRollout(namespace, "app", 180_000);
      const pods = (await kube.pods(namespace, `nodrop.dev/run-id=${runId}`)).map((p) => p.metadata!.name!);
      const url = `http://127.0.0.1:${provider.hostPortFor(provider.nodePortFor(0))}/`;
      const seen = new Set<string>();
      await waitFor("both pods to answer 200 through the NodePort", async () => {
        const r = await httpProbe(url, 2_000);
        if (r.status === 200) seen.add(String(r.headers["x-pod-name"]));
        return seen.size === 2;
      }, { timeoutMs: 60_000, intervalMs: 20, diagnose: () => `seen: ${[...seen].join(", ")}` });
      expect([...seen].sort()).toEqual(pods.sort());
    } finally {
      await kube.deleteNamespace(namespace);
    }
  });

  it("the preStop demo (on the 3-node cluster) gives the same verdicts as on the local cluster: A fails, B passes with >= 1000 requests in its windows", async () => {
    const { r, A, B, explain } = await runDemo(["--set", "provider=kind"]);
    expect(r.exitCode, explain).toBe(0);
    expect(A.verdict, explain).toBe("fail");
    expect(A.requests.failed).toBeGreaterThan(0);
    expect(unexplainedOutages(A), explain).toEqual([]);
    // kube-proxy's lag, from each node's metrics on its bridge address (all 3 nodes synced).
    for (const s of [A, B]) expect(s.proxyLag?.pods.length, JSON.stringify(s.proxyLag)).toBeGreaterThan(0);
    expect(B.verdict, explain).toBe("pass");
    expect(Object.keys(B.histogram)).toEqual(["200"]);
    expect(B.requests.inDeployWindow).toBeGreaterThanOrEqual(1000);
    expect(B.config["provider"]).toBe("kind");
  });

  // 150 req/s on kind: 3 node containers, the cluster and k6 share 2 cores,
  // and latency spikes reach 1.2 s there (≈ 21 ms typical).
  const onKind = ["--set", "provider=kind", "--set", "warmup=10", "--set", "cooldown=5", "--set", "requestTimeout=3", "--set", "canaryPause=10", "--set", "rate=150"];

  it("blue-green with a good version passes on kind, on the provider's NodePorts", async () => {
    const { r, s, explain } = await runOnKind([...onKind, "--set", "strategy=blue-green", "--set", "preStopSleep=5"]);
    expect(r.exitCode, explain).toBe(0);
    expect(s.verdict).toBe("pass");
    expect(s.requests.inDeployWindow).toBeGreaterThanOrEqual(1000);
    expect(s.versions.map((v) => v.version).sort()).toEqual(["v1", "v2"]);
  });

  // A service that names no version (the Go example, headers off): each
  // connection is followed to its pod: on nerdctl through two network
  // namespaces, this machine's (k6's address → the control plane,
  // masqueraded) and the control plane's (→ a pod), joined by the port the
  // node sees; on a Docker engine in the control plane's alone, where k6 runs.
  it("canary of a service that names no version passes on kind: versions from each request's connection, the gate by version", async () => {
    const b = await run(["sh", join(PROJECT_ROOT, "examples", "go-http", "build.sh")], { reject: false, timeoutMs: 600_000 });
    expect(b.exitCode, b.stderr || b.stdout).toBe(0);
    const { r, s, explain } = await runOnKind(["--app", headerless("go-http"), ...onKind, "--set", "strategy=canary", "--set", "canarySteps=25,100"]);
    expect(r.exitCode, explain).toBe(0);
    expect(s.verdict).toBe("pass");
    expect(s.attribution, explain).not.toBeNull();
    expect(s.attribution!.byHeader).toBe(0);
    expect(s.attribution!.byConnection / s.requests.total, explain).toBeGreaterThanOrEqual(0.99);
    expect(s.versions.map((v) => v.version).filter(Boolean).sort(), explain).toEqual(["v1", "v2"]);
    expect(s.gates.map((g) => g.mode), explain).not.toContain("every-request");
    // Behind docker-proxy k6 ran in the control plane, not behind the proxy.
    if (ENGINE !== "nerdctl") expect(r.output).toMatch(/k6: .* in node nodrop-control-plane's network namespace/);
  });

  // Node maintenance on 1 control plane + 2 workers: every worker drained in
  // turn, the next one straight after the last (like a node-pool upgrade).
  // Replacements take startupDelay (8 s) to be ready, longer than the old
  // pods keep serving (preStop 3 s): with no disruption budget the second
  // drain evicts the last ready pods at once; with one, the evictions wait.
  const drainArgs = ["--set", "provider=kind", "--set", "nodes=3", "--set", "scenario=drain", "--set", "preStopSleep=3", "--set", "startupDelay=8", "--set", "warmup=10", "--set", "cooldown=5", "--set", "requestTimeout=3", "--set", "rate=150"];

  it("drain on 3 nodes with no PDB drops requests, and the report says why: no pod was left ready", async () => {
    // The runs reuse the suite's 3-node cluster (a run tears down a cluster it
    // created itself; this one stays, so the nodes can be checked after a run).
    const { r, dir, s, explain } = await runOnKind(drainArgs);
    expect(r.exitCode, explain).toBe(1);
    expect(s.verdict).toBe("fail");
    const d = s.drain!;
    expect(d.nodes.map((n) => n.node), explain).toEqual(["nodrop-worker", "nodrop-worker2"]);
    expect(d.nodes.every((n) => n.refusals === 0 && n.evictions.length > 0 && n.uncordonAt !== null)).toBe(true);
    expect(d.minReadyPods).toBe(0);
    expect(d.nodes.reduce((a, n) => a + n.failed, 0)).toBe(s.requests.failedInDeployWindow);
    expect(d.explanation).toMatch(/no disruption budget .* fewest ready pods at any time was 0/);
    expect(await readFile(join(dir, "report.md"), "utf8")).toMatch(/## Node drains/);
  });

  it("drain on 3 nodes with a PDB passes: the budget refused evictions until replacements were ready", async () => {
    const { r, s, explain } = await runOnKind([...drainArgs, "--set", "pdb=true"]);
    expect(r.exitCode, explain).toBe(0);
    expect(s.verdict).toBe("pass");
    expect(s.requests.inDeployWindow).toBeGreaterThanOrEqual(1000);
    const d = s.drain!;
    expect(d.nodes.reduce((a, n) => a + n.refusals, 0)).toBeGreaterThan(0);
    expect(d.minReadyPods).toBeGreaterThanOrEqual(1);
    expect(d.nodes.every((n) => n.uncordonAt !== null), explain).toBe(true);
    const kube = new Kube(provider.kubeconfigPath(), provider.context());
    expect((await kube.core.listNode()).items.filter((n) => n.spec?.unschedulable).map((n) => n.metadata?.name), "nodes left cordoned").toEqual([]);
  });

  it("cluster down removes the cluster, the engine, its chains, bridge and cgroup mounts, restores ip_forward, and can run twice", async () => {
    expect(before, "the first test recorded the host before the cluster").toBeDefined();
    const down1 = await nodrop(["cluster", "down", "--provider", "kind"]);
    expect(down1.exitCode, down1.output).toBe(0);
    const procs = await run(["ps", "-eo", "stat=,args="]);
    const living = procs.stdout.split("\n").filter((l) => !/^\s*Z/.test(l));
    expect(living.filter((l) => l.includes(ENGINE_RUN_DIR)), "leftover engine processes").toEqual([]);
    expect(existsSync(ENGINE_RUN_DIR)).toBe(false);
    expect((await links()).filter((l) => !before!.links.includes(l)), "new links left").toEqual([]);
    expect((await chains()).filter((c) => !before!.chains.includes(c)), "new iptables chains left").toEqual([]);
    expect(cgroupMounts(), "cgroup mounts as before").toEqual(before!.cgroups);
    expect(ipForward(), "net.ipv4.ip_forward as before").toBe(before!.ipForward);
    const down2 = await nodrop(["cluster", "down", "--provider", "kind"]);
    expect(down2.exitCode, down2.output).toBe(0);
  });
});
