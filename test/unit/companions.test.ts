// The objects users keep beside their Deployment (issue 24): the usual
// namespaced companions are placed in the run's namespace, references moved
// along; anything nodrop cannot place there is refused, naming the object.
import { describe, expect, it } from "vitest";
import { companionProblem, placeCompanion } from "../../harness/userapp/companions.ts";
import { LABEL_RUN } from "../../harness/kube.ts";

const ctx = { runId: "r1", namespace: "nodrop-r1", deploymentName: "web", runDeploymentName: "app" };

describe("companionProblem", () => {
  it.each([
    ["v1", "ServiceAccount"],
    ["v1", "ConfigMap"],
    ["v1", "Secret"],
    ["v1", "Service"],
    ["rbac.authorization.k8s.io/v1", "Role"],
    ["rbac.authorization.k8s.io/v1", "RoleBinding"],
    ["policy/v1", "PodDisruptionBudget"],
    ["autoscaling/v2", "HorizontalPodAutoscaler"],
    ["networking.k8s.io/v1", "NetworkPolicy"],
  ])("accepts %s %s", (apiVersion, kind) => {
    expect(companionProblem({ apiVersion, kind, metadata: { name: "x" } })).toBeUndefined();
  });

  it.each([
    ["rbac.authorization.k8s.io/v1", "ClusterRole", /ClusterRole 'x' \(rbac\.authorization\.k8s\.io\/v1\) cannot be placed/],
    ["v1", "Namespace", /Namespace 'x' \(v1\) cannot be placed/],
    ["monitoring.coreos.com/v1", "ServiceMonitor", /ServiceMonitor 'x' \(monitoring\.coreos\.com\/v1\) cannot be placed.*custom resources are yours/],
    ["apps/v1", "StatefulSet", /StatefulSet 'x'/],
  ])("refuses %s %s, naming it", (apiVersion, kind, re) => {
    expect(companionProblem({ apiVersion, kind, metadata: { name: "x" } })).toMatch(re);
  });

  it("refuses a Service that takes one of nodrop's own Service names, and an object with no name", () => {
    expect(companionProblem({ apiVersion: "v1", kind: "Service", metadata: { name: "app" } })).toMatch(/Service 'app' takes a name nodrop's own Services use/);
    expect(companionProblem({ apiVersion: "v1", kind: "ConfigMap", metadata: {} })).toMatch(/ConfigMap has no metadata\.name/);
  });
});

describe("placeCompanion", () => {
  it("puts it in the run's namespace with the run's label, keeping the user's labels and annotations", () => {
    const o = placeCompanion({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "web", namespace: "prod", labels: { team: "a" }, annotations: { x: "y" }, uid: "u", resourceVersion: "9" } }, ctx);
    expect(o.metadata).toEqual({ name: "web", namespace: "nodrop-r1", annotations: { x: "y" }, labels: expect.objectContaining({ team: "a", [LABEL_RUN]: "r1" }) });
  });

  it("makes a Service ClusterIP without node ports (nodrop makes the NodePort the load uses)", () => {
    const o = placeCompanion({ apiVersion: "v1", kind: "Service", metadata: { name: "web" }, spec: { type: "NodePort", clusterIP: "10.0.0.9", selector: { app: "web" }, ports: [{ port: 80, targetPort: 8080, nodePort: 30080 }] } }, ctx);
    expect(o["spec"]).toEqual({ type: "ClusterIP", selector: { app: "web" }, ports: [{ port: 80, targetPort: 8080 }] });
  });

  it("points a RoleBinding's ServiceAccount subjects at the run's namespace", () => {
    const o = placeCompanion({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: "rb" }, roleRef: { kind: "Role", name: "r" }, subjects: [{ kind: "ServiceAccount", name: "web", namespace: "prod" }, { kind: "User", name: "alice" }] }, ctx);
    expect(o["subjects"]).toEqual([{ kind: "ServiceAccount", name: "web", namespace: "nodrop-r1" }, { kind: "User", name: "alice" }]);
  });

  it("points an HPA that scales the user's Deployment at the run's", () => {
    const o = placeCompanion({ apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: { name: "h" }, spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" }, minReplicas: 3, maxReplicas: 6 } }, ctx);
    expect((o["spec"] as Record<string, unknown>)["scaleTargetRef"]).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: "app" });
  });
});
