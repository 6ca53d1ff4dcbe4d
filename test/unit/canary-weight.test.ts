import { describe, expect, it } from "vitest";
import { validateConfig } from "../../harness/config.ts";
import { gatewayArgs, renderGatewayClusterObjects, renderHttpRoute } from "../../harness/ingress/gateway.ts";
import { type ApiService, servedServers, servedWeights } from "../../harness/ingress/live-weights.ts";
import { weightedRouter } from "../../harness/ingress/weighted-route.ts";
import { renderIngress, traefikArgs } from "../../harness/ingress/traefik.ts";
import { shareText, stepShares } from "../../harness/verdict/traffic-share.ts";
import type { RunEvent, Sample } from "../../harness/verdict/types.ts";

const req = (t: number, v: string, s = 200): Sample => ({ t, d: 1, s, e: 0, v, p: `${v}-pod`, ph: "x", c: "reuse" });
const step = (t: number, percent: number): RunEvent => ({ t, kind: "canary-step", percent, by: "weight", canaryVersion: "v2", stableVersion: "v1" });

describe("traffic share by canary step", () => {
  it("counts the canary's share of answered requests from the step's live weights to the next step, against the weight", () => {
    const samples: Sample[] = [];
    for (let i = 0; i < 100; i++) samples.push(req(1000 + i, i % 10 === 0 ? "v2" : "v1")); // 10 %
    for (let i = 0; i < 100; i++) samples.push(req(3000 + i, i % 5 === 0 ? "v2" : "v1")); // 20 %, for a 50 % step
    samples.push(req(1050, "", 0), req(999, "v2"));
    const events: RunEvent[] = [step(1000, 10), { t: 2000, kind: "phase-start", name: "rollout-1-canary-50" }, step(3000, 50), { t: 4000, kind: "window-end", label: "rollout-1" }];
    const shares = stepShares(events, samples);
    expect(shares.map((s) => [s.percent, s.requests, s.canaryShare, s.withinTolerance])).toEqual([
      [10, 100, 10, true],
      [50, 100, 20, false],
    ]);
    expect(shareText(shares[0]!)).toBe("10 % → 10.0 % of 100");
  });

  it("ignores replica-ratio canary steps, and a step with no answered request is never within tolerance", () => {
    expect(stepShares([{ t: 0, kind: "canary-step", percent: 25 }], [req(1, "v2")])).toEqual([]);
    const [s] = stepShares([step(0, 10), { t: 10, kind: "rollback" }], [req(20, "v2")]);
    expect(s).toMatchObject({ requests: 0, withinTolerance: false });
  });
});

describe("Traefik's served weights", () => {
  const api = [
    { name: "nodrop-r1-app-http-80@kubernetesgateway", loadBalancer: {} },
    { name: "httproute-nodrop-r1-app-gw-nodrop-r1-ingress-ep-web-0-1c0cf64bde37d9d0ed8f-wrr@kubernetesgateway", weighted: { services: [{ name: "nodrop-r1-app-http-80", weight: 90 }, { name: "nodrop-r1-app-canary-http-80", weight: 10 }] } },
  ];
  it("reads the weighted service an HTTPRoute became", () => {
    expect(servedWeights(api, "app-canary")).toEqual({ stable: 90, canary: 10 });
  });
  it("says null before the route is served", () => {
    expect(servedWeights(api.slice(0, 1), "app-canary")).toBeNull();
  });
});

