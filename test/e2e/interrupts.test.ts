// Issue: a verdict a nightly gate can trust. Given a run in progress, when it
// is interrupted (SIGINT), its k6 is killed, or kube-apiserver dies, then the
// run ends within seconds, its folder keeps what it recorded, its summary says
// why (never `pass`), and nothing it created is left behind.
import { execa } from "execa";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { LocalProvider } from "../../harness/cluster/local.ts";
import { run } from "../../harness/exec.ts";
import { waitFor } from "../../harness/wait.ts";
import { PROJECT_ROOT } from "../../harness/cluster/provider.ts";
import { CLI, nodrop, runDirsIn, summaryOf } from "./helpers.ts";

const provider = new LocalProvider();
const kubectl = (...args: string[]) => run(["kubectl", "--kubeconfig", provider.kubeconfigPath(), ...args], { reject: false });

/** A k6 started by a run of this checkout: its script lies in this checkout's run folders (not another project's or test's k6). */
const RUNS = join(PROJECT_ROOT, "reports", "runs");
const isOurK6 = (psLine: string) => /\bk6 run\b/.test(psLine) && psLine.includes(RUNS);

/**
 * What a run can leave behind: its namespaces (live ones; those being deleted
 * apart), pods, Services in nodrop's namespaces (Terminating ones too: a
 * Service holds its NodePort, and on kind those are fixed slots the next run
 * asks for), and k6 processes.
 */
async function inventory(): Promise<{ namespaces: string[]; terminating: string[]; pods: string[]; services: string[]; k6: string[]; conntrack: string[] }> {
  const ns = await kubectl("get", "ns", "-l", "app.kubernetes.io/managed-by=nodrop", "-o", "jsonpath={range .items[*]}{.metadata.name} {.metadata.deletionTimestamp}{\"\\n\"}{end}");
  const nsRows = ns.stdout.split("\n").filter(Boolean).map((l) => l.trim().split(" "));
  const pods = await kubectl("get", "pods", "-A", "-o", "name");
  const svc = await kubectl("get", "svc", "-A", "-o", "jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name}{\"\\n\"}{end}");
  const ours = new Set(nsRows.map((r) => r[0]!));
  const ps = await run(["ps", "-eo", "pid,args"]);
  return {
    namespaces: nsRows.filter((r) => r.length === 1).map((r) => r[0]!).sort(),
    terminating: nsRows.filter((r) => r.length > 1).map((r) => r[0]!).sort(),
    pods: pods.stdout.split("\n").filter(Boolean).sort(),
    services: svc.stdout.split("\n").filter((l) => ours.has(l.split("/")[0]!)).sort(),
    k6: ps.stdout.split("\n").filter(isOurK6),
    // A run's connection tracking (observe/conntrack.ts): it must end with the run, however the run ends.
    conntrack: ps.stdout.split("\n").filter((l) => /\/conntrack -E .*--orig-port-dst /.test(l) && !/setpriv/.test(l)).map((l) => l.trim().split(/\s+/).slice(1).join(" ")),
  };
}

/** The inventory once no namespace is being deleted any more (a run's end leaves its own Terminating: Kube.releaseNamespace). */
async function settled() {
  await waitFor("the namespaces being deleted to be gone", async () => (await inventory()).terminating.length === 0, { timeoutMs: 30_000, intervalMs: 250 });
  return inventory();
}

/** Right after a run: none of its pods, Services, k6 or live namespace is left; its namespace, Terminating, is gone within 30 s. */
async function expectNothingLeft(before: Awaited<ReturnType<typeof inventory>>, explain: string) {
  const after = await inventory();
  expect({ ...after, terminating: [] }, `before: ${JSON.stringify(before)}\n${explain}`).toEqual(before);
  expect(await settled(), explain).toEqual(before);
}

const BASE = ["--set", "replicas=3", "--set", "warmup=8", "--set", "cooldown=5", "--set", "preStopSleep=3", "--set", "rate=200", "--set", "rollouts=1"];

/**
 * Starts a run and, once its output shows `marker`, does `act` (a signal, a
 * kill). Returns the exit code, the output and the run's folder.
 */
async function runAndDisturb(marker: RegExp, act: (child: ReturnType<typeof execa>) => void | Promise<void>) {
  const child = execa("node", [CLI, "run", ...BASE], { reject: false, all: true, env: { NO_COLOR: "1" }, timeout: 10 * 60_000 });
  let out = "";
  let acted = false;
  let actedAt = 0;
  child.all!.on("data", (d: Buffer) => {
    out += d.toString();
    if (!acted && marker.test(out)) {
      acted = true;
      actedAt = Date.now();
      void act(child);
    }
  });
  const r = await child;
  const endedAfterMs = Date.now() - actedAt;
  const dir = runDirsIn(out)[0];
  if (!dir) throw new Error(`no run folder in output:\n${out}`);
  return { exitCode: r.exitCode ?? -1, out, dir, acted, endedAfterMs };
}

