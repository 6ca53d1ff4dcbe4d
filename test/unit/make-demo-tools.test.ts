// `make demo` installs only what its provider needs (issue 26): read from
// `make -n` (what make would run, nothing run), with a `docker` on PATH that
// answers or not.
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../harness/tools.ts";

/** The install.sh targets `make -n demo` would run, with a fake `docker info` that exits `dockerExit` (null: no docker at all). */
async function installs(args: string[], dockerExit: number | null, env: Record<string, string> = {}): Promise<string[]> {
  const bin = mkdtempSync(join(tmpdir(), "nodrop-make-"));
  if (dockerExit !== null) {
    writeFileSync(join(bin, "docker"), `#!/bin/sh\nexit ${dockerExit}\n`);
    chmodSync(join(bin, "docker"), 0o755);
  }
  const r = await execa("make", ["-n", "--no-print-directory", "demo", ...args], {
    cwd: REPO_ROOT,
    env: { PATH: `${bin}:/usr/bin:/bin`, HOME: process.env["HOME"] ?? "/root", ...env },
    extendEnv: false,
  });
  return [...r.stdout.matchAll(/install\.sh (\S+)/g)].map((m) => m[1]!);
}

describe("make demo installs what its provider needs", () => {
  it("the local provider: the local cluster's tools (make tools), nothing of kind's engines", async () => {
    expect(await installs([], null)).toEqual(["all"]);
  });

  it("kind where this machine's Docker answers: k6 and kind alone (no Kubernetes build, no engine, no offline image)", async () => {
    expect(await installs(["PROVIDER=kind"], 0)).toEqual(["k6", "kind"]);
    expect(await installs(["PROVIDER=kind"], 0, { NODROP_KIND_ENGINE: "docker" })).toEqual(["k6", "kind"]);
  });

  it("kind without a Docker that answers: nerdctl and the offline node image's tools; NODROP_KIND_ENGINE=dockerd: nodrop's own Docker engine", async () => {
    expect(await installs(["PROVIDER=kind"], 1)).toEqual(["all", "kind-all"]);
    expect(await installs(["PROVIDER=kind"], null)).toEqual(["all", "kind-all"]);
    expect(await installs(["PROVIDER=kind"], 0, { NODROP_KIND_ENGINE: "dockerd" })).toEqual(["all", "kind-docker"]);
  });
});
