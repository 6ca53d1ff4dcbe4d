import type { V1Deployment, V1EnvVar } from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { validateConfig, type RunConfig } from "../../harness/config.ts";
import {
  LABELS,
  renderAll,
  renderDeployment,
  renderPdb,
  renderService,
  toYaml,
  workloadSelector,
  type WorkloadParams,
} from "../../harness/deploy/manifests.ts";

const cfg = (o: Record<string, unknown> = {}): RunConfig => validateConfig(o);
const W: WorkloadParams = { runId: "r1", namespace: "nodrop-r1", name: "app", version: "v1", image: "nodrop.local/sample-app:abc", replicas: 4 };

const container = (d: V1Deployment) => d.spec!.template.spec!.containers[0]!;
const envOf = (d: V1Deployment): Record<string, V1EnvVar> => Object.fromEntries(container(d).env!.map((e) => [e.name, e]));
const envValue = (d: V1Deployment, name: string) => envOf(d)[name]?.value;

describe("renderDeployment", () => {
  it("labels everything and keeps the version out of the selector", () => {
    const d = renderDeployment(cfg(), { ...W, extraLabels: { slot: "blue" } });
    const common = { "app.kubernetes.io/managed-by": "nodrop", "nodrop.dev/run-id": "r1", "app.kubernetes.io/name": "sample-app" };
    expect(d.apiVersion).toBe("apps/v1");
    expect(d.kind).toBe("Deployment");
    expect(d.metadata).toMatchObject({ name: "app", namespace: "nodrop-r1", labels: { ...common, slot: "blue" } });
    const podLabels = d.spec!.template.metadata!.labels!;
    expect(podLabels).toMatchObject({ ...common, "nodrop.dev/version": "v1", slot: "blue" });
    const sel = d.spec!.selector.matchLabels!;
    expect(sel).toEqual(workloadSelector("r1", "app"));
    expect(sel[LABELS.version]).toBeUndefined();
    for (const [k, v] of Object.entries(sel)) expect(podLabels[k]).toBe(v);
  });

  it("refuses extra labels that would fight the selectors", () => {
    expect(() => renderDeployment(cfg(), { ...W, extraLabels: { [LABELS.runId]: "x" } })).toThrow(/may not set/);
  });

  it("sets the rollout, pod and container knobs from the config", () => {
    const c = cfg({ maxSurge: "25%", maxUnavailable: 1, terminationGracePeriod: 45, deployTimeout: 240, replicas: 3 });
    const d = renderDeployment(c, { ...W, replicas: 3 });
    expect(d.spec!.replicas).toBe(3);
    expect(d.spec!.strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 1 } });
    expect(d.spec!.revisionHistoryLimit).toBe(10);
    expect(d.spec!.progressDeadlineSeconds).toBe(240);
    const pod = d.spec!.template.spec!;
    expect(pod.terminationGracePeriodSeconds).toBe(45);
    expect(pod.enableServiceLinks).toBe(false);
    expect(pod.automountServiceAccountToken).toBe(false);
    const ctr = container(d);
    expect(ctr.image).toBe("nodrop.local/sample-app:abc");
    expect(ctr.imagePullPolicy).toBe("Never");
    expect(ctr.ports).toEqual([{ name: "http", containerPort: 8080, protocol: "TCP" }]);
    expect(ctr.resources).toEqual({ requests: { cpu: "50m", memory: "64Mi" } });
    expect(ctr.resources!.limits).toBeUndefined();
    expect(ctr.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 10001,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
    });
  });

  it("renders the probes", () => {
    const d = renderDeployment(cfg({ readinessPeriod: 2, readinessInitialDelay: 3, readinessFailureThreshold: 4, livenessPeriod: 7 }), W);
    expect(container(d).readinessProbe).toEqual({
      httpGet: { path: "/healthz/ready", port: 8080 },
      initialDelaySeconds: 3,
      periodSeconds: 2,
      failureThreshold: 4,
      successThreshold: 1,
      timeoutSeconds: 1,
    });
    expect(container(d).livenessProbe).toMatchObject({ httpGet: { path: "/healthz/live", port: 8080 }, periodSeconds: 7, failureThreshold: 3 });
  });

  it("renders preStop: none, exec (node, no /bin/sleep in the image) or native sleep", () => {
    expect(container(renderDeployment(cfg(), W)).lifecycle).toBeUndefined();
    const exec = container(renderDeployment(cfg({ preStopSleep: 5 }), W)).lifecycle!;
    expect(exec.preStop!.exec!.command).toEqual(["/usr/local/bin/node", "-e", "setTimeout(() => {}, 5000)"]);
    expect(exec.preStop!.sleep).toBeUndefined();
    const sleep = container(renderDeployment(cfg({ preStopSleep: 5, preStopAction: "sleep" }), W)).lifecycle!;
    expect(sleep).toEqual({ preStop: { sleep: { seconds: 5 } } });
    // Sleep seconds are whole; the exec variant keeps the exact duration.
    expect(container(renderDeployment(cfg({ preStopSleep: 2.5, preStopAction: "sleep" }), W)).lifecycle!.preStop!.sleep!.seconds).toBe(3);
    expect(container(renderDeployment(cfg({ preStopSleep: 2.5 }), W)).lifecycle!.preStop!.exec!.command![2]).toContain("2500");
  });

  it("passes the app knobs as env", () => {
    const d = renderDeployment(cfg({ shutdown: "abrupt", drainTimeout: 7, startupDelay: 1.5, readiness: "lying", workMs: 40 }), W);
    expect(envValue(d, "APP_VERSION")).toBe("v1");
    expect(envValue(d, "SHUTDOWN")).toBe("abrupt");
    expect(envValue(d, "DRAIN_TIMEOUT_MS")).toBe("7000");
    expect(envValue(d, "STARTUP_DELAY_MS")).toBe("1500");
    expect(envValue(d, "READINESS")).toBe("lying");
    expect(envValue(d, "WORK_MS")).toBe("40");
    expect(envValue(d, "PORT")).toBe("8080");
    expect(envOf(d)["POD_NAME"]!.valueFrom!.fieldRef!.fieldPath).toBe("metadata.name");
    expect(envOf(d)["ERROR_RATE"]).toBeUndefined();
    expect(envOf(d)["NEVER_READY"]).toBeUndefined();
    for (const e of container(d).env!) {
      if (e.value !== undefined) expect(typeof e.value).toBe("string");
    }
  });

  it("applies the bad-version knobs only to the bad workload", () => {
    const errors = cfg({ badVersion: "errors", badErrorRate: 0.3 });
    expect(envValue(renderDeployment(errors, { ...W, bad: true }), "ERROR_RATE")).toBe("0.3");
    expect(envOf(renderDeployment(errors, W))["ERROR_RATE"]).toBeUndefined();
    const never = cfg({ badVersion: "never-ready" });
    expect(envValue(renderDeployment(never, { ...W, bad: true }), "NEVER_READY")).toBe("true");
    expect(envOf(renderDeployment(never, W))["NEVER_READY"]).toBeUndefined();
    const none = renderDeployment(cfg(), { ...W, bad: true });
    expect(envOf(none)["ERROR_RATE"]).toBeUndefined();
    expect(envOf(none)["NEVER_READY"]).toBeUndefined();
    expect(envOf(none)["RESET_RATE"]).toBeUndefined();
  });

  it("badVersion=slow: the new version's WORK_MS is workMs + badDelayMs, the old one's workMs", () => {
    const c = cfg({ badVersion: "slow", workMs: 5 });
    expect(envValue(renderDeployment(c, { ...W, bad: true }), "WORK_MS")).toBe("205");
    expect(envValue(renderDeployment(c, W), "WORK_MS")).toBe("5");
    expect(envValue(renderDeployment(cfg({ badVersion: "slow", badDelayMs: 50 }), { ...W, bad: true }), "WORK_MS")).toBe("50");
  });

  it("badVersion=resets: RESET_RATE=badErrorRate on the new version's pods only", () => {
    const c = cfg({ badVersion: "resets", badErrorRate: 0.4 });
    // The old version (setup, and the rollback target) is never bad.
    const old = renderAll(c, { runId: "r1", namespace: "nodrop-r1", image: W.image, version: "v1" }).find(
      (o): o is V1Deployment => (o as { kind?: string }).kind === "Deployment",
    )!;
    expect(envOf(old)["RESET_RATE"]).toBeUndefined();
    const next = renderDeployment(c, { ...W, version: "v2", bad: true });
    expect(envValue(next, "APP_VERSION")).toBe("v2");
    expect(envValue(next, "RESET_RATE")).toBe("0.4");
    // Only the resets knob: no 500s, readiness untouched.
    expect(envOf(next)["ERROR_RATE"]).toBeUndefined();
    expect(envOf(next)["NEVER_READY"]).toBeUndefined();
    expect(envOf(renderDeployment(c, { ...W, version: "v2" }))["RESET_RATE"]).toBeUndefined();
    // And the other bad versions never set it.
    expect(envOf(renderDeployment(cfg({ badVersion: "errors" }), { ...W, bad: true }))["RESET_RATE"]).toBeUndefined();
  });

  it("changes only the pod template when only the version changes", () => {
    const a = renderDeployment(cfg(), W);
    const b = renderDeployment(cfg(), { ...W, version: "v2" });
    expect(b.spec!.template).not.toEqual(a.spec!.template);
    expect(b.spec!.template.metadata!.labels![LABELS.version]).toBe("v2");
    expect(b.spec!.selector).toEqual(a.spec!.selector);
    expect(b.metadata).toEqual(a.metadata);
    expect({ ...b.spec, template: undefined }).toEqual({ ...a.spec, template: undefined });
  });
});