const lines = (file: string) => readFileSync(file, "utf8").split("\n").filter(Boolean).length;

describe("interrupts leave nothing behind and keep what was recorded", () => {
  it.each([
    ["warm-up", /• warm-up/],
    ["a rollout", /• rollout 1\/1/],
  ])("SIGINT during %s: exit 130, summary 'interrupted', no namespace, pod or k6 left", async (_when, marker) => {
    const before = await settled();
    const r = await runAndDisturb(marker, (child) => void child.kill("SIGINT"));
    const explain = r.out.slice(-3000);
    console.log(`SIGINT at ${String(marker)}: the run ended ${(r.endedAfterMs / 1000).toFixed(1)} s after the signal`);
    expect(r.acted, explain).toBe(true);
    expect(r.exitCode, explain).toBe(130);
    const s = await summaryOf(r.dir);
    expect(s.verdict, explain).toBe("inconclusive");
    expect(s.interrupted).toBe("SIGINT");
    expect(s.reasons.join("\n")).toMatch(/interrupted by SIGINT/);
    // What the run recorded before the signal is kept.
    expect(lines(join(r.dir, "samples.ndjson"))).toBeGreaterThan(0);
    expect(readFileSync(join(r.dir, "events.ndjson"), "utf8")).toContain('"kind":"run-error"');
    await expectNothingLeft(before, explain);
  });

  it("k6 killed with SIGKILL during warm-up: exit 3, inconclusive naming k6, nothing left", async () => {
    const before = await settled();
    const r = await runAndDisturb(/• warm-up/, async () => {
      const ps = await run(["ps", "-eo", "pid,args"]);
      const pid = ps.stdout.split("\n").find(isOurK6)?.trim().split(/\s+/)[0];
      if (pid) process.kill(Number(pid), "SIGKILL");
    });
    const explain = r.out.slice(-3000);
    expect(r.exitCode, explain).toBe(3);
    const s = await summaryOf(r.dir);
    expect(s.verdict, explain).toBe("inconclusive");
    expect(s.reasons.join("\n"), explain).toMatch(/k6 exited/);
    await expectNothingLeft(before, explain);
  });
});

describe("kill -9 of the harness itself", () => {
  it("k6 stops by itself within 30 s (parent-death signal); `nodrop cleanup` removes the namespace left behind", async () => {
    const before = await settled();
    const r = await runAndDisturb(/• warm-up/, (child) => void child.kill("SIGKILL"));
    expect(r.acted, r.out).toBe(true);
    const t0 = Date.now();
    await waitFor("k6 and conntrack to stop after their harness was killed", async () => { const i = await inventory(); return i.k6.length === 0 && i.conntrack.length === before.conntrack.length; }, { timeoutMs: 30_000, intervalMs: 100 });
    console.log(`kill -9 of the harness: k6 and conntrack gone ${((Date.now() - t0) / 1000).toFixed(1)} s later`);
    const left = await inventory();
    expect(left.namespaces.length, JSON.stringify(left)).toBe(before.namespaces.length + 1);
    const c = await nodrop(["cleanup"]);
    expect(c.exitCode, c.output).toBe(0);
    expect(await inventory()).toEqual(before);
  });
});

// Kills a component of the cluster: only on a cluster this test run created,
// which it then brings back for the other tests.
describe.skipIf(!inject("suiteCreatedCluster"))("an infrastructure fault mid-run", () => {
  it("kube-apiserver killed during the rollout: exit 3 within seconds, the verdict names kube-apiserver", async () => {
    const record = JSON.parse(readFileSync("/run/nodrop-local/cluster.json", "utf8")) as { pids: Record<string, number> };
    const apiserver = record.pids["kube-apiserver"]!;
    try {
      const r = await runAndDisturb(/• rollout 1\/1/, () => void process.kill(apiserver, "SIGKILL"));
      const explain = r.out.slice(-3000);
      console.log(`kube-apiserver killed: the run ended ${(r.endedAfterMs / 1000).toFixed(1)} s later`);
      expect(r.exitCode, explain).toBe(3);
      const s = await summaryOf(r.dir);
      expect(s.verdict, explain).not.toBe("pass");
      expect(s.reasons.join("\n"), `${explain}\nsummary reasons:\n${s.reasons.join("\n")}`).toMatch(/kube-apiserver \(pid \d+\) is not running/);
      expect(r.out).toMatch(/infrastructure fault: kube-apiserver/);
    } finally {
      const up = await nodrop(["cluster", "up"]);
      expect(up.exitCode, up.output).toBe(0);
    }
  });
});
