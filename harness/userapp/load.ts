// A user's app folder, read and checked before any cluster work (problems are
// ConfigErrors: exit 2). The folder holds:
//   *.yaml | *.yml      exactly one apps/v1 Deployment, and the namespaced
//                       objects kept beside it (userapp/companions.ts); a
//                       Service selecting its pods gives the port; or instead
//                       `helm: {chart, values, release}` / `kustomize: DIR`
//                       in nodrop-app.yaml, rendered here (userapp/render.ts)
//   nodrop-app.yaml     optional: archive (default image.tar), build (a shell
//                       command run in the folder that writes the archive),
//                       container (default: the first), port, path (what the
//                       load requests, default /), versionHeader / podHeader
//                       (the response headers naming the version and the pod),
//                       versions (v1, v2, … as different images: each
//                       {image, archive?}; without it every version is the
//                       Deployment's image with a new APP_VERSION)
//   image.tar           an OCI layout or `docker save` archive holding every
//                       image the Deployment's containers name
import { access, readFile } from "node:fs/promises";
import { isAbsolute, join, resolve } from "node:path";
import type { V1Deployment, V1Service } from "@kubernetes/client-node";
import { strategySetsReplicas } from "../deploy/strategy-keys.ts";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import { z } from "zod";
import { ConfigError, type RunConfig } from "../config.ts";
import { run } from "../exec.ts";
import { step } from "../log.ts";
import { archiveHolds, type ArchiveImages, imagesInArchive, normalizeRef } from "./archive.ts";
import { companionProblem } from "./companions.ts";
import { type ManifestSource, renderManifests } from "./render.ts";
import { REQUEST_METHODS, REQUESTS_ENV, type RequestSpec, SECRET_ENV_PREFIX, statusesFrom } from "../../scenarios/lib/requests.ts";

export const APP_FILE = "nodrop-app.yaml";

export interface UserApp {
  dir: string;
  archive: string;
  /** The app container's image, as the kubelet resolves it (docker.io/library/x:latest). */
  image: string;
  /** Every image the pod needs (all are in the archive). */
  images: string[];
  deployment: V1Deployment;
  container: string;
  port: number | string;
  /** The path the load requests (default "/"). */
  path: string;
  versionHeader: string;
  podHeader: string;
  /** The objects beside the Deployment (userapp/companions.ts), as the user wrote them. */
  extras: Array<Record<string, unknown>>;
  /** scenario: the user's own k6 scenario in TypeScript (absolute path), bundled instead of nodrop's. */
  scenario?: string;
  /** requests: the mix the load sends (scenarios/lib/requests.ts); absent: config.method to `path`, 200 only. */
  requests?: RequestSpec[];
  /** versions: the app container's image for v1, v2, … (normalised); absent: the Deployment's image for every version. */
  versionImages?: string[];
  /** Every image a run imports, with the archive that holds it. */
  imports: Array<{ archive: string; ref: string }>;
}

