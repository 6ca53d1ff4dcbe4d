import { describe, expect, it } from "vitest";
import { endpointOutToLastRequest, ingressController } from "../../harness/verdict/ingress-lag.ts";
import { ingressLagText } from "../../reports/lag-text.ts";
import type { PodExit } from "../../harness/verdict/outage-causes.ts";
import type { RunEvent, Sample } from "../../harness/verdict/types.ts";
import { ingressClass, renderIngress, traefikArgs } from "../../harness/ingress/traefik.ts";

const exit = (pod: string, notReady: number | null, removed: number | null, exited: number | null = null): PodExit => ({
  pod,
  deletedAt: (notReady ?? removed ?? 0) - 10,
  endpointNotReadyAt: notReady,
  endpointRemovedAt: removed,
  exitedAt: exited,
  programmedAt: null,
});
const req = (t: number, p: string, c: "new" | "reuse" = "reuse", s = 200): Sample => ({ t, d: 1, s, e: s === 0 ? 1212 : 0, v: "v1", p, ph: "rollout-1", c });
const ingressEvent: RunEvent = { t: 0, kind: "ingress", controller: "Traefik v3.6.12", nodePort: 30082 };

describe("ingress lag: endpoint out of service → the controller's last request to the pod", () => {
  it("counts every request (the controller routes each one, kept-alive client connections too), from the first of not ready and removed", () => {
    const exits = [exit("a", 1000, 1500, 8000), exit("b", null, 2000, 9000), exit("c", 3000, 2900, 9000)];
    const samples = [req(1100, "a", "new"), req(2900, "a", "reuse"), req(2600, "b"), req(2950, "c"), req(3100, "c", "new", 0)];
    const lag = endpointOutToLastRequest(exits, samples, [ingressEvent])!;
    expect(lag.controller).toBe("Traefik v3.6.12");
    expect(lag.pods).toEqual([{ pod: "a", ms: 1900 }, { pod: "b", ms: 600 }, { pod: "c", ms: 50 }]);
    expect([lag.minMs, lag.medianMs, lag.maxMs]).toEqual([50, 600, 1900]);
    expect(lag.cutShort).toBe(0);
    expect(ingressLagText(lag)).toBe("median 0.60 s, min 0.05 s, max 1.90 s over 3 pods");
  });

  it("says a pod an outage names (it stopped while the controller still sent to it) gives only a lower bound", () => {
    const lag = endpointOutToLastRequest([exit("a", 1000, null, 1300), exit("b", 1000, null, 6000)], [req(1200, "a"), req(1400, "b")], [ingressEvent], new Set(["a", "z"]))!;
    expect(lag.cutShort).toBe(1);
    expect(ingressLagText(lag)).toMatch(/over 2 pods \(1 of them named by an outage: they stopped while it still sent to them, so a lower bound there\)$/);
  });

  it("is null on the NodePort path, and says so when no deleted pod answered after leaving service", () => {
    expect(endpointOutToLastRequest([exit("a", 1000, null)], [req(1200, "a")], [])).toBeNull();
    expect(ingressController([])).toBeNull();
    const none = endpointOutToLastRequest([exit("a", 1000, null)], [req(1200, "z")], [ingressEvent])!;
    expect(none.pods).toEqual([]);
    expect(ingressLagText(none)).toBe("no deleted pod answered a request after its endpoint left service");
    expect(ingressLagText(null)).toBe("–");
  });
});

