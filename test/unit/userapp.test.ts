// A user's app folder: checked before any cluster work (ConfigError naming the
// folder and the problem), patched only where nodrop must, knobs applied only
// when the user set them.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "tar";
import { describe, expect, it } from "vitest";
import type { V1Pod } from "@kubernetes/client-node";
import { ConfigError, validateConfig } from "../../harness/config.ts";
import { packBinary } from "../../harness/images/pack.ts";
import { podStartProblem } from "../../harness/pod-problems.ts";
import { imageNamesInArchive, normalizeRef } from "../../harness/userapp/archive.ts";
import { appConfig, loadUserApp } from "../../harness/userapp/load.ts";
import { patchDeployment } from "../../harness/userapp/patch.ts";

const DEPLOYMENT = (image: string, extra = "") => `apiVersion: apps/v1
kind: Deployment
metadata: { name: web, labels: { app: web } }
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  strategy: { type: RollingUpdate, rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } }
  template:
    metadata: { labels: { app: web } }
    spec:
      terminationGracePeriodSeconds: 20
      containers:
        - name: web
          image: ${image}
          ports: [{ name: http, containerPort: 9000 }]
          env: [{ name: APP_VERSION, value: old }, { name: KEEP, value: "1" }]
          lifecycle: { preStop: { exec: { command: [/bin/wait] } } }
${extra}`;

async function appDir(files: Record<string, string>, image = "example.com/web:1"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "nodrop-userapp-"));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  await packBinary({ binary: "/bin/true", name: image, out: join(dir, "image.tar") });
  return dir;
}

async function rejects(dir: string, message: RegExp): Promise<void> {
  const e = await loadUserApp(dir).then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(ConfigError);
  expect((e as Error).message).toMatch(/^app: /);
  expect((e as Error).message).toMatch(message);
}

describe("image references and archives", () => {
  it("normalises references as the kubelet does", () => {
    expect(normalizeRef("nginx")).toBe("docker.io/library/nginx:latest");
    expect(normalizeRef("me/app:2")).toBe("docker.io/me/app:2");
    expect(normalizeRef("localhost:5000/app")).toBe("localhost:5000/app:latest");
    expect(normalizeRef("example.com/team/app:1.0")).toBe("example.com/team/app:1.0");
  });

  it("reads the names of an OCI layout (nodrop's own pack) and of a docker-save archive", async () => {
    const dir = await appDir({});
    expect(await imageNamesInArchive(join(dir, "image.tar"))).toEqual(["example.com/web:1"]);
    await writeFile(join(dir, "manifest.json"), JSON.stringify([{ Config: "c.json", RepoTags: ["web:2", "me/web:3"], Layers: [] }]));
    await create({ file: join(dir, "saved.tar"), cwd: dir }, ["manifest.json"]);
    expect(await imageNamesInArchive(join(dir, "saved.tar"))).toEqual(["docker.io/library/web:2", "docker.io/me/web:3"]);
  });

  it("refuses a tar that is not an image archive", async () => {
    const dir = await mkdtemp(join(tmpdir(), "nodrop-userapp-"));
    await writeFile(join(dir, "x.txt"), "x");
    await create({ file: join(dir, "x.tar"), cwd: dir }, ["x.txt"]);
    await expect(imageNamesInArchive(join(dir, "x.tar"))).rejects.toThrow(/neither index\.json .* nor manifest\.json/);
  });
});

