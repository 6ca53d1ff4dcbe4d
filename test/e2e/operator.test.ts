// Issue 13: load beyond one machine. Given the local cluster, when the preStop
// demo runs with its load sent by 3 k6 runners of Grafana's k6-operator (built
// from its module, in the run's namespace), then the verdicts are those of a
// local load (A fails, B passes with >= 1000 requests in its deploy windows),
// every request of every runner is judged, and the report gives each runner's
// share. And when a runner dies mid-run, the run is inconclusive, naming it,
// and nothing the run created is left: not the operator, its CRDs or a runner.
import { execa } from "execa";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LocalProvider } from "../../harness/cluster/local.ts";
import { run } from "../../harness/exec.ts";
import { waitFor } from "../../harness/wait.ts";
import { CLI, nodrop, reportHead, runDirsIn, summaryOf } from "./helpers.ts";

const provider = new LocalProvider();
const kubectl = (...args: string[]) => run(["kubectl", "--kubeconfig", provider.kubeconfigPath(), ...args], { reject: false });

interface RunnerRow {
  runner: string;
  pod: string;
  requests: number;
  share: number;
  k6HttpReqs: number | null;
  k6Iterations: number | null;
  samplesRead: number;
  exitCode: number | null;
}

async function runnersOf(dir: string): Promise<RunnerRow[]> {
  const s = JSON.parse(await readFile(join(dir, "summary.json"), "utf8")) as { loadRunners: { runners: RunnerRow[] } | null };
  return s.loadRunners?.runners ?? [];
}

describe("load=operator", () => {
  // Shorter than the demo's defaults (CI time): 1 rollout, 5 s warm-up and cool-down; B still sends > 1000 requests in its windows.
  // maxVUs left to its load=operator default, 200 per runner (600): with 200 in all, a ~1 s stall
  // of this 2-core machine as the new pods start left a runner without a free VU (B inconclusive on
  // 17 dropped iterations, once in a fresh clone). The demo's literal command must pass as it is.
  it("the demo with 3 runners: A fails, B passes with >= 1000 requests in its windows, each runner's share in the report", async () => {
    const r = await nodrop(["demo", "--set", "load=operator", "--set", "runners=3", "--set", "rollouts=1", "--set", "warmup=5", "--set", "cooldown=5"]);
    const [a, b] = runDirsIn(r.output);
    expect(a && b, r.output.slice(-3000)).toBeTruthy();
    const explain = `${r.output.slice(-3000)}\n--- A ---\n${await reportHead(a!)}\n--- B ---\n${await reportHead(b!)}`;
    expect(r.exitCode, explain).toBe(0);
    const A = await summaryOf(a!);
    const B = await summaryOf(b!);
    expect(A.verdict, explain).toBe("fail");
    expect(B.verdict, explain).toBe("pass");
    expect(B.requests.inDeployWindow, explain).toBeGreaterThanOrEqual(1000);
    for (const dir of [a!, b!]) {
      const s = await summaryOf(dir);
      const rows = await runnersOf(dir);
      expect(rows.map((x) => x.runner), explain).toEqual(["1", "2", "3"]);
      // Every request judged came from a runner; each sent about a third.
      expect(rows.reduce((n, x) => n + x.requests, 0), explain).toBe(s.requests.total);
      for (const x of rows) {
        expect(x.share, JSON.stringify(x)).toBeGreaterThan(25);
        expect(x.share, JSON.stringify(x)).toBeLessThan(42);
        // Nothing lost between a runner's k6 and the verdict: its log gave a line for every
        // iteration k6 finished (one request each); a request counted in an iteration the
        // stop cut before its line is counted apart in unloggedAtStop (below).
        expect(x.samplesRead, JSON.stringify(x)).toBeGreaterThanOrEqual(x.k6Iterations ?? Infinity);
        expect(x.exitCode, JSON.stringify(x)).toBe(103);
      }
      const cut = rows.reduce((n, x) => n + Math.max(0, (x.k6HttpReqs ?? Infinity) - x.samplesRead), 0);
      expect(s.unloggedAtStop, explain).toBe(cut);
      expect(s.evidence.find((c) => c.check === "every request recorded")?.ok, explain).toBe(true);
      const md = await readFile(join(dir, "report.md"), "utf8");
      expect(md).toMatch(/Sent by 3 runner\(s\) of Grafana's k6-operator v\d+\.\d+\.\d+/);
      expect(md).toMatch(/\| 2 \| load-2-[a-z0-9]+ \| /);
    }
    // The operator's CRDs went with the run.
    expect((await kubectl("get", "crd", "-o", "name")).stdout).not.toMatch(/k6\.io/);
  });

  it("a runner that dies mid-run makes the run inconclusive, naming it; nothing is left behind", async () => {
    const child = execa("node", [CLI, "run", "--set", "load=operator", "--set", "runners=2", "--set", "rate=100", "--set", "warmup=30", "--set", "cooldown=5", "--set", "rollouts=1", "--set", "preStopSleep=5"], {
      reject: false,
      all: true,
      env: { NO_COLOR: "1" },
      timeout: 10 * 60_000,
    });
    let out = "";
    let killed: Promise<unknown> | undefined;
    child.all!.on("data", (d: Buffer) => {
      out += d.toString();
      // Once every runner sends, runner 2's pod goes, at once (a lost node, an eviction).
      const ns = /namespace (nodrop-\S+) /.exec(out)?.[1];
      if (!killed && ns && /runner\(s\) sending/.test(out)) killed = kubectl("delete", "pod", "-n", ns, "-l", "job-name=load-2", "--grace-period=0", "--force", "--wait=false");
    });
    const r = await child;
    await killed;
    const dir = runDirsIn(out)[0]!;
    const s = await summaryOf(dir);
    const explain = `${out.slice(-3000)}\n${JSON.stringify(s.reasons)}`;
    expect(killed, explain).toBeDefined();
    expect(s.verdict, explain).toBe("inconclusive");
    expect(r.exitCode, explain).toBe(3);
    expect(s.reasons.join("\n"), explain).toMatch(/runner 2 \(pod load-2-[a-z0-9]+/);
    // What runner 1 sent is kept and judged.
    expect((await runnersOf(dir)).find((x) => x.runner === "1")?.requests, explain).toBeGreaterThan(0);
    // The run's namespace, emptied and Terminating at its end, is gone within 30 s.
    await waitFor("the run's namespace to be gone", async () => (await kubectl("get", "ns", "-l", "app.kubernetes.io/managed-by=nodrop", "-o", "name")).stdout.trim() === "", { timeoutMs: 30_000, intervalMs: 250 });
    expect((await kubectl("get", "crd", "-o", "name")).stdout, explain).not.toMatch(/k6\.io/);
  });
});
