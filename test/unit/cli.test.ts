// Bad input exits 2 with a message naming the field and what is allowed,
// before any cluster work (these run without a cluster, and must not start one).
import { execa } from "execa";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const CLI = join(import.meta.dirname, "..", "..", "bin", "nodrop.mjs");
/**
 * One CLI process (node + tsx loading the harness) took 1.6–4.6 s on a 2-core
 * machine next to the other unit files (measured over 3 runs); a test gets
 * ~3× the slowest per CLI run it starts, never vitest's 5 s default.
 */
const PER_RUN_MS = 15_000;
const nodrop = async (...args: string[]) => {
  // Killed at the test's own budget, so a hung CLI never outlives its test.
  const r = await execa("node", [CLI, ...args], { reject: false, all: true, env: { NO_COLOR: "1" }, timeout: PER_RUN_MS });
  return { code: r.exitCode, out: String(r.all) };
};

describe("nodrop CLI input validation (exit 2, no cluster work)", () => {
  it.each([
    [["--set", "maxSurge=0", "--set", "maxUnavailable=0"], /maxUnavailable: maxSurge and maxUnavailable cannot both be 0/],
    [["--set", "rate=-5"], /rate: .*>=\s?1/],
    [["--set", "strategy=teleport"], /strategy: .*allowed: rolling, blue-green, canary/],
    [["--set", "replicas=many"], /replicas:/],
    [["--set", "nosuchfield=1"], /unknown field 'nosuchfield' \(allowed: .*strategy/],
    [["--set", "canarySteps=50,10"], /canarySteps: .*strictly increasing/],
    [["--set", "preStopSleep=40", "--set", "terminationGracePeriod=30"], /preStopSleep: must be shorter than terminationGracePeriod/],
  ])("run %j", async (args, message) => {
    const r = await nodrop("run", ...args);
    expect(r.code, r.out).toBe(2);
    expect(r.out).toMatch(message);
    expect(r.out).not.toMatch(/cluster \(local\)|namespace|kube-apiserver/);
  }, PER_RUN_MS);

  it("rejects a config file that is not valid YAML or JSON", async () => {
    const dir = await mkdtemp(join(tmpdir(), "nodrop-cli-"));
    const file = join(dir, "bad.yaml");
    await writeFile(file, "strategy: rolling\n  replicas: [4\n");
    const r = await nodrop("run", "--config", file);
    expect(r.code, r.out).toBe(2);
    expect(r.out).toMatch(/is not valid YAML or JSON/);
  }, PER_RUN_MS);

  it("rejects a config file with a bad field value, naming the field", async () => {
    const dir = await mkdtemp(join(tmpdir(), "nodrop-cli-"));
    const file = join(dir, "bad.json");
    await writeFile(file, JSON.stringify({ strategy: "rolling", shutdown: "sometimes" }));
    const r = await nodrop("run", "--config", file);
    expect(r.code, r.out).toBe(2);
    expect(r.out).toMatch(/shutdown: .*allowed: graceful, abrupt/);
  }, PER_RUN_MS);

  it("rejects bad demo input before any cluster work", async () => {
    const r = await nodrop("demo", "--set", "rate=0");
    expect(r.code, r.out).toBe(2);
    expect(r.out).toMatch(/rate:/);
  }, PER_RUN_MS);

  it("rejects an unknown command and an unknown cluster action", async () => {
    expect((await nodrop("teleport")).code).toBe(2);
    const r = await nodrop("cluster", "explode");
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/allowed: up, down, status, kubeconfig/);
    expect((await nodrop("cluster", "up", "--provider", "cloud")).out).toMatch(/allowed: local, kind, existing/);
  }, 3 * PER_RUN_MS);

  it("experiment: a missing file, and a file with a bad factor, exit 2 naming what is wrong", async () => {
    const missing = await nodrop("experiment");
    expect(missing.code, missing.out).toBe(2);
    expect(missing.out).toMatch(/the experiment file is missing/);
    const dir = await mkdtemp(join(tmpdir(), "nodrop-cli-"));
    const file = join(dir, "bad.yaml");
    await writeFile(file, "repeat: 2\nfactors:\n  preStopSleep: [0, 5]\n  shutdown: [abrupt, sometimes]\n");
    const r = await nodrop("experiment", file);
    expect(r.code, r.out).toBe(2);
    expect(r.out).toMatch(/variant 'shutdown=sometimes' is invalid/);
    expect(r.out).toMatch(/shutdown: .*allowed: graceful, abrupt/);
    expect(r.out).not.toMatch(/cluster \(local\)|namespace|kube-apiserver/);
  }, 2 * PER_RUN_MS);

  it("refuses an option a command does not use, naming it and the allowed ones", async () => {
    const demo = await nodrop("demo", "--app", "examples/go-http");
    expect(demo.code, demo.out).toBe(2);
    expect(demo.out).toMatch(/demo: --app is not an option of this command \(allowed: --provider, --kubeconfig, --context, --config, --set, --out\)/);
    const nightly = await nodrop("nightly", "suites/nightly.yaml", "--resume");
    expect(nightly.code, nightly.out).toBe(2);
    expect(nightly.out).toMatch(/nightly: --resume is not an option/);
    expect((await nodrop("cluster", "status", "--set", "rate=1")).out).toMatch(/cluster: --set is not an option/);
  }, 3 * PER_RUN_MS);

  it("--provider (and --set) reach run, demo, experiment and nightly, and win over their files", async () => {
    for (const cmd of [["run"], ["demo"], ["experiment", "experiments/prestop.yaml"], ["nightly", "suites/nightly.yaml"]]) {
      const r = await nodrop(...cmd, "--provider", "cloud");
      expect(r.code, `${cmd.join(" ")}: ${r.out}`).toBe(2);
      expect(r.out, cmd.join(" ")).toMatch(/provider: .*allowed: local, kind, existing/);
    }
    const dir = await mkdtemp(join(tmpdir(), "nodrop-cli-"));
    const file = join(dir, "exp.yaml");
    await writeFile(file, "repeat: 2\nfactors:\n  preStopSleep: [0, 5]\n");
    const factor = await nodrop("experiment", file, "--set", "preStopSleep=3");
    expect(factor.code, factor.out).toBe(2);
    expect(factor.out).toMatch(/--set preStopSleep: it is a factor of the experiment/);
  }, 6 * PER_RUN_MS);

  it("--version prints nodrop's version (and commit, from a clone), exit 0", async () => {
    const r = await nodrop("--version");
    expect(r.code, r.out).toBe(0);
    expect(r.out.trim()).toMatch(/^nodrop \d+\.\d+\.\d+(\+[0-9a-f]{7,})?\npinned tools: kubernetes v1\.\d+\.\d+, k6 v\d+\.\d+\.\d+, kind v/);
  }, PER_RUN_MS);

  it("<command> --help lists that command's options; run --help every config key with its default, within 100 columns", async () => {
    const run = await nodrop("run", "--help");
    expect(run.code, run.out).toBe(0);
    expect(run.out).toMatch(/^usage: nodrop run /);
    expect(run.out).toMatch(/^ {2}--app DIR /m);
    expect(run.out).not.toMatch(/--history/);
    expect(run.out).toMatch(/^ {2}preStopSleep +0 \(0–300 s\)$/m);
    expect(run.out).toMatch(/^ {2}newConnShare +0\.5 \(0–1\)$/m);
    expect(Math.max(...run.out.split("\n").map((l) => l.length))).toBeLessThanOrEqual(100);
    const cluster = await nodrop("cluster", "--help");
    expect(cluster.out).toMatch(/--nodes N/);
    expect(cluster.out).not.toMatch(/config keys/);
  }, 2 * PER_RUN_MS);

  it("prints the kubeconfig path without touching ~/.kube/config", async () => {
    const r = await execa("node", [CLI, "cluster", "kubeconfig"], { reject: false, timeout: PER_RUN_MS });
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toMatch(/\.nodrop\/local\/admin\.kubeconfig$/);
    expect(r.stdout).not.toContain(".kube/config");
  }, PER_RUN_MS);
});