describe("renderService and renderPdb", () => {
  it("renders a labelled NodePort service 80 → 8080", () => {
    const s = renderService(cfg(), { runId: "r1", namespace: "ns", name: "app", selector: { slot: "blue" }, nodePort: 30080 });
    expect(s).toMatchObject({ apiVersion: "v1", kind: "Service", metadata: { name: "app", namespace: "ns" } });
    expect(s.metadata!.labels).toMatchObject({ "app.kubernetes.io/managed-by": "nodrop", "nodrop.dev/run-id": "r1" });
    expect(s.spec).toEqual({
      type: "NodePort",
      selector: { slot: "blue" },
      ports: [{ name: "http", protocol: "TCP", port: 80, targetPort: 8080, nodePort: 30080 }],
    });
    const noPort = renderService(cfg(), { runId: "r1", namespace: "ns", name: "app", selector: {} });
    expect(noPort.spec!.ports![0]).not.toHaveProperty("nodePort");
  });

  it("renders a PDB with minAvailable = replicas - 1", () => {
    const p = renderPdb(cfg(), { runId: "r1", namespace: "ns", name: "app", replicas: 4, selector: { a: "b" } });
    expect(p).toMatchObject({ apiVersion: "policy/v1", kind: "PodDisruptionBudget", spec: { minAvailable: 3, selector: { matchLabels: { a: "b" } } } });
    expect(p.metadata!.labels![LABELS.runId]).toBe("r1");
  });
});