const HEADER_NAME = /^[A-Za-z0-9-]{1,64}$/;
const RequestEntry = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9 ._/:-]{1,64}$/, "1-64 letters, digits, spaces or ._/:-").optional(),
    method: z.enum(REQUEST_METHODS).default("GET"),
    path: z.string().regex(/^\/[^\s#\\]*$/, "a path starting with /, e.g. /api/items?page=2"),
    weight: z.number().int().min(1).max(1000).default(1),
    headers: z.record(z.string().regex(HEADER_NAME, "an HTTP header name"), z.union([z.string(), z.object({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name") }).strict()])).default({}),
    body: z.string().optional(),
    ok: z.array(z.union([z.number().int(), z.string()])).min(1).default([200]),
  })
  .strict();

const VersionEntry = z.object({ image: z.string().min(1, "an image reference"), archive: z.string().min(1).optional() }).strict();

const AppFile = z
  .object({
    archive: z.string().min(1).default("image.tar"),
    build: z.string().min(1).optional(),
    container: z.string().min(1).optional(),
    port: z.union([z.number().int().min(1).max(65535), z.string().min(1)]).optional(),
    path: z.string().regex(/^\/[^\s#\\]*$/, "a path starting with /, e.g. /api/health").default("/"),
    versionHeader: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, "an HTTP header name").default("X-App-Version"),
    podHeader: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, "an HTTP header name").default("X-Pod-Name"),
    helm: z
      .object({
        chart: z.string().min(1, "the chart's folder"),
        values: z.array(z.string().min(1)).default([]),
        release: z.string().regex(/^[a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?$/, "a Helm release name (lowercase letters, digits, -)").default("app"),
      })
      .strict()
      .optional(),
    kustomize: z.string().min(1, "the overlay's folder").optional(),
    requests: z.array(RequestEntry).min(1).max(50).optional(),
    scenario: z.string().regex(/\.ts$/, "a TypeScript file (*.ts)").optional(),
    versions: z.array(VersionEntry).min(2, "at least two versions (v1 is what runs before the first rollout, v2 what it rolls to)").optional(),
  })
  .strict();

const fail = (dir: string, problem: string): never => {
  throw new ConfigError(`app: ${dir}: ${problem}`);
};

const exists = (p: string) => access(p).then(() => true, () => false);

async function readAppFile(dir: string): Promise<z.infer<typeof AppFile>> {
  const path = join(dir, APP_FILE);
  if (!(await exists(path))) return AppFile.parse({});
  let doc: unknown;
  try {
    doc = parseYaml(await readFile(path, "utf8")) ?? {};
  } catch (e) {
    fail(dir, `${APP_FILE} is not valid YAML: ${(e as Error).message.split("\n")[0]}`);
  }
  const r = AppFile.safeParse(doc);
  if (!r.success) fail(dir, `${APP_FILE}: ${r.error.issues.map((i) => `${i.path.join(".") || "(file)"}: ${i.message}`).join("; ")} (allowed keys: archive, build, container, port, path, versionHeader, podHeader, helm, kustomize, requests, scenario, versions)`);
  return r.data!;
}

async function readManifests(dir: string, source: ManifestSource): Promise<Array<{ file: string; obj: Record<string, unknown> }>> {
  const out: Array<{ file: string; obj: Record<string, unknown> }> = [];
  for (const { file, text } of await renderManifests(dir, source, APP_FILE, (problem) => fail(dir, problem))) {
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length) fail(dir, `${file} is not valid YAML: ${doc.errors[0]!.message.split("\n")[0]}`);
      const obj = doc.toJS() as unknown;
      if (obj === null || obj === undefined) continue;
      if (typeof obj !== "object" || Array.isArray(obj)) fail(dir, `${file}: a document is not a Kubernetes object`);
      out.push({ file, obj: obj as Record<string, unknown> });
    }
  }
  return out;
}

/** Reads and checks the folder; runs its build when it has one. Throws ConfigError. */
export async function loadUserApp(folder: string): Promise<UserApp> {
  const dir = resolve(folder);
  if (!(await exists(dir))) fail(folder, "no such folder");
  const opts = await readAppFile(dir);
  const requests = opts.requests ? requestSpecs(folder, opts.requests) : undefined;
  if (opts.requests && opts.scenario) fail(folder, `${APP_FILE}: requests and scenario both set: a scenario of your own sends its own requests`);
  const scenario = opts.scenario ? (isAbsolute(opts.scenario) ? opts.scenario : join(dir, opts.scenario)) : undefined;
  if (scenario && !(await exists(scenario))) fail(folder, `${APP_FILE}: scenario: ${opts.scenario} not found`);
  if (opts.helm && opts.kustomize) fail(folder, `${APP_FILE}: helm and kustomize both set: the manifests come from one of them`);
  const source: ManifestSource = opts.helm
    ? { kind: "helm", helm: { chart: opts.helm.chart, values: opts.helm.values, release: opts.helm.release } }
    : opts.kustomize
      ? { kind: "kustomize", dir: opts.kustomize }
      : { kind: "files" };
  const objects = await readManifests(dir, source);
  const kinds = (k: string) => objects.filter((o) => o.obj["kind"] === k);
  const deployments = kinds("Deployment");
  if (deployments.length !== 1) fail(folder, `needs exactly one Deployment manifest, found ${deployments.length}`);
  const { file, obj } = deployments[0]!;
  for (const o of objects) {
    if (o === deployments[0]) continue;
    const problem = companionProblem(o.obj);
    if (problem) fail(folder, `${o.file}: ${problem}`);
  }
  if (obj["apiVersion"] !== "apps/v1") fail(folder, `${file}: the Deployment must be apps/v1 (got ${String(obj["apiVersion"])})`);
  const deployment = obj as unknown as V1Deployment;
  const containers = deployment.spec?.template?.spec?.containers ?? [];
  if (!containers.length) fail(folder, `${file}: the Deployment has no containers`);
  const container = opts.container ? containers.find((c) => c.name === opts.container) : containers[0];
  if (!container) fail(folder, `container '${opts.container}' is not in the Deployment (has: ${containers.map((c) => c.name).join(", ")})`);
  const missingImage = [...containers, ...(deployment.spec?.template?.spec?.initContainers ?? [])].find((c) => !c.image);
  if (missingImage) fail(folder, `${file}: container '${missingImage.name}' has no image`);

  // The Service that selects the Deployment's pods gives the port the load uses (nodrop makes its own NodePort for it).
  const podLabels = deployment.spec?.template?.metadata?.labels ?? {};
  const selects = (svc: V1Service) => Object.entries(svc.spec?.selector ?? {}).every(([k, v]) => podLabels[k] === v) && Object.keys(svc.spec?.selector ?? {}).length > 0;
  const services = kinds("Service").map((o) => o.obj as V1Service);
  const service = services.find(selects) ?? services[0];
  const port = opts.port ?? service?.spec?.ports?.[0]?.targetPort ?? container!.ports?.[0]?.containerPort;
  if (port === undefined) fail(folder, `no port: give the container a containerPort, a Service with a targetPort, or 'port' in ${APP_FILE}`);

  const archive = isAbsolute(opts.archive) ? opts.archive : join(dir, opts.archive);
  if (opts.build) {
    await step(`app: build (${opts.build})`, async () => {
      const r = await run(["sh", "-c", opts.build!], { cwd: dir, reject: false });
      if (r.exitCode !== 0) fail(folder, `the build command '${opts.build}' exited ${r.exitCode}:\n${(r.stderr || r.stdout).split("\n").slice(-15).join("\n")}`);
    });
  }
  if (!(await exists(archive))) fail(folder, `image archive ${opts.archive} not found${opts.build ? " after the build" : ` (write it with \`docker save\` or an OCI layout tar, or set 'build' in ${APP_FILE})`}`);
  let held: ArchiveImages = { names: [], digestRefs: [] };
  try {
    held = await imagesInArchive(archive);
  } catch (e) {
    fail(folder, `${opts.archive}: ${(e as Error).message}`);
  }
  // With versions, the app container's own image in the manifest is replaced: only the others must be in the archive.
  const others = opts.versions ? containers.filter((c) => c !== container) : containers;
  const images = [...new Set([...others, ...(deployment.spec?.template?.spec?.initContainers ?? [])].map((c) => normalizeRef(c.image!)))];
  const absent = images.filter((i) => !archiveHolds(held, i));
  if (absent.length) fail(folder, `${opts.archive} does not hold ${absent.join(", ")} (it holds: ${held.names.join(", ") || "no named image"}); nothing can be pulled here`);
  const imports = images.map((ref) => ({ archive, ref }));
  let versionImages: string[] | undefined;
  if (opts.versions) {
    versionImages = [];
    for (const [i, v] of opts.versions.entries()) {
      const file = v.archive ? (isAbsolute(v.archive) ? v.archive : join(dir, v.archive)) : archive;
      const name = v.archive ?? opts.archive;
      if (!(await exists(file))) fail(folder, `versions[${i}].archive: ${name} not found`);
      let has: ArchiveImages = { names: [], digestRefs: [] };
      try {
        has = file === archive ? held : await imagesInArchive(file);
      } catch (e) {
        fail(folder, `versions[${i}].archive: ${name}: ${(e as Error).message}`);
      }
      const ref = normalizeRef(v.image);
      if (!archiveHolds(has, ref)) fail(folder, `versions[${i}].image: ${name} does not hold ${ref} (it holds: ${has.names.join(", ") || "no named image"}); nothing can be pulled here`);
      versionImages.push(ref);
      if (!imports.some((x) => x.ref === ref)) imports.push({ archive: file, ref });
    }
  }

  const extras = objects.filter((o) => o !== deployments[0]).map((o) => o.obj);
  return {
    dir,
    archive,
    image: versionImages?.[0] ?? normalizeRef(container!.image!),
    images: imports.map((x) => x.ref),
    imports,
    ...(versionImages ? { versionImages } : {}),
    ...(requests ? { requests } : {}),
    ...(scenario ? { scenario } : {}),
    deployment,
    container: container!.name,
    port: port!,
    path: opts.path,
    versionHeader: opts.versionHeader,
    podHeader: opts.podHeader,
    extras,
  };
}

/** The app file's requests as the scenario takes them; a header from an unset environment variable is refused now. */
function requestSpecs(folder: string, entries: z.infer<typeof RequestEntry>[]): RequestSpec[] {
  return entries.map((r, i) => {
    const at = `${APP_FILE}: requests.${i}`;
    let ok: number[] = [];
    try {
      ok = statusesFrom(r.ok);
    } catch (e) {
      fail(folder, `${at}.ok: ${(e as Error).message}`);
    }
    if (r.body !== undefined && (r.method === "GET" || r.method === "HEAD")) fail(folder, `${at}.body: a ${r.method} request sends no body (use POST, PUT or PATCH)`);
    const headers: Record<string, string> = {};
    const secretHeaders: Record<string, string> = {};
    for (const [h, v] of Object.entries(r.headers)) {
      if (typeof v === "string") headers[h] = v;
      else {
        if (process.env[v.env] === undefined) fail(folder, `${at}.headers.${h}: the environment variable ${v.env} is not set (its value is sent as the header, never written to a file)`);
        secretHeaders[h] = v.env;
      }
    }
    return { name: r.name ?? `${r.method} ${r.path}`, method: r.method, path: r.path, weight: r.weight, headers, secretHeaders, ...(r.body !== undefined ? { body: r.body } : {}), ok };
  });
}

/**
 * The run's config for this app: every workload knob the user did not set
 * takes the manifest's value, so strategies and reports see what is deployed.
 */
export function appConfig(config: RunConfig, app: UserApp): RunConfig {
  const explicit = new Set(config.explicit ?? []);
  const spec = app.deployment.spec!;
  const pod = spec.template.spec!;
  const c = pod.containers.find((x) => x.name === app.container)!;
  const out = { ...config };
  if (app.requests && explicit.has("method")) {
    throw new ConfigError(`method: the app's ${APP_FILE} lists its requests, each with its own method; leave method unset`);
  }
  if (app.requests?.some((r) => Object.keys(r.secretHeaders).length) && config.load === "operator") {
    throw new ConfigError(`load: operator runs k6 as pods whose environment is stored in the cluster; the app's requests take a header from an environment variable (a secret): use load=local`);
  }
  const hpa = app.extras.find((o) => o["kind"] === "HorizontalPodAutoscaler");
  if (hpa && strategySetsReplicas(config.strategy)) {
    throw new ConfigError(`strategy: ${config.strategy} sets each track's replicas itself, and the app's HorizontalPodAutoscaler '${String((hpa["metadata"] as Record<string, unknown> | undefined)?.["name"])}' would fight it: use strategy=rolling, or leave the HPA out of the app folder`);
  }
  const needed = config.scenario === "drain" ? 1 : config.rollouts + 1;
  if (app.versionImages && app.versionImages.length < needed) {
    throw new ConfigError(`rollouts: ${config.rollouts} rollout(s) need ${needed} versions, and ${APP_FILE} in ${app.dir} lists ${app.versionImages.length} under versions (set rollouts to at most ${app.versionImages.length - 1}, or add versions)`);
  }
  if (!explicit.has("replicas")) out.replicas = spec.replicas ?? 1;
  if (!explicit.has("terminationGracePeriod")) out.terminationGracePeriod = pod.terminationGracePeriodSeconds ?? 30;
  const ru = spec.strategy?.type === "Recreate" ? undefined : spec.strategy?.rollingUpdate;
  if (!explicit.has("maxSurge")) out.maxSurge = ru?.maxSurge ?? "25%";
  if (!explicit.has("maxUnavailable")) out.maxUnavailable = ru?.maxUnavailable ?? "25%";
  if (!explicit.has("preStopSleep")) out.preStopSleep = c.lifecycle?.preStop?.sleep?.seconds ?? 0;
  return out;
}

/** Every distinct app folder of these configs, loaded (and built) once, before any cluster work. */
export async function preloadApps(configs: readonly RunConfig[]): Promise<Map<string, UserApp>> {
  const apps = new Map<string, UserApp>();
  for (const c of configs) if (c.app && !apps.has(c.app)) apps.set(c.app, await loadUserApp(c.app));
  return apps;
}

/** RunOptions.app for a config whose app preloadApps loaded. */
export const appOption = (apps: Map<string, UserApp>, config: RunConfig): { app?: UserApp } => {
  const app = config.app ? apps.get(config.app) : undefined;
  return app ? { app } : {};
};

/**
 * The k6 environment for the app's requests: the list as JSON, and each
 * secret header's value under NODROP_SECRET_<VAR> (read from this process's
 * environment now; passed on k6's command line only, never written to a file).
 */
export function requestEnv(app: UserApp | undefined): Record<string, string> {
  if (!app?.requests) return {};
  const env: Record<string, string> = { [REQUESTS_ENV]: JSON.stringify(app.requests) };
  for (const r of app.requests) for (const v of Object.values(r.secretHeaders)) env[`${SECRET_ENV_PREFIX}${v}`] = process.env[v] ?? "";
  return env;
}
