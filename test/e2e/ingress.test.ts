// Issue 11, part 1 and 3: the traffic path users have. Given the local
// cluster, when the preStop demo runs with the load entering through a real
// ingress controller (Traefik, built from its pinned module, in front of the
// app's Service), then A drops requests and B none, and each report gives the
// controller's propagation lag beside kube-proxy's. Part 2: a canary by route
// weight at the controller (a Gateway API HTTPRoute) passes with a good version,
// with each step's traffic share within tolerance of its weight, and aborts at
// its first step with an erroring one, with the blast radius.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import * as k8s from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { LocalProvider } from "../../harness/cluster/local.ts";
import { Kube } from "../../harness/kube.ts";
import { runDemo, runWithSets, type SummaryJson, unexplainedOutages } from "./helpers.ts";

const WEIGHTED = ["path=ingress", "strategy=canary", "canaryBy=weight", "canarySteps=10,25,50,100", "canaryPause=3", "preStopSleep=5", "rollouts=1", "warmup=5", "cooldown=5"];

async function runWith(sets: string[]) {
  const run = await runWithSets(sets);
  return { ...run, s: run.s as SummaryJson & { trafficShares: { percent: number; requests: number; canaryShare: number; withinTolerance: boolean }[] | null } };
}

describe("the ingress path", () => {
  it("demo --set path=ingress: A fails, B passes, with the controller's lag beside kube-proxy's", async () => {
    const { r, a, b, A, B, explain } = await runDemo(["--set", "path=ingress"]);
    expect(r.exitCode, explain).toBe(0);
    expect(A.config["path"]).toBe("ingress");
    expect(A.verdict, explain).toBe("fail");
    expect(A.outages.length).toBeGreaterThan(0);
    expect(unexplainedOutages(A), explain).toEqual([]);
    // Where the controller is the router, the explanation names it.
    expect(A.outages[0]!.cause!.text).toMatch(/the ingress controller \(Traefik v[\d.]+\)/);
    expect(B.verdict, explain).toBe("pass");
    expect(Object.keys(B.histogram)).toEqual(["200"]);
    expect(B.requests.inDeployWindow).toBeGreaterThanOrEqual(1000);
    // The controller's lag, measured from requests deleted pods still answered
    // through it (B's pods kept serving during preStop), beside kube-proxy's.
    expect(B.ingressLag?.controller).toMatch(/^Traefik v/);
    expect(B.ingressLag!.pods.length, JSON.stringify(B.ingressLag)).toBeGreaterThan(0);
    expect(B.ingressLag!.maxMs).toBeLessThan(5_000);
    for (const s of [A, B]) expect(s.proxyLag?.pods.length, JSON.stringify(s.proxyLag)).toBeGreaterThan(0);
    expect(r.output).toMatch(/endpoint out → ingress's last request to it\s+\S/);
    expect(r.output).toMatch(/endpoint out of service → kube-proxy synced\s+median/);
    const md = await readFile(join(b, "report.md"), "utf8");
    expect(md).toMatch(/The ingress controller \(Traefik v[\d.]+\) still sent requests to a deleted pod median/);
    for (const dir of [a, b]) {
      // Every request went through the controller: its log is kept with the run.
      expect(existsSync(join(dir, "ingress.log")), `${dir}/ingress.log`).toBe(true);
      expect(await readFile(join(dir, "manifests.yaml"), "utf8")).toMatch(/kind: Ingress/);
    }
  });

  it("canary by weight at the ingress passes with a good version, each step's share within ± 5 points of its weight", async () => {
    const { exitCode, s, explain } = await runWith(WEIGHTED);
    expect(exitCode, explain).toBe(0);
    expect(s.verdict, explain).toBe("pass");
    expect(s.requests.inDeployWindow).toBeGreaterThanOrEqual(1000);
    expect(s.trafficShares?.map((x) => x.percent), explain).toEqual([10, 25, 50, 100]);
    for (const x of s.trafficShares!) {
      expect(x.requests, JSON.stringify(x)).toBeGreaterThan(500);
      expect(Math.abs(x.canaryShare - x.percent), JSON.stringify(x)).toBeLessThanOrEqual(5);
      expect(x.withinTolerance).toBe(true);
    }
    expect(s.versions.map((v) => v.version).sort()).toEqual(["v1", "v2"]);
    // The run's cluster-scoped objects (GatewayClass, ClusterRole, binding) went with it; the CRDs stay with the cluster.
    const kube = new Kube(new LocalProvider().kubeconfigPath());
    const runLabel = `nodrop.dev/run-id=${s.runId}`;
    const rbac = kube.kc.makeApiClient(k8s.RbacAuthorizationV1Api);
    expect((await rbac.listClusterRole({ labelSelector: runLabel })).items).toEqual([]);
    expect((await rbac.listClusterRoleBinding({ labelSelector: runLabel })).items).toEqual([]);
    const classes = (await kube.kc.makeApiClient(k8s.CustomObjectsApi).listClusterCustomObject({ group: "gateway.networking.k8s.io", version: "v1", plural: "gatewayclasses", labelSelector: runLabel })) as { items: unknown[] };
    expect(classes.items).toEqual([]);
  });

  it("canary by weight aborts at its first step with an erroring version, with the blast radius", async () => {
    const { exitCode, s, explain } = await runWith([...WEIGHTED, "badVersion=errors", "badErrorRate=0.3"]);
    expect(exitCode, explain).toBe(4);
    expect(s.verdict).toBe("rolled-back");
    expect(s.rollback.reason).toMatch(/at step 10 %/);
    expect(s.blastRadius?.failed ?? 0).toBeGreaterThan(0);
    expect(Object.keys(s.blastRadius!.byVersion)).toEqual(["v2"]);
    expect(s.trafficShares?.map((x) => x.percent)).toEqual([10]);
    // The route went back to stable: the last seconds are v1 only, all 200.
    const tail = s.timeline.slice(-3);
    expect(tail.every((b) => b.failed === 0 && Object.keys(b.byVersion).join() === "v1"), explain).toBe(true);
  });
});
