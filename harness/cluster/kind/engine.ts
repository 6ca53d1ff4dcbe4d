// The container engine kind drives. Docker where a working engine runs (users'
// laptops and CI runners, with a stock kindest/node pinned by digest); where
// none does, a containerd of nodrop's own driven through nerdctl, with nodrop's
// offline node image. The provider sees only this interface.
import { run, type RunResult } from "../../exec.ts";

export interface KindEngine {
  readonly name: "docker" | "nerdctl" | "dockerd";
  /**
   * True when the node ports mapped to 127.0.0.1 are relayed by a userland
   * proxy (Docker's docker-proxy: a new connection of its own to the node for
   * each client connection, all from the bridge's address); false when this
   * machine NATs them (nerdctl's CNI portmap, then masquerade).
   */
  readonly proxiedPorts: boolean;
  /** What is missing on this machine, or undefined when the engine can work. */
  unavailable(): Promise<string | undefined>;
  /** Starts the engine when nodrop runs it itself (idempotent). */
  start(): Promise<void>;
  /** The node image to create nodes from, made present in the engine first. */
  nodeImage(): Promise<{ ref: string; offline?: { etcdTag: string } }>;
  /** Environment for `kind` so that it uses this engine. */
  env(): Record<string, string>;
  /** Runs a command in a node container (stdin from `input` or the file `inputFile`). */
  exec(node: string, argv: string[], opts?: { input?: string; inputFile?: string; reject?: boolean; timeoutMs?: number }): Promise<RunResult>;
  /** The host PID of a node container's first process (its network namespace is /proc/PID/ns/net). */
  pid(node: string): Promise<number>;
  /**
   * Force-removes the node containers of `cluster` that `kind delete` left
   * (kind's nerdctl provider gives up when a node has no running task);
   * returns what is still there afterwards.
   */
  removeNodes(cluster: string): Promise<string[]>;
  /** Stops what start() started and removes what it created (idempotent). */
  stop(): Promise<void>;
  /** Engine-side lines for `cluster status`. */
  describe(): Promise<string[]>;
}

/** The container network kind puts its nodes on (kind's own name for it). */
export const KIND_NETWORK = "kind";

export const ENGINE_CHOICES = ["auto", "docker", "dockerd", "nerdctl"] as const;
export type EngineChoice = (typeof ENGINE_CHOICES)[number];

/**
 * NODROP_KIND_ENGINE forces one: docker (this machine's Docker), dockerd
 * (nodrop's own Docker engine, install.sh docker-engine) or nerdctl (nodrop's
 * containerd); otherwise this machine's Docker when `docker info` answers.
 */
export function engineChoice(env: NodeJS.ProcessEnv = process.env): EngineChoice {
  const v = env["NODROP_KIND_ENGINE"];
  if (v === undefined || v === "") return "auto";
  if ((ENGINE_CHOICES as readonly string[]).includes(v)) return v as EngineChoice;
  throw new Error(`NODROP_KIND_ENGINE: '${v}' is not allowed (allowed: ${ENGINE_CHOICES.join(", ")})`);
}

/** The shared part of removeNodes for docker-compatible CLIs. */
export async function removeLabelledNodes(cli: string, cluster: string): Promise<string[]> {
  const list = async () => (await run([cli, "ps", "-a", "-q", "--filter", `label=io.x-k8s.kind.cluster=${cluster}`], { reject: false })).stdout.split("\n").map((s) => s.trim()).filter(Boolean);
  const ids = await list();
  if (ids.length) await run([cli, "rm", "-f", "-v", ...ids], { reject: false, timeoutMs: 300_000 });
  return list();
}

export async function dockerAnswers(): Promise<boolean> {
  const r = await run(["docker", "info", "--format", "{{.ServerVersion}}"], { reject: false, timeoutMs: 20_000 }).catch(() => undefined);
  return !!r && r.exitCode === 0 && r.stdout.trim() !== "";
}

/** `<cli> inspect -f {{.State.Pid}} <node>` → the PID, or an error naming the node. */
export async function containerPid(cli: string, node: string, env?: Record<string, string>): Promise<number> {
  const r = await run([cli, "inspect", "-f", "{{.State.Pid}}", node], { reject: false, ...(env ? { env } : {}) });
  const pid = Number(r.stdout.trim());
  if (r.exitCode !== 0 || !Number.isInteger(pid) || pid <= 0) throw new Error(`could not read the PID of node container ${node}: ${(r.stderr || r.stdout).trim() || `exit ${r.exitCode}`}`);
  return pid;
}
