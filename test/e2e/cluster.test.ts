// Issue: a real cluster with no registry. Given the local cluster, when two
// replicas of the sample app run behind a NodePort, then both answer 200 on
// 127.0.0.1; and the cluster's teardown leaves nothing behind.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { startPreloadContainerd } from "../../harness/cluster/kind/preload.ts";
import { describe, expect, inject, it } from "vitest";
import { LocalProvider } from "../../harness/cluster/local.ts";
import { LOCAL } from "../../harness/cluster/local-config.ts";
import { renderDeployment, renderService, workloadSelector } from "../../harness/deploy/manifests.ts";
import { buildAppImage } from "../../harness/images/app-image.ts";
import { Kube } from "../../harness/kube.ts";
import { validateConfig } from "../../harness/config.ts";
import { run } from "../../harness/exec.ts";
import { waitFor } from "../../harness/wait.ts";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../harness/cluster/provider.ts";
import { nodrop } from "./helpers.ts";
import { httpProbe } from "../../harness/http.ts";

describe("local cluster", () => {
  const provider = new LocalProvider();

  it("serves two replicas of the sample app through a NodePort on 127.0.0.1", async () => {
    const runId = `e2e-cluster-${Date.now().toString(36)}`;
    const namespace = `nodrop-${runId}`;
    const kube = new Kube(provider.kubeconfigPath());
    const config = validateConfig({ replicas: 2 });
    const img = await buildAppImage(join(PROJECT_ROOT, ".nodrop", "images"));
    await provider.loadImage(img.archive, img.name);
    await kube.createNamespace(namespace, runId);
    try {
      await kube.apply(renderDeployment(config, { runId, namespace, name: "app", version: "v1", image: img.name, replicas: 2 }));
      await kube.apply(renderService(config, { runId, namespace, name: "app", selector: workloadSelector(runId, "app") }));
      await kube.waitRollout(namespace, "app", 120_000);
      const pods = (await kube.pods(namespace, `nodrop.dev/run-id=${runId}`)).map((p) => p.metadata!.name!);
      expect(pods).toHaveLength(2);
      const svc = await kube.core.readNamespacedService({ name: "app", namespace });
      const url = `http://127.0.0.1:${svc.spec!.ports![0]!.nodePort}/`;
      const seen = new Set<string>();
      // New connection per request: kube-proxy picks a pod at random each time.
      await waitFor("both pods to answer 200 through the NodePort", async () => {
        const r = await httpProbe(url, 2_000);
        if (r.status === 200) seen.add(String(r.headers["x-pod-name"]));
        return seen.size === 2;
      }, { timeoutMs: 30_000, intervalMs: 20, diagnose: () => `seen: ${[...seen].join(", ")}` });
      expect([...seen].sort()).toEqual(pods.sort());
    } finally {
      await kube.deleteNamespace(namespace);
    }
    expect(await kube.pods(namespace, `nodrop.dev/run-id=${runId}`)).toHaveLength(0);
  });

  // Teardown by record: only what this cluster made goes. Needs a cluster this
  // test run created (global setup): a cluster the user had up is never torn down.
  it.skipIf(!inject("suiteCreatedCluster"))("cluster down removes only what the cluster made (an unrelated netns with a 10.244.x address, a KUBE-TEST chain and a containerd of someone else's stay), and can run twice", async () => {
    const record = JSON.parse(readFileSync("/run/nodrop-local/cluster.json", "utf8")) as { sysctls?: Record<string, string> };
    const kube = new Kube(provider.kubeconfigPath());
    const runId = `e2e-down-${Date.now().toString(36)}`;
    const namespace = `nodrop-${runId}`;
    const config = validateConfig({ replicas: 2 });
    const img = await buildAppImage(join(PROJECT_ROOT, ".nodrop", "images"));
    await provider.loadImage(img.archive, img.name);
    await kube.createNamespace(namespace, runId);
    // Pods running at teardown: their netns and processes must go.
    await kube.apply(renderDeployment(config, { runId, namespace, name: "app", version: "v1", image: img.name, replicas: 2 }));
    await kube.waitRollout(namespace, "app", 120_000);
    const podNetns = (await run(["ip", "-j", "netns", "list"])).stdout;
    const unrelated = `nodrop-e2e-unrelated-${process.pid}`;
    await run(["ip", "netns", "add", unrelated]);
    await run(["ip", "-n", unrelated, "link", "add", "br-test", "type", "bridge"]);
    await run(["ip", "-n", unrelated, "addr", "add", "10.244.0.250/24", "dev", "br-test"]);
    await run(["iptables", "-w", "-N", "KUBE-TEST"]);
    await run(["iptables", "-w", "-A", "KUBE-TEST", "-s", "10.244.0.250", "-j", "RETURN"]);
    // Someone else's containerd (its own root, state and socket), as on a machine with Docker.
    const foreignDir = mkdtempSync(join(tmpdir(), "nodrop-e2e-foreign-containerd-"));
    const foreign = await startPreloadContainerd(join(foreignDir, "root"), join(foreignDir, "state"));
    const foreignAnswers = async () => (await run(["ctr", "--address", join(foreignDir, "state", "c.sock"), "version"], { reject: false })).exitCode === 0;
    try {
      const down1 = await nodrop(["cluster", "down"]);
      expect(down1.exitCode, down1.output).toBe(0);

      // The unrelated things are untouched.
      expect((await run(["ip", "-n", unrelated, "-4", "-o", "addr"])).stdout).toContain("10.244.0.250/24");
      expect((await run(["iptables-save", "-t", "filter"])).stdout).toContain("-A KUBE-TEST -s 10.244.0.250/32 -j RETURN");

      // What the cluster made is gone.
      // A zombie ("<defunct>", state Z) has exited: it holds nothing but its
      // pid until PID 1 reaps it, which on these machines can take a moment.
      const procs = await run(["ps", "-eo", "stat=,args="]);
      const living = procs.stdout.split("\n").filter((l) => !/^\s*Z/.test(l)).map((l) => l.trim().replace(/^\S+\s+/, ""));
      const ours = living.filter((l) => /kube-apiserver|kube-controller-manager|kube-scheduler|kubelet|kube-proxy|\/usr\/bin\/etcd|\/usr\/bin\/containerd|containerd-shim|^\/pause|\/app\/server\.mjs/.test(l) && !l.includes(foreignDir));
      expect(ours, "leftover processes").toEqual([]);
      expect(existsSync("/sys/fs/cgroup/memory/nodrop"), "the cluster's cgroup root").toBe(false);
      const netnsAfter = (await run(["ip", "-j", "netns", "list"])).stdout;
      expect(JSON.parse(podNetns).length, `pods had network namespaces: ${podNetns}`).toBeGreaterThanOrEqual(2);
      expect((JSON.parse(netnsAfter || "[]") as { name: string }[]).map((n) => n.name), "only the unrelated netns is left").toEqual([unrelated]);
      const mounts = readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter((l) => l.includes(provider.paths.dir) || l.includes("/run/nodrop-local"));
      expect(mounts, "leftover mounts").toEqual([]);
      const links = await run(["ip", "-o", "link"]);
      expect(links.stdout).not.toContain(LOCAL.bridge);
      expect(links.stdout).not.toContain(`${LOCAL.dummyIf}:`);
      for (const table of ["filter", "nat", "mangle"]) {
        const rules = await run(["iptables-save", "-t", table]);
        expect(rules.stdout.split("\n").filter((l) => /KUBE-|NODROP-|CNI-HOSTPORT/.test(l) && !l.includes("KUBE-TEST")), `leftover ${table} chains`).toEqual([]);
      }
      for (const [k, v] of Object.entries(record.sysctls ?? {})) expect(readFileSync(`/proc/sys/${k}`, "utf8").trim(), `sysctl ${k} restored`).toBe(v);
      expect(existsSync(provider.paths.dir)).toBe(false);

      const down2 = await nodrop(["cluster", "down"]);
      expect(down2.exitCode, down2.output).toBe(0);
      expect(await foreignAnswers(), "the other containerd still answers after cluster down (twice)").toBe(true);
    } finally {
      await run(["ip", "netns", "delete", unrelated], { reject: false });
      await run(["iptables", "-w", "-F", "KUBE-TEST"], { reject: false });
      await run(["iptables", "-w", "-X", "KUBE-TEST"], { reject: false });
      // Leave the cluster up for the other e2e files.
      const up = await nodrop(["cluster", "up"]);
      expect(up.exitCode, up.output).toBe(0);
      expect(await foreignAnswers(), "the other containerd still answers after cluster up").toBe(true);
      await foreign.stop();
      rmSync(foreignDir, { recursive: true, force: true });
    }
    const nodes = await run(["kubectl", "--kubeconfig", provider.kubeconfigPath(), "get", "nodes", "--no-headers"]);
    expect(nodes.stdout).toMatch(/nodrop-local\s+Ready/);
  });
});
