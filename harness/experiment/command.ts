// `nodrop experiment FILE [--resume] [--set k=v] [--provider P]`: validates the experiment (exit 2 before
// any cluster work), brings up or reuses one cluster for all its runs, runs
// the plan through the real pipeline and leaves the results in
// reports/experiments/<name>/ (results.csv, report.md, report.html,
// experiment.json). A cluster the command brought up is torn down at the end.
import { wantedNodes } from "../config.ts";
import { join, relative } from "node:path";
import { signalExitCode, withCleanup } from "../cleanup.ts";
import { ensureCluster } from "../cluster/ensure.ts";
import { providerFor } from "../cluster/index.ts";
import { log } from "../log.ts";
import { runPipeline } from "../run.ts";
import { reportsDir, runsDir } from "../paths.ts";
import { appOption, preloadApps } from "../userapp/load.ts";
import { loadExperiment } from "./design.ts";
import { OUTPUT_FILES, runExperiment } from "./runner.ts";

/** reports/experiments: one folder per experiment. */
export const experimentsDir = (): string => join(reportsDir(), "experiments");

export async function experimentCommand(file: string, opts: { resume: boolean; overrides?: Record<string, unknown> }): Promise<number> {
  const exp = await loadExperiment(file, opts.overrides);
  const outDir = join(experimentsDir(), exp.name);
  const first = exp.variants[0]!.config;
  const apps = await preloadApps(exp.variants.map((v) => v.config));
  log.info(`experiment '${exp.name}': ${exp.variants.length} variants × ${exp.repeat} repetitions (${exp.design}); results in ${relative(process.cwd(), outDir)}`);
  let interrupted: "SIGINT" | "SIGTERM" | undefined;
  return withCleanup(
    async (cleanup) => {
      const provider = providerFor(first.provider, { kubeconfig: first.kubeconfig, context: first.context, nodes: wantedNodes(first) });
      await ensureCluster(provider, cleanup, join(outDir, "cluster-logs"));
      if (interrupted) return signalExitCode(interrupted);
      const r = await runExperiment(exp, {
        outDir,
        resume: opts.resume,
        runsDir: runsDir(),
        pipeline: (config, o) => runPipeline(config, { provider, label: o.label, ...appOption(apps, config) }),
      });
      log.info(`report: ${relative(process.cwd(), join(outDir, OUTPUT_FILES.report))} (and ${OUTPUT_FILES.html}, ${OUTPUT_FILES.csv})`);
      return r.exitCode;
    },
    { keep: first.keep, onSignal: (sig) => (interrupted = sig) },
  );
}