describe("renderAll and toYaml", () => {
  const P = { runId: "r1", namespace: "nodrop-r1", image: "img:1", version: "v1" };

  it("adds the PDB only when config.pdb", () => {
    expect(renderAll(cfg(), P).map((o) => (o as { kind: string }).kind)).toEqual(["Namespace", "Deployment", "Service"]);
    const all = renderAll(cfg({ pdb: true, replicas: 3 }), P);
    expect(all.map((o) => (o as { kind: string }).kind)).toEqual(["Namespace", "Deployment", "Service", "PodDisruptionBudget"]);
    // The service and the PDB select exactly the Deployment's pods.
    const d = all[1] as V1Deployment;
    const sel = d.spec!.selector.matchLabels;
    expect((all[2] as { spec: { selector: unknown } }).spec.selector).toEqual(sel);
    expect((all[3] as { spec: { minAvailable: number; selector: { matchLabels: unknown } } }).spec).toEqual({ minAvailable: 2, selector: { matchLabels: sel } });
    for (const o of all) {
      expect((o as { metadata: { labels: Record<string, string> } }).metadata.labels).toMatchObject({
        "app.kubernetes.io/managed-by": "nodrop",
        "nodrop.dev/run-id": "r1",
        "app.kubernetes.io/name": "sample-app",
      });
    }
  });

  it("round-trips through multi-document YAML, keeping strings strings", () => {
    const c = cfg({ pdb: true, badVersion: "never-ready", preStopSleep: 3 });
    const objects = [...renderAll(c, P), renderDeployment(c, { ...W, name: "app-green", bad: true })];
    const text = toYaml(objects);
    const docs = parseAllDocuments(text).map((d) => {
      expect(d.errors).toEqual([]);
      return d.toJS() as unknown;
    });
    expect(docs).toEqual(JSON.parse(JSON.stringify(objects)));
    expect(text).toMatch(/value: "true"/);
    expect(text).not.toContain("undefined");
  });
});
