// kind on a Docker engine with the stock node image kind v0.33 defaults to,
// pinned by digest in clusters/kind/node-image.env. Not exercised on nodrop's
// own machines (Debian's docker.io 20.10 cannot start --privileged there);
// this is the path users' laptops and CI runners take.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { run } from "../../exec.ts";
import { parseVersionsEnv } from "../../tools.ts";
import { PROJECT_ROOT } from "../provider.ts";
import { containerPid, dockerAnswers, type KindEngine, removeLabelledNodes } from "./engine.ts";

export function stockNodeImage(): string {
  const file = join(PROJECT_ROOT, "clusters", "kind", "node-image.env");
  const ref = parseVersionsEnv(readFileSync(file, "utf8"))["KIND_STOCK_NODE_IMAGE"];
  if (!ref || !ref.includes("@sha256:")) throw new Error(`${file}: KIND_STOCK_NODE_IMAGE must be an image pinned by digest`);
  return ref;
}

export class DockerEngine implements KindEngine {
  readonly name = "docker" as const;
  readonly proxiedPorts = true;

  async unavailable(): Promise<string | undefined> {
    return (await dockerAnswers()) ? undefined : "no running Docker engine (`docker info` failed)";
  }

  async start(): Promise<void> {}

  async nodeImage(): Promise<{ ref: string }> {
    const ref = stockNodeImage();
    if ((await run(["docker", "image", "inspect", ref], { reject: false })).exitCode !== 0) {
      await run(["docker", "pull", ref], { timeoutMs: 900_000 });
    }
    return { ref };
  }

  env(): Record<string, string> {
    return {};
  }

  exec(node: string, argv: string[], opts: { input?: string; inputFile?: string; reject?: boolean; timeoutMs?: number } = {}) {
    return run(["docker", "exec", ...(opts.input !== undefined || opts.inputFile !== undefined ? ["-i"] : []), node, ...argv], { ...opts, timeoutMs: opts.timeoutMs ?? 120_000 });
  }

  pid(node: string): Promise<number> {
    return containerPid("docker", node);
  }

  removeNodes(cluster: string): Promise<string[]> {
    return removeLabelledNodes("docker", cluster);
  }

  async stop(): Promise<void> {}

  async describe(): Promise<string[]> {
    return [`engine: docker, node image ${stockNodeImage()}`];
  }
}
