// The preStop demo: the same rolling update under the same load, twice, on
// one cluster.
//   A: no preStop hook, abrupt shutdown on SIGTERM
//   B: preStop sleep 5 s, graceful shutdown, maxUnavailable 0, maxSurge 1
// A should drop requests, B should drop none. Exit 0 only when that is what
// happened (the demo "worked"), non-zero otherwise.
import { join, relative } from "node:path";
import { signalExitCode, withCleanup } from "./cleanup.ts";
import { ensureCluster } from "./cluster/ensure.ts";
import { providerFor } from "./cluster/index.ts";
import { resolveConfig, type RunConfig, wantedNodes } from "./config.ts";
import { log } from "./log.ts";
import { runPipeline, type RunResult } from "./run.ts";
import { runsDir } from "./paths.ts";
import { compareTable } from "../reports/compare.ts";
import { compareHtml } from "../reports/compare-html.ts";
import { writeFile } from "node:fs/promises";

export const DEMO_COMMON = {
  strategy: "rolling",
  replicas: 4,
  rollouts: 3,
  rate: 300,
  maxSurge: 1,
  maxUnavailable: 0,
  // A little work per request keeps requests in flight when a pod is told to stop.
  workMs: 20,
  // The demo shows what users see through whole rollouts, so the live gate is
  // off: with it on, A's first refused connection would roll A back (exit 4)
  // instead of showing every failure the missing preStop causes.
  analysisMaxErrorRate: 1,
} as const;

export const DEMO_VARIANTS = {
  A: { label: "A: no preStop, abrupt shutdown", set: { preStopSleep: 0, shutdown: "abrupt" } },
  B: { label: "B: preStop sleep 5 s, graceful shutdown", set: { preStopSleep: 5, shutdown: "graceful" } },
} as const;

export async function demoConfigs(opts: { sets: string[]; file?: string }): Promise<{ A: RunConfig; B: RunConfig }> {
  // Validate both variants before any cluster work: bad input exits 2 here.
  const A = await resolveConfig({ ...(opts.file ? { file: opts.file } : {}), sets: opts.sets, base: { ...DEMO_COMMON, ...DEMO_VARIANTS.A.set } });
  const B = await resolveConfig({ ...(opts.file ? { file: opts.file } : {}), sets: opts.sets, base: { ...DEMO_COMMON, ...DEMO_VARIANTS.B.set } });
  // The variant knobs are the point of the demo: user --set may not erase them.
  Object.assign(A, DEMO_VARIANTS.A.set);
  Object.assign(B, DEMO_VARIANTS.B.set);
  delete A.runId;
  delete B.runId;
  return { A, B };
}

export async function runDemo(opts: { sets: string[]; file?: string }): Promise<number> {
  const { A, B } = await demoConfigs(opts);
  // The run in progress handles the signal itself (records, judges, cleans up);
  // the demo only stops before the next variant.
  let interrupted: "SIGINT" | "SIGTERM" | undefined;
  return withCleanup(async (cleanup) => {
    const provider = providerFor(A.provider, { kubeconfig: A.kubeconfig, context: A.context, nodes: wantedNodes(A) });
    await ensureCluster(provider, cleanup, join(runsDir(), "demo-cluster-logs"));
    const results: { label: string; r: RunResult }[] = [];
    for (const [key, cfg] of [["A", A], ["B", B]] as const) {
      if (interrupted) return signalExitCode(interrupted);
      const label = DEMO_VARIANTS[key].label;
      log.info(`\n=== variant ${label} ===`);
      const r = await runPipeline(cfg, { provider, label });
      results.push({ label, r });
      if (r.interrupted) return signalExitCode(r.interrupted);
    }
    const table = compareTable(results.map(({ label, r }) => ({ label, verdict: r.verdict, reportPath: r.reportPath })));
    const [a, b] = results.map((x) => x.r) as [RunResult, RunResult];
    const shown = a.verdict.outcome === "fail" && b.verdict.outcome === "pass";
    const summary = `${table}\n\n${shown ? "The demo showed the preStop effect: A dropped requests, B dropped none." : `The demo did NOT show the expected result (A should fail, B should pass; got A=${a.verdict.outcome}, B=${b.verdict.outcome}).`}\n`;
    process.stdout.write(`\n${summary}`);
    await writeFile(join(runsDir(), `demo-${a.runId}.txt`), summary);
    const page = join(runsDir(), `demo-${a.runId}.html`);
    const runs = results.map(({ label, r }) => ({ label, verdict: r.verdict, reportPath: r.reportPath, reportHref: `${r.runId}/report.html`, ...(r.chart ? { chart: r.chart } : {}) }));
    await writeFile(page, compareHtml(`nodrop preStop demo ${a.runId}`, runs, summary.trim().split("\n").pop() ?? ""));
    log.info(`A and B side by side: ${relative(process.cwd(), page)}`);
    return shown ? 0 : 1;
  }, { keep: A.keep, onSignal: (sig) => (interrupted = sig) });
}