describe("the Traefik objects", () => {
  const objects = renderIngress({ runId: "r1", namespace: "nodrop-r1", image: "nodrop.local/traefik:v3.6.12", service: "app", servicePort: 80, nodePort: 30082 }) as Array<{ kind: string; metadata: { namespace?: string; annotations?: Record<string, string>; labels?: Record<string, string> } } & Record<string, any>>;

  it("are all namespaced and labelled with the run id: nothing outlives the run's namespace", () => {
    expect(objects.map((o) => o.kind)).toEqual(["ServiceAccount", "Role", "RoleBinding", "Deployment", "Service", "Ingress"]);
    for (const o of objects) {
      expect(o.metadata.namespace).toBe("nodrop-r1");
      expect(o.metadata.labels?.["nodrop.dev/run-id"]).toBe("r1");
    }
  });

  it("never calls out of the machine, never pulls, and watches only the run's namespace and its own ingress class", () => {
    const args = traefikArgs({ runId: "r1", namespace: "nodrop-r1" });
    expect(args).toContain("--global.checknewversion=false");
    expect(args).toContain("--global.sendanonymoususage=false");
    expect(args).toContain("--providers.kubernetesingress.namespaces=nodrop-r1");
    expect(args).toContain("--providers.kubernetesingress.disableClusterScopeResources=true");
    expect(args).toContain(`--providers.kubernetesingress.ingressClass=${ingressClass("r1")}`);
    expect(args.some((a) => a.startsWith("--serversTransport"))).toBe(false);
    expect(traefikArgs({ runId: "r1", namespace: "n", idleTimeoutS: 2.5 })).toContain("--serversTransport.forwardingTimeouts.idleConnTimeout=2500ms");
    const dep = objects.find((o) => o.kind === "Deployment")!;
    expect(dep.spec.template.spec.containers[0].imagePullPolicy).toBe("Never");
    const ing = objects.find((o) => o.kind === "Ingress")!;
    expect(ing.metadata.annotations?.["kubernetes.io/ingress.class"]).toBe("nodrop-r1");
    expect(ing.spec.rules[0].http.paths[0].backend.service).toEqual({ name: "app", port: { number: 80 } });
    const svc = objects.find((o) => o.kind === "Service")!;
    expect(svc.spec.ports[0].nodePort).toBe(30082);
  });
});

describe("ingressController=nginx", () => {
  it("is refused off the ingress path and for the weighted canary, naming the field", async () => {
    const { validateConfig } = await import("../../harness/config.ts");
    expect(() => validateConfig({ ingressController: "nginx" })).toThrow(/ingressController: ingressController applies to path=ingress \(path is nodeport\)/);
    expect(() => validateConfig({ path: "ingress", ingressController: "nginx", strategy: "canary", canaryBy: "weight" })).toThrow(/ingressController: canaryBy=weight sets weights on Traefik's HTTPRoute/);
    expect(() => validateConfig({ path: "ingress", ingressController: "haproxy" })).toThrow(/ingressController/);
    expect(validateConfig({ path: "ingress", ingressController: "nginx" }).ingressController).toBe("nginx");
  });

  it("renders nginx with upstream keep-alive to the Service's ClusterIP, its idle timeout from ingressIdleTimeout", async () => {
    const { nginxConf, renderNginx } = await import("../../harness/ingress/nginx.ts");
    const conf = nginxConf({ upstream: { host: "10.96.0.12", port: 80 }, idleTimeoutS: 90 });
    expect(conf).toContain("server 10.96.0.12:80;");
    expect(conf).toContain("keepalive 320;");
    expect(conf).toContain("keepalive_timeout 90000ms;");
    expect(conf).toContain('proxy_set_header Connection "";');
    const objs = renderNginx({ runId: "r1", namespace: "ns", image: "nodrop.local/nginx:x", upstream: { host: "10.96.0.12", port: 80 }, idleTimeoutS: 0.5, nodePort: 30082 }) as any[];
    expect(objs.map((o) => o.kind)).toEqual(["ConfigMap", "Deployment", "Service"]);
    expect(objs[0].data["nginx.conf"]).toContain("keepalive_timeout 500ms;");
    const c = objs[1].spec.template.spec.containers[0];
    expect(c.imagePullPolicy).toBe("Never");
    expect(objs.every((o) => o.metadata.labels["nodrop.dev/run-id"] === "r1")).toBe(true);
    expect(objs[2].spec.ports[0].nodePort).toBe(30082);
  });
});
