// Issue 8 (experiments). Given an experiment file with preStopSleep [0, 5]
// under an abrupt shutdown, 2 repetitions, when `nodrop experiment` is
// interrupted in its second run and then resumed, then the resumed command
// finishes the plan without repeating the finished run, keeps the unfinished
// run's folder aside, and its results show fewer failures with preStop 5 than
// with 0. (docs/experiments.md shows the real-sized experiment: [0, 2, 5] × 3.)
import { execa } from "execa";
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../harness/cluster/provider.ts";
import { CLI, nodrop } from "./helpers.ts";

const RUNS = join(PROJECT_ROOT, "reports", "runs");

function experimentFile(name: string): string {
  const file = join(mkdtempSync(join(tmpdir(), "nodrop-exp-")), `${name}.yaml`);
  writeFileSync(
    file,
    `name: ${name}
design: grid
repeat: 2
base:
  shutdown: abrupt
  strategy: rolling
  replicas: 3
  rollouts: 1
  rate: 200
  workMs: 20
  warmup: 3
  cooldown: 3
  requestTimeout: 3
  maxSurge: 1
  maxUnavailable: 0
  analysisMaxErrorRate: 1
factors:
  preStopSleep: [0, 5]
`,
  );
  return file;
}

/** results.csv as objects (no quoted fields are expected in these columns). */
function readCsv(path: string): Array<Record<string, string>> {
  const [head, ...lines] = readFileSync(path, "utf8").split("\r\n").filter(Boolean);
  const cols = head!.split(",");
  return lines.map((l) => Object.fromEntries(l.split(",").map((v, i) => [cols[i]!, v])));
}

describe("nodrop experiment", () => {
  it("interrupted in its 2nd run, then --resume: finishes without repeating the finished run; failures fall as preStop grows", async () => {
    const name = `e2e-${Date.now().toString(36)}`;
    const file = experimentFile(name);
    const outDir = join(PROJECT_ROOT, "reports", "experiments", name);

    // 1. Interrupted once the second run is under way.
    const child = execa("node", [CLI, "experiment", file], { cwd: PROJECT_ROOT, reject: false, all: true, env: { NO_COLOR: "1" }, timeout: 10 * 60_000 });
    let out = "";
    let sent = false;
    child.all!.on("data", (d: Buffer) => {
      out += d.toString();
      if (!sent && (out.match(/• warm-up/g) ?? []).length >= 2) {
        sent = true;
        child.kill("SIGINT");
      }
    });
    const first = await child;
    expect(sent, out).toBe(true);
    expect(first.exitCode, out.slice(-3000)).toBe(130);
    expect(out).toMatch(/variant \d\/2 \(preStopSleep=\d\), run 2\/4, elapsed \S+, left ~\S+/);
    expect(out).toMatch(/Run it again with --resume to continue/);
    const afterFirst = readCsv(join(outDir, "results.csv"));
    expect(afterFirst, out.slice(-3000)).toHaveLength(1);
    const done = afterFirst[0]!.runId!;
    const doneSummary = join(RUNS, done, "summary.json");
    const doneMtime = statSync(doneSummary).mtimeMs;

    // 2. Without --resume the command refuses to touch the existing runs.
    const refused = await nodrop(["experiment", file], 60_000);
    expect(refused.exitCode, refused.output).toBe(2);
    expect(refused.output).toMatch(/Pass --resume/);

    // 3. --resume: the finished run is kept as it is, the interrupted one is set aside and run again.
    const resumed = await nodrop(["experiment", file, "--resume"]);
    const explain = resumed.output.slice(-4000);
    expect(resumed.exitCode, explain).toBe(0);
    expect(resumed.output).toMatch(/resume: 1 of 4 runs of '.*' complete, 3 to run/);
    expect(resumed.output).not.toMatch(new RegExp(`run ${done}\\b`));
    expect(statSync(doneSummary).mtimeMs).toBe(doneMtime);
    const planned = (JSON.parse(readFileSync(join(outDir, "experiment.json"), "utf8")) as { runs: { runId: string }[] }).runs.map((r) => r.runId);
    const setAside = readdirSync(RUNS).filter((d) => planned.some((id) => d === `${id}.incomplete-1`));
    expect(setAside, readdirSync(RUNS).join(" ")).toHaveLength(1);
    expect(resumed.output).toMatch(/overhead per run beyond the load window: median \d+\.\d s \(3 runs\)/);

    const rows = readCsv(join(outDir, "results.csv"));
    expect(rows.map((r) => r.variant).sort()).toEqual(["preStopSleep=0", "preStopSleep=0", "preStopSleep=5", "preStopSleep=5"]);
    expect(new Set(rows.map((r) => r.runId)).size).toBe(4);
    const failed = (v: string) => rows.filter((r) => r.variant === v).reduce((n, r) => n + Number(r.failed), 0);
    expect(failed("preStopSleep=0"), readFileSync(join(outDir, "report.md"), "utf8")).toBeGreaterThan(failed("preStopSleep=5"));
    // Every counted repetition carries its evidence: no error ended it, and it either
    // failed requests (failures are evidence) or its windows hold the floor of requests.
    for (const r of rows) {
      const s = JSON.parse(readFileSync(join(RUNS, r.runId!, "summary.json"), "utf8")) as { verdict: string; error: string | null; requests: { inDeployWindow: number; failed: number }; config: { minRequestsInWindow: number } };
      expect(s.error, r.runId).toBeNull();
      if (s.requests.failed === 0) expect(s.requests.inDeployWindow, r.runId).toBeGreaterThanOrEqual(s.config.minRequestsInWindow);
      else expect(s.verdict, r.runId).toBe("fail");
    }

    const md = readFileSync(join(outDir, "report.md"), "utf8");
    // Each run's overhead beyond its load window, from the process that ran it
    // (none for the run finished before --resume), and their spread in the report.
    expect(rows.filter((r) => r.overheadSeconds !== "").map((r) => Number(r.overheadSeconds) > 0)).toEqual([true, true, true]);
    expect(md).toMatch(/Overhead per run beyond its load window .*min \/ median \/ max: \d+\.\d \/ \d+\.\d \/ \d+\.\d s\./);
    expect(md).toMatch(/preStopSleep=0/);
    expect(md).toMatch(/preStopSleep=5/);
    expect(readFileSync(join(outDir, "report.html"), "utf8")).toMatch(/<table>/);
  });
});
