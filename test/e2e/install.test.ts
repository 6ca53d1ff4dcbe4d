// Issue 28 (6): nodrop installed like a CLI. `npm pack` in the clone, the
// tarball installed globally into a temporary prefix, then, from folders
// outside the clone: `nodrop --version`, `nodrop run` (its reports land in
// the folder it ran from, nothing in the installed package), and a copy of
// the Go example built there (its build.sh calls `nodrop`, not a path into
// the repository). The run reuses the suite's cluster: NODROP_STATE_DIR
// points at the clone's state, as a user with their own state folder would.
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT, stateDir } from "../../harness/paths.ts";

const base = mkdtempSync(join(tmpdir(), "nodrop-install-"));
const prefix = join(base, "prefix");
const bin = join(prefix, "bin", "nodrop");
const env = { NO_COLOR: "1", PATH: `${join(prefix, "bin")}:${process.env["PATH"]}`, NODROP_STATE_DIR: stateDir() };

beforeAll(async () => {
  const pack = await execa("npm", ["pack", "--pack-destination", base], { cwd: PROJECT_ROOT, reject: false, all: true, timeout: 300_000 });
  expect(pack.exitCode, String(pack.all)).toBe(0);
  const tgz = readdirSync(base).find((f) => f.endsWith(".tgz"));
  expect(tgz, String(pack.all)).toBeTruthy();
  // Its dependencies from npm's cache where the clone's own install left them.
  const install = await execa("npm", ["install", "-g", "--prefix", prefix, "--prefer-offline", "--no-audit", "--no-fund", join(base, tgz!)], { cwd: base, reject: false, all: true, timeout: 600_000 });
  expect(install.exitCode, String(install.all)).toBe(0);
}, 900_000);

describe("nodrop installed from npm pack's tarball", () => {
  it("is a command that works from any folder", async () => {
    const r = await execa(bin, ["--version"], { cwd: mkdtempSync(join(base, "empty-")), reject: false, all: true, env });
    expect(r.exitCode, String(r.all)).toBe(0);
    expect(String(r.all)).toMatch(/^nodrop 0\.\d+\.\d+/);
  });

  it("runs a deploy from an empty folder outside the clone; its reports land there", async () => {
    const here = mkdtempSync(join(base, "run-"));
    // The demo's good variant (B): preStop sleep 5 s, graceful shutdown.
    const r = await execa(bin, ["run", "--set", "preStopSleep=5", "--set", "rollouts=1", "--set", "warmup=3", "--set", "cooldown=5"], { cwd: here, reject: false, all: true, env, timeout: 600_000 });
    const out = String(r.all);
    expect(r.exitCode, out.slice(-3000)).toBe(0);
    const runs = readdirSync(join(here, "reports", "runs"));
    expect(runs, out.slice(-2000)).toHaveLength(1);
    const summary = JSON.parse(readFileSync(join(here, "reports", "runs", runs[0]!, "summary.json"), "utf8")) as { verdict: string };
    expect(summary.verdict).toBe("pass");
    // Nothing was written into the installed package.
    expect(existsSync(join(prefix, "lib", "node_modules", "nodrop", "reports", "runs"))).toBe(false);
  }, 900_000);

  it("run takes --out DIR, and refuses a bad key (exit 2) before any cluster work", async () => {
    const r = await execa(bin, ["run", "--out", join(base, "out"), "--set", "nosuchkey=1"], { cwd: base, reject: false, all: true, env });
    expect(r.exitCode, String(r.all)).toBe(2);
    expect(String(r.all)).toMatch(/nosuchkey/);
  });

  it("builds a copy of the Go example made outside the repository (build.sh calls nodrop)", async () => {
    const svc = join(base, "my-service");
    cpSync(join(PROJECT_ROOT, "examples", "go-http"), svc, { recursive: true, filter: (src) => !src.includes(".build") });
    const r = await execa("sh", [join(svc, "build.sh")], { cwd: svc, reject: false, all: true, env, timeout: 600_000 });
    expect(r.exitCode, String(r.all)).toBe(0);
    expect(existsSync(join(svc, ".build", "image.tar"))).toBe(true);
    expect(String(r.all)).toMatch(/nodrop\.example\/go-http:1\.0/);
  }, 600_000);
});