describe("a backend's servers as Traefik serves them", () => {
  const lb = (name: string, servers?: number): ApiService => ({ name, loadBalancer: servers === undefined ? {} : { servers: Array.from({ length: servers }, (_, i) => ({ url: `http://10.0.0.${i}:8080` })) } });
  const b = { namespace: "nodrop-r1", service: "app-canary", port: 80 };
  it("counts the servers of the backend's load balancer, by its exact name", () => {
    expect(servedServers([lb("nodrop-r1-app-http-80@kubernetesgateway", 3), lb("nodrop-r1-app-canary-http-80@kubernetesgateway", 2)], b)).toBe(2);
    expect(servedServers([lb("nodrop-r1-app-canary-http-80@kubernetesgateway")], b)).toBe(0);
    expect(servedServers([lb("nodrop-r1-app-http-80@kubernetesgateway", 3)], b)).toBeNull();
  });

  // Traefik builds a backend from its own EndpointSlice cache: with the canary's pods ready but no
  // server listed yet, a weight would send that share to a backend that answers 503.
  it("gives a backend weight only once Traefik lists a server for it, then waits for the weights to be served", async () => {
    const c = { t: 0, now: () => c.t, sleep: async (ms: number) => void (c.t += ms) };
    const log: string[] = [];
    let canaryServers = 0;
    let served = { stable: 100, canary: 0 };
    const wrr = () => ({ name: "httproute-x-wrr@kubernetesgateway", weighted: { services: [{ name: "nodrop-r1-app-http-80", weight: served.stable }, { name: "nodrop-r1-app-canary-http-80", weight: served.canary }] } });
    const events: Array<Record<string, unknown>> = [];
    const router = weightedRouter({
      namespace: "nodrop-r1",
      servicePort: 80,
      api: "http://127.0.0.1:1",
      clock: c,
      services: async () => {
        if (c.t >= 500) canaryServers = 1; // the EndpointSlice reaches Traefik 0.5 s in
        return [lb("nodrop-r1-app-http-80@kubernetesgateway", 4), lb("nodrop-r1-app-canary-http-80@kubernetesgateway", canaryServers), wrr()];
      },
      applyRoute: async (stable, canary) => {
        log.push(`apply ${stable}/${canary} at ${c.t} with ${canaryServers} canary servers`);
        served = { stable, canary };
      },
      record: (kind, fields) => events.push({ kind, ...fields }),
      logTail: async () => "",
    });
    await router.setWeights(90, 10);
    expect(log).toEqual(["apply 90/10 at 500 with 1 canary servers"]);
    expect(events).toEqual([{ kind: "route-weights", stable: 90, canary: 10, setAt: 500, liveAfterMs: 0, serversAfterMs: 500 }]);
  });

  it("times out naming the backend with no server and what Traefik last listed", async () => {
    const c = { t: 0, now: () => c.t, sleep: async (ms: number) => void (c.t += ms) };
    const router = weightedRouter({
      namespace: "nodrop-r1", servicePort: 80, api: "http://127.0.0.1:1", clock: c, timeoutMs: 1_000,
      services: async () => [lb("nodrop-r1-app-http-80@kubernetesgateway", 4), lb("nodrop-r1-app-canary-http-80@kubernetesgateway", 0)],
      applyRoute: async () => { throw new Error("must not apply"); },
      record: () => {},
      logTail: async () => "level=error msg=no endpoints",
    });
    await expect(router.setWeights(90, 10)).rejects.toThrow(/timed out after 1\.0 s waiting for Traefik to list a server for Service app-canary before it gets weight 10[^]*last: 0 servers[^]*no endpoints/);
  });
});

describe("the weighted route's objects", () => {
  it("one GatewayClass per run, selected by its run label; the cluster-wide reads in a ClusterRole labelled with the run", () => {
    const objs = renderGatewayClusterObjects({ runId: "r1", namespace: "nodrop-r1" }) as Array<{ kind: string; metadata: { name: string; labels: Record<string, string> } }>;
    expect(objs.map((o) => o.kind)).toEqual(["ClusterRole", "ClusterRoleBinding", "GatewayClass"]);
    for (const o of objs) expect(o.metadata.labels["nodrop.dev/run-id"]).toBe("r1");
    expect(gatewayArgs({ runId: "r1", namespace: "nodrop-r1" })).toContain("--providers.kubernetesgateway.labelselector=nodrop.dev/run-id=r1");
    const args = traefikArgs({ runId: "r1", namespace: "nodrop-r1", route: "gateway" });
    expect(args).not.toContain("--providers.kubernetesingress=true");
    expect(args).toContain("--api.insecure=true");
  });

  it("the HTTPRoute carries both backends with their weights; no Ingress in gateway mode", () => {
    const r = renderHttpRoute({ runId: "r1", namespace: "n" }, [{ service: "app", port: 80, weight: 75 }, { service: "app-canary", port: 80, weight: 25 }]) as { spec: { rules: Array<{ backendRefs: unknown[] }> } };
    expect(r.spec.rules[0]!.backendRefs).toEqual([{ name: "app", port: 80, weight: 75 }, { name: "app-canary", port: 80, weight: 25 }]);
    const kinds = (renderIngress({ runId: "r1", namespace: "n", image: "i", service: "app", servicePort: 80, route: "gateway" }) as Array<{ kind: string }>).map((o) => o.kind);
    expect(kinds).not.toContain("Ingress");
  });

  it("canaryBy=weight needs path=ingress and strategy=canary", () => {
    expect(() => validateConfig({ strategy: "canary", canaryBy: "weight" })).toThrow(/canaryBy: canaryBy=weight sets weights on the ingress's route: it needs path=ingress/);
    expect(() => validateConfig({ strategy: "rolling", canaryBy: "weight", path: "ingress" })).toThrow(/canaryBy applies to strategy=canary/);
    expect(validateConfig({ strategy: "canary", canaryBy: "weight", path: "ingress" }).canaryBy).toBe("weight");
  });
});
