// Manifests as users keep them: plain YAML files in the app folder, a Helm
// chart rendered by `helm template`, or a kustomize overlay rendered by
// `kubectl kustomize` — each rendered on this machine before any cluster
// work, into the same list of objects. Helm and kubectl are nodrop's own
// pinned builds (clusters/tools/install.sh helm | kubeadm), built on first use.
// Neither may reach the network: helm runs with its home in a temp folder and
// never updates dependencies; a kustomization naming a remote resource
// (a URL, a git repository) is refused before kubectl runs.
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { isAbsolute, join, relative, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { run } from "../exec.ts";
import { toolPaths } from "../tools.ts";
import { ensureTool, exists } from "../tool-install.ts";

export interface HelmSource {
  chart: string;
  values: string[];
  release: string;
}

/** Where the manifests come from (nodrop-app.yaml `helm` / `kustomize`; neither: the folder's *.yaml). */
export type ManifestSource = { kind: "files" } | { kind: "helm"; helm: HelmSource } | { kind: "kustomize"; dir: string };

export interface RenderedText {
  /** What the text came from, for messages (a file name, "helm template …", "kubectl kustomize …"). */
  file: string;
  text: string;
}

const at = (dir: string, p: string) => (isAbsolute(p) ? p : join(dir, p));

/** Builds a pinned tool on first use (the same cached build `make` runs); its path. */
async function toolAt(path: string, target: string, what: string): Promise<string> {
  await ensureTool(target, [path], `${what} (from its pinned Go module)`);
  return path;
}

export const helmPath = () => join(toolPaths().toolsDir, `helm-${toolPaths().versions.all["HELM_VERSION"] ?? "unset"}`, "bin", "helm");
export const kubectlPath = () => join(toolPaths().kubeadmBin, "kubectl");

/** The manifests' text: every *.yaml of the folder (but the app file), or a chart's or overlay's rendering. */
export async function renderManifests(dir: string, source: ManifestSource, appFile: string, fail: (problem: string) => never): Promise<RenderedText[]> {
  if (source.kind === "helm") return [await renderHelm(dir, source.helm, fail)];
  if (source.kind === "kustomize") return [await renderKustomize(dir, source.dir, fail)];
  const files = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f) && f !== appFile).sort();
  if (!files.length) fail("no manifests (*.yaml) in the folder, and no helm or kustomize in the app file");
  return Promise.all(files.map(async (file) => ({ file, text: await readFile(join(dir, file), "utf8") })));
}

async function renderHelm(dir: string, h: HelmSource, fail: (problem: string) => never): Promise<RenderedText> {
  const chart = at(dir, h.chart);
  if (!(await exists(join(chart, "Chart.yaml")))) fail(`helm.chart: ${h.chart} is not a chart folder (no Chart.yaml)`);
  for (const [i, v] of h.values.entries()) if (!(await exists(at(dir, v)))) fail(`helm.values[${i}]: ${v} not found`);
  const helm = await toolAt(helmPath(), "helm", `helm ${toolPaths().versions.all["HELM_VERSION"] ?? ""}`);
  const home = await mkdtemp(join(tmpdir(), "nodrop-helm-"));
  try {
    const argv = [helm, "template", h.release, chart, "--namespace", "default", ...h.values.flatMap((v) => ["--values", at(dir, v)])];
    const r = await run(argv, {
      reject: false,
      timeoutMs: 120_000,
      env: { HELM_CACHE_HOME: join(home, "cache"), HELM_CONFIG_HOME: join(home, "config"), HELM_DATA_HOME: join(home, "data") },
    });
    if (r.exitCode !== 0) fail(`helm template failed (exit ${r.exitCode}): ${(r.stderr || r.stdout).trim().split("\n").slice(-5).join(" | ")}`);
    return { file: `helm template ${h.release} ${relative(dir, chart) || "."}`, text: r.stdout };
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

/** Entries of a kustomization that would make kustomize fetch something (a URL or a git repository). */
export function remoteEntries(kustomization: Record<string, unknown>): string[] {
  const lists = ["resources", "bases", "components", "crds"].flatMap((k) => (Array.isArray(kustomization[k]) ? (kustomization[k] as unknown[]) : []));
  return lists.filter((x): x is string => typeof x === "string" && (/^[a-z][a-z0-9+.-]*:\/\//i.test(x) || /^git@|\.git(\/|$|\?)|[?&]ref=|^github\.com\//.test(x)));
}

async function kustomizationFile(d: string): Promise<string | undefined> {
  for (const f of ["kustomization.yaml", "kustomization.yml", "Kustomization"]) if (await exists(join(d, f))) return join(d, f);
  return undefined;
}

async function renderKustomize(dir: string, overlay: string, fail: (problem: string) => never): Promise<RenderedText> {
  const root = at(dir, overlay);
  // Every kustomization reachable through local paths is checked for remote entries first.
  const seen = new Set<string>();
  const check = async (d: string): Promise<void> => {
    if (seen.has(d)) return;
    seen.add(d);
    const file = await kustomizationFile(d);
    if (!file) return;
    let doc: Record<string, unknown>;
    try {
      doc = (parseYaml(await readFile(file, "utf8")) ?? {}) as Record<string, unknown>;
    } catch (e) {
      fail(`kustomize: ${relative(dir, file)} is not valid YAML: ${(e as Error).message.split("\n")[0]}`);
    }
    const remote = remoteEntries(doc!);
    if (remote.length) fail(`kustomize: ${relative(dir, file)} names remote resources (${remote.join(", ")}): nothing may be fetched from off this machine; vendor them into the folder`);
    for (const k of ["resources", "bases", "components"]) {
      for (const x of Array.isArray(doc![k]) ? (doc![k] as unknown[]) : []) if (typeof x === "string") await check(resolve(d, x));
    }
  };
  if (!(await exists(root))) fail(`kustomize: ${overlay} not found`);
  if (!(await kustomizationFile(root))) fail(`kustomize: ${overlay} has no kustomization.yaml`);
  await check(root);
  const kubectl = await toolAt(kubectlPath(), "kubeadm", `kubectl ${toolPaths().versions.kubernetes}`);
  const r = await run([kubectl, "kustomize", root], { reject: false, timeoutMs: 120_000 });
  if (r.exitCode !== 0) fail(`kubectl kustomize ${overlay} failed (exit ${r.exitCode}): ${(r.stderr || r.stdout).trim().split("\n").slice(-5).join(" | ")}`);
  return { file: `kubectl kustomize ${overlay}`, text: r.stdout };
}