describe("loadUserApp: bad folders exit 2 before the cluster", () => {
  it("accepts a Deployment + Service + ConfigMap and reads the port from the Service", async () => {
    const dir = await appDir({
      "d.yaml": DEPLOYMENT("example.com/web:1"),
      "s.yaml": "apiVersion: v1\nkind: Service\nmetadata: { name: web }\nspec: { ports: [{ port: 80, targetPort: http }] }\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: cfg }\ndata: { a: b }\n",
    });
    const app = await loadUserApp(dir);
    expect([app.path, app.versionHeader, app.podHeader]).toEqual(["/", "X-App-Version", "X-Pod-Name"]);
    expect(app.image).toBe("example.com/web:1");
    expect(app.port).toBe("http");
    expect(app.container).toBe("web");
    // The Service is applied too (as ClusterIP; nodrop makes the NodePort), beside the ConfigMap.
    expect(app.extras.map((o) => o["kind"])).toEqual(["Service", "ConfigMap"]);
  });

  it("reads the path the load requests and the headers that name the version and the pod", async () => {
    const app = await loadUserApp(await appDir({ "d.yaml": DEPLOYMENT("example.com/web:1"), "nodrop-app.yaml": "path: /api/ping\nversionHeader: X-Build\npodHeader: X-Served-By\n" }));
    expect([app.path, app.versionHeader, app.podHeader, app.port]).toEqual(["/api/ping", "X-Build", "X-Served-By", 9000]);
  });

  it.each([
    [{ "d.yaml": DEPLOYMENT("example.com/web:1"), "nodrop-app.yaml": "versionHeader: X Build\n" }, /versionHeader: an HTTP header name/],
    [{ "d.yaml": DEPLOYMENT("example.com/web:2") }, /does not hold example\.com\/web:2 \(it holds: example\.com\/web:1\); nothing can be pulled here/],
    [{ "d.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\n" }, /needs exactly one Deployment manifest, found 0/],
    [{ "d.yaml": `${DEPLOYMENT("example.com/web:1")}---\napiVersion: batch/v1\nkind: Job\nmetadata: { name: j }\n` }, /d\.yaml: Job 'j' \(batch\/v1\) cannot be placed in the run's namespace: nodrop applies the Deployment and only these namespaced kinds beside it: ConfigMap, Secret, ServiceAccount, Service, Role \(rbac/],
    [{ "d.yaml": "kind: [unclosed\n" }, /d\.yaml is not valid YAML/],
    [{ "d.yaml": DEPLOYMENT("example.com/web:1"), "nodrop-app.yaml": "archive: missing.tar\n" }, /image archive missing\.tar not found/],
    [{ "d.yaml": DEPLOYMENT("example.com/web:1"), "nodrop-app.yaml": "container: db\n" }, /container 'db' is not in the Deployment \(has: web\)/],
    [{ "d.yaml": DEPLOYMENT("example.com/web:1"), "nodrop-app.yaml": "image: x\n" }, /allowed keys: archive, build, container, port, path, versionHeader, podHeader/],
    [{ "d.yaml": DEPLOYMENT("example.com/web:1"), "nodrop-app.yaml": "build: exit 7\n" }, /the build command 'exit 7' exited 7/],
  ])("rejects bad folder #%#, naming the problem", async (files, message) => {
    await rejects(await appDir(files), message);
  });
});

describe("patching the user's Deployment", () => {
  const params = { runId: "r1", namespace: "nodrop-r1", name: "app-blue", version: "v2", image: "example.com/web:1", replicas: 3, extraLabels: { "nodrop.dev/slot": "blue" } };

  it("keeps the manifest's knobs the user did not set, and changes the pod template per version", async () => {
    const app = await loadUserApp(await appDir({ "d.yaml": DEPLOYMENT("example.com/web:1") }));
    const config = appConfig(validateConfig({ app: "x" }), app);
    expect([config.replicas, config.maxSurge, config.maxUnavailable, config.terminationGracePeriod, config.preStopSleep]).toEqual([2, 0, 1, 20, 0]);
    const d = patchDeployment(app.deployment, app.container, config, params);
    expect(d.metadata).toMatchObject({ name: "app-blue", namespace: "nodrop-r1" });
    expect(d.spec!.replicas).toBe(3);
    expect(d.spec!.strategy!.rollingUpdate).toEqual({ maxSurge: 0, maxUnavailable: 1 });
    expect(d.spec!.selector.matchLabels).toMatchObject({ "nodrop.dev/run-id": "r1", "nodrop.dev/workload": "app-blue" });
    const pod = d.spec!.template;
    expect(pod.metadata!.labels).toMatchObject({ app: "web", "nodrop.dev/version": "v2", "nodrop.dev/slot": "blue" });
    expect(pod.metadata!.annotations).toEqual({ "nodrop.dev/version": "v2" });
    const c = pod.spec!.containers[0]!;
    expect(c.imagePullPolicy).toBe("Never");
    expect(c.env!.filter((e) => e.name === "APP_VERSION")).toEqual([{ name: "APP_VERSION", value: "v2" }]);
    expect(c.env!.map((e) => e.name)).toEqual(["KEEP", "APP_VERSION", "POD_NAME"]);
    expect(c.lifecycle).toEqual({ preStop: { exec: { command: ["/bin/wait"] } } });
    expect(pod.spec!.terminationGracePeriodSeconds).toBe(20);
    // The template itself is untouched.
    expect(app.deployment.spec!.template.spec!.containers[0]!.imagePullPolicy).toBeUndefined();
  });

  it("applies the knobs the user set: preStopSleep as the native sleep action (0 removes it), surge, grace period", async () => {
    const app = await loadUserApp(await appDir({ "d.yaml": DEPLOYMENT("example.com/web:1") }));
    const set = appConfig(validateConfig({ app: "x", preStopSleep: 4, maxSurge: 2, maxUnavailable: 0, terminationGracePeriod: 40 }), app);
    const d = patchDeployment(app.deployment, app.container, set, params);
    expect(d.spec!.strategy!.rollingUpdate).toEqual({ maxSurge: 2, maxUnavailable: 0 });
    expect(d.spec!.template.spec!.terminationGracePeriodSeconds).toBe(40);
    expect(d.spec!.template.spec!.containers[0]!.lifecycle).toEqual({ preStop: { sleep: { seconds: 4 } } });
    const none = appConfig(validateConfig({ app: "x", preStopSleep: 0 }), app);
    expect(patchDeployment(app.deployment, app.container, none, params).spec!.template.spec!.containers[0]!.lifecycle).toBeUndefined();
  });

  it("badVersion is the sample app's only", () => {
    expect(() => validateConfig({ app: "x", badVersion: "errors" })).toThrow(/badVersion: only the sample app has bad versions/);
  });
});

describe("pods that cannot start", () => {
  const pod = (reason: string, message?: string): V1Pod => ({
    metadata: { name: "app-1" },
    status: { containerStatuses: [{ name: "web", image: "x", imageID: "", ready: false, restartCount: 0, state: { waiting: { reason, ...(message ? { message } : {}) } } }] },
  });

  it("names the pod, the container, the kubelet's reason and what to do", () => {
    expect(podStartProblem([pod("ContainerCreating"), pod("ErrImageNeverPull", 'Container image "x" is not present with pull policy of Never')])).toMatch(
      /^pod app-1 container web: ErrImageNeverPull: Container image "x" is not present .* — the image is not on the node, and nothing is ever pulled here/,
    );
    expect(podStartProblem([pod("CrashLoopBackOff")])).toMatch(/CrashLoopBackOff — the container keeps exiting/);
  });

  it("ignores reasons that pass by waiting", () => {
    expect(podStartProblem([pod("ContainerCreating"), pod("PodInitializing")])).toBeUndefined();
  });
});
