// Where the pinned tools live. clusters/tools/install.sh builds every tool into
//   <cache>/tools/<name>-<version>/...
// with <cache> = $NODROP_CACHE_DIR || $XDG_CACHE_HOME/nodrop || ~/.cache/nodrop
// and the versions from clusters/tools/versions.env. This module computes the
// same paths from the same file, so the harness and the installer never drift.
import { accessSync, constants, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const VERSIONS_FILE = join(REPO_ROOT, "clusters", "tools", "versions.env");

export interface ToolVersions {
  kubernetes: string;
  kubernetesStaging: string;
  k6: string;
  kind: string;
  pauseImage: string;
  /** Every KEY=VALUE of versions.env, unquoted. */
  all: Record<string, string>;
}

export interface ToolPaths {
  cacheDir: string;
  /** <cacheDir>/tools */
  toolsDir: string;
  k6: string;
  kind: string;
  /** Directory holding kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kube-proxy. */
  kubernetesBin: string;
  /** The statically linked pause binary (the sandbox image's only file). */
  pause: string;
  /** kubeadm and kubectl, for the kind node image (install.sh kind-all). */
  kubeadmBin: string;
  /** nerdctl, the engine kind drives where no Docker engine runs (install.sh kind-all). */
  nerdctl: string;
  /** dockerd, docker-proxy, containerd (v2), its runc shim and the docker CLI: a Docker engine of nodrop's own for kind (install.sh docker-engine). */
  dockerEngineBin: string;
  /** The Traefik ingress controller (path=ingress; install.sh traefik, built on first use). */
  traefik: string;
  /** Debian's nginx binary (ingressController=nginx), unpacked by install.sh nginx. */
  nginx: string;
  /**
   * Debian's PostgreSQL (the sample app's database mode), unpacked by
   * install.sh postgres: a directory holding it at its Debian paths
   * (usr/lib/postgresql/<major>/bin/postgres, usr/share/postgresql/<major>, ...).
   */
  postgres: string;
  /** Gateway API's standard CRDs, one YAML file each (install.sh traefik). */
  gatewayCrds: string;
  /** load=operator (install.sh k6-operator): the controller binary and its CRDs' directory. */
  k6Operator: { manager: string; crds: string; version: string };
  versions: ToolVersions;
}

/** "Kubernetes v1.34.4, k6 v1.8.1, kind v0.33.0, …": the versions.env pins (no package lists), for `nodrop --version`. */
export function pinnedVersions(): string {
  const all = parseVersionsEnv(readFileSync(VERSIONS_FILE, "utf8"));
  return Object.entries(all)
    .filter(([k]) => k.endsWith("_VERSION") && k !== "KUBERNETES_STAGING_VERSION")
    .map(([k, v]) => `${k.replace(/_VERSION$/, "").toLowerCase().replace(/_/g, "-")} ${v}`)
    .join(", ");
}

/**
 * Parses the simple shell-variable file versions.env: `KEY=VALUE` lines,
 * optional `export `, values optionally in single or double quotes, `#`
 * comments (whole lines, or after an unquoted value preceded by whitespace).
 * No expansion: versions.env holds literals only.
 */
export function parseVersionsEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) throw new Error(`versions.env line ${i + 1}: expected KEY=VALUE, got '${raw}'`);
    const key = m[1]!;
    let value = m[2]!.trim();
    const q = value[0];
    if (q === '"' || q === "'") {
      const end = value.indexOf(q, 1);
      if (end < 0) throw new Error(`versions.env line ${i + 1}: unterminated ${q} quote`);
      value = value.slice(1, end);
    } else {
      value = value.replace(/\s+#.*$/, "");
    }
    out[key] = value;
  });
  return out;
}

/** The cache rule of install.sh: NODROP_CACHE_DIR, else $XDG_CACHE_HOME/nodrop, else ~/.cache/nodrop (empty = unset, like `${VAR:-}`). */
export function nodropCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env["NODROP_CACHE_DIR"]) return resolve(env["NODROP_CACHE_DIR"]);
  if (env["XDG_CACHE_HOME"]) return resolve(env["XDG_CACHE_HOME"], "nodrop");
  return join(env["HOME"] || homedir(), ".cache", "nodrop");
}

export function toolPaths(opts: { env?: NodeJS.ProcessEnv; versionsFile?: string } = {}): ToolPaths {
  const file = opts.versionsFile ?? VERSIONS_FILE;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new Error(`cannot read tool versions from ${file}: ${(e as Error).message}`);
  }
  const all = parseVersionsEnv(text);
  const need = (key: string): string => {
    const v = all[key];
    if (!v) throw new Error(`${file} does not set ${key}`);
    return v;
  };
  const versions: ToolVersions = {
    kubernetes: need("KUBERNETES_VERSION"),
    kubernetesStaging: all["KUBERNETES_STAGING_VERSION"] ?? "",
    k6: need("K6_VERSION"),
    kind: need("KIND_VERSION"),
    pauseImage: all["PAUSE_IMAGE"] ?? "",
    all,
  };
  const cacheDir = nodropCacheDir(opts.env);
  const toolsDir = join(cacheDir, "tools");
  return {
    cacheDir,
    toolsDir,
    k6: join(toolsDir, `k6-${versions.k6}`, "bin", "k6"),
    kind: join(toolsDir, `kind-${versions.kind}`, "bin", "kind"),
    kubernetesBin: join(toolsDir, `kubernetes-${versions.kubernetes}`, "bin"),
    // The pause binary is versioned with the kubernetes sources it is compiled from.
    pause: join(toolsDir, `pause-${versions.kubernetes}`, "pause"),
    kubeadmBin: join(toolsDir, `kubeadm-${versions.kubernetes}`, "bin"),
    nerdctl: join(toolsDir, `nerdctl-${all["NERDCTL_VERSION"] ?? "unset"}`, "bin", "nerdctl"),
    dockerEngineBin: join(toolsDir, `docker-engine-${all["DOCKER_ENGINE_VERSION"] ?? "unset"}`, "bin"),
    traefik: join(toolsDir, `traefik-${all["TRAEFIK_VERSION"] ?? "unset"}`, "bin", "traefik"),
    nginx: join(toolsDir, `nginx-${all["NGINX_VERSION"] ?? "unset"}`, "bin", "nginx"),
    postgres: join(toolsDir, `postgres-${all["POSTGRES_VERSION"] ?? "unset"}`),
    gatewayCrds: join(toolsDir, `gateway-api-${all["GATEWAY_API_VERSION"] ?? "unset"}`, "crds"),
    k6Operator: {
      manager: join(toolsDir, `k6-operator-${all["K6_OPERATOR_VERSION"] ?? "unset"}`, "bin", "k6-operator"),
      crds: join(toolsDir, `k6-operator-${all["K6_OPERATOR_VERSION"] ?? "unset"}`, "crds"),
      version: all["K6_OPERATOR_VERSION"] ?? "unset",
    },
    versions,
  };
}

/** Returns `path` if it is an executable file; otherwise throws "<name> not found at <path>: run `make tools`". */
export function requireTool(path: string, name: string): string {
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch {
    throw new Error(`${name} not found at ${path}: run \`make tools\``);
  }
  if (!isFile) throw new Error(`${name} not found at ${path} (not a regular file): run \`make tools\``);
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(`${name} at ${path} is not executable: run \`make tools\``);
  }
  return path;
}
