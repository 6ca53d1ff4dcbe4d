// load=operator: the objects nodrop creates in the run's namespace for
// Grafana's k6-operator. Pure: rendered from plain parameters, unit-tested.
//   - the controller: a ServiceAccount, a namespaced Role (the rules of the
//     module's config/rbac/role.yaml, cut down to this namespace) and its
//     binding, and a Deployment watching this namespace only (WATCH_NAMESPACE)
//   - the bundled scenario in a ConfigMap
//   - the TestRun: N runners, each `k6 run --execution-segment i/N` of the
//     scenario, paused until the operator's starter un-pauses them all
// Every object carries the run id; the namespace's deletion removes them all.
import type { V1ConfigMap, V1Deployment, V1EnvVar, V1Role, V1RoleBinding, V1ServiceAccount } from "@kubernetes/client-node";

export const OPERATOR_NAME = "k6-operator";
export const TESTRUN_NAME = "load";
export const SCENARIO_CONFIGMAP = "nodrop-scenario";
export const SCENARIO_FILE = "scenario.js";
/** Labels the operator puts on a TestRun's runner pods (pkg/resources/jobs: newLabels + runner=true). */
export const runnerSelector = (testRun = TESTRUN_NAME) => `app=k6,k6_cr=${testRun},runner=true`;

export interface OperatorParams {
  runId: string;
  namespace: string;
  /** Image refs, loaded into the cluster beforehand (imagePullPolicy Never). */
  managerImage: string;
  runnerImage: string;
  starterImage: string;
  runners: number;
  /** The scenario's __ENV (scenarioEnv()), set as the runners' environment. */
  env: Record<string, string>;
}

const LABELS = { "app.kubernetes.io/managed-by": "nodrop", "app.kubernetes.io/part-of": "nodrop-load" } as const;
const meta = (p: OperatorParams, name: string, extra: Record<string, string> = {}) => ({
  name,
  namespace: p.namespace,
  labels: { ...LABELS, "nodrop.dev/run-id": p.runId, ...extra },
});

/**
 * Everything the controller does in the namespace (role.yaml of the module:
 * pods and their logs, Services, Jobs, its TestRuns and their status, leases).
 * Secrets are left out: they serve k6 Cloud tokens only.
 */
export function operatorRbac(p: OperatorParams): [V1ServiceAccount, V1Role, V1RoleBinding] {
  const rw = ["create", "delete", "get", "list", "patch", "update", "watch"];
  return [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(p, OPERATOR_NAME) },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: meta(p, OPERATOR_NAME),
      rules: [
        { apiGroups: [""], resources: ["pods", "pods/log"], verbs: ["get", "list", "watch"] },
        { apiGroups: [""], resources: ["services"], verbs: rw },
        { apiGroups: ["batch"], resources: ["jobs"], verbs: rw },
        { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create", "get", "list", "update"] },
        { apiGroups: ["k6.io"], resources: ["testruns", "privateloadzones"], verbs: rw },
        { apiGroups: ["k6.io"], resources: ["testruns/status", "testruns/finalizers", "privateloadzones/status", "privateloadzones/finalizers"], verbs: ["get", "patch", "update"] },
        { apiGroups: [""], resources: ["events"], verbs: ["create", "patch"] },
      ],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: meta(p, OPERATOR_NAME),
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: OPERATOR_NAME },
      subjects: [{ kind: "ServiceAccount", name: OPERATOR_NAME, namespace: p.namespace }],
    },
  ];
}

export function operatorDeployment(p: OperatorParams): V1Deployment {
  const selector = { "app.kubernetes.io/name": OPERATOR_NAME, "nodrop.dev/run-id": p.runId };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: meta(p, OPERATOR_NAME, { "app.kubernetes.io/name": OPERATOR_NAME }),
    spec: {
      replicas: 1,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: { ...LABELS, ...selector } },
        spec: {
          serviceAccountName: OPERATOR_NAME,
          terminationGracePeriodSeconds: 5,
          containers: [
            {
              name: "manager",
              image: p.managerImage,
              imagePullPolicy: "Never",
              command: ["/manager"],
              // No leader election (one replica, one run) and no metrics endpoint.
              args: ["--metrics-bind-address=0", "--health-probe-bind-address=:8081"],
              env: [{ name: "WATCH_NAMESPACE", value: p.namespace }],
              readinessProbe: { httpGet: { path: "/readyz", port: 8081 }, periodSeconds: 1 },
            },
          ],
        },
      },
    },
  };
}

export function scenarioConfigMap(p: OperatorParams, script: string): V1ConfigMap {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: meta(p, SCENARIO_CONFIGMAP), data: { [SCENARIO_FILE]: script } };
}

/** k6's arguments on every runner (the operator splits them on single spaces: no value may hold one). */
export const RUNNER_ARGUMENTS = "--no-usage-report --log-format raw";

export interface TestRunObject {
  apiVersion: "k6.io/v1alpha1";
  kind: "TestRun";
  metadata: ReturnType<typeof meta>;
  spec: Record<string, unknown>;
}

export function testRun(p: OperatorParams): TestRunObject {
  const env: V1EnvVar[] = [...Object.entries(p.env).map(([name, value]) => ({ name, value })), { name: "K6_NO_USAGE_REPORT", value: "true" }];
  const podMeta = { labels: { ...LABELS, "nodrop.dev/run-id": p.runId } };
  return {
    apiVersion: "k6.io/v1alpha1",
    kind: "TestRun",
    metadata: meta(p, TESTRUN_NAME),
    spec: {
      parallelism: p.runners,
      script: { configMap: { name: SCENARIO_CONFIGMAP, file: SCENARIO_FILE } },
      arguments: RUNNER_ARGUMENTS,
      quiet: "true",
      runner: { image: p.runnerImage, imagePullPolicy: "Never", env, metadata: podMeta },
      initializer: { image: p.runnerImage, imagePullPolicy: "Never", env, metadata: podMeta },
      starter: { image: p.starterImage, imagePullPolicy: "Never", metadata: podMeta },
    },
  };
}
