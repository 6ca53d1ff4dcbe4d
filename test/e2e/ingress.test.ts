// Issue 11, part 1 and 3: the traffic path users have. Given the local
// cluster, when the preStop demo runs with the load entering through a real
// ingress controller (Traefik, built from its pinned module, in front of the
// app's Service), then A drops requests and B none, and each report gives the
// controller's propagation lag beside kube-proxy's.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nodrop, reportHead, runDirsIn, summaryOf, unexplainedOutages } from "./helpers.ts";

describe("the ingress path", () => {
  it("demo --set path=ingress: A fails, B passes, with the controller's lag beside kube-proxy's", async () => {
    const r = await nodrop(["demo", "--set", "path=ingress"]);
    const [a, b] = runDirsIn(r.output);
    expect(a && b, r.output).toBeTruthy();
    const explain = `${r.output.slice(-3000)}\n--- A ---\n${await reportHead(a!)}\n--- B ---\n${await reportHead(b!)}`;
    expect(r.exitCode, explain).toBe(0);
    const A = await summaryOf(a!);
    const B = await summaryOf(b!);
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
    expect(r.output).toMatch(/endpoint out of service → ingress's last request to the pod\s+\S/);
    expect(r.output).toMatch(/endpoint out of service → kube-proxy synced\s+median/);
    const md = await readFile(join(b!, "report.md"), "utf8");
    expect(md).toMatch(/The ingress controller \(Traefik v[\d.]+\) still sent requests to a deleted pod median/);
    for (const dir of [a!, b!]) {
      // Every request went through the controller: its log is kept with the run.
      expect(existsSync(join(dir, "ingress.log")), `${dir}/ingress.log`).toBe(true);
      expect(await readFile(join(dir, "manifests.yaml"), "utf8")).toMatch(/kind: Ingress/);
    }
  });
});
