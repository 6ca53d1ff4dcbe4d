// The one pipeline: the phases of a run in order, each in its own file under
// pipeline/, sharing one state object (pipeline/state.ts) and registering the
// cleanup of what it creates the moment it creates it.
//
//   cluster (+ reap orphans, image) → namespace (+ watches, watchdog) →
//   deploy (v1, target) → load (bundle scenario, k6) → rollouts (warm-up,
//   rollouts, cool-down) → stop (k6, last records) → judge → reports → cleanup
//
// Whatever ends the run early — an error, Ctrl-C (SIGINT/SIGTERM), a cluster
// component that died, k6 exiting on its own — the run still stops k6, judges
// what it recorded (never `pass`) and writes its reports before the cleanup.
import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { RunAbort, withAbortScope } from "./abort.ts";
import { withCleanup } from "./cleanup.ts";
import { runsDir } from "./paths.ts";
import type { RunConfig } from "./config.ts";
import { log } from "./log.ts";
import { EventLog } from "./observe/events.ts";
import { appConfig, loadUserApp } from "./userapp/load.ts";
import { clusterPhase } from "./pipeline/cluster.ts";
import { deployPhase } from "./pipeline/deploy.ts";
import { judgeRun } from "./pipeline/judge.ts";
import { loadPhase } from "./pipeline/load.ts";
import { namespacePhase } from "./pipeline/namespace.ts";
import { reportRun } from "./pipeline/reports.ts";
import { rolloutsPhase } from "./pipeline/rollouts.ts";
import { newRunState, type Phase, type RunOptions, type RunResult } from "./pipeline/state.ts";
import { stopRun } from "./pipeline/stop.ts";

export type { RunOptions, RunResult } from "./pipeline/state.ts";

export { runsDir } from "./paths.ts";

/** The body of a run, in order: every wait inside it ends at once when the run is aborted. */
const PHASES: readonly Phase[] = [clusterPhase, namespacePhase, deployPhase, loadPhase, rolloutsPhase];

export function newRunId(now = new Date()): string {
  const ts = now.toISOString().replace(/[-:T]/g, "").slice(0, 14);
  return `r${ts}-${randomBytes(2).toString("hex")}`;
}

export async function runPipeline(input: RunConfig, opts: RunOptions = {}): Promise<RunResult> {
  // A user's app is read and checked before anything else (ConfigError: exit 2).
  const app = opts.app ?? (input.app ? await loadUserApp(input.app) : undefined);
  const config = app ? appConfig(input, app) : input;
  const runId = config.runId ?? newRunId();
  const runDir = join(runsDir(), runId);
  await mkdir(runDir, { recursive: true });
  await writeFile(join(runDir, "config.json"), JSON.stringify({ ...config, runId }, null, 2));
  const events = new EventLog(join(runDir, "events.ndjson"));
  log.info(`run ${runId}${opts.label ? ` (${opts.label})` : ""}: strategy=${config.strategy}, provider=${config.provider}, output in ${relative(process.cwd(), runDir) || runDir}`);
  const abort = new RunAbort();

  return withCleanup(
    async (cleanup) => {
      const startedAt = Date.now();
      events.record("run-start", { runId });
      const s = newRunState({ config, opts, app, runId, runDir, events, abort, cleanup, startedAt });

      // The body: the first phase that fails (or is aborted) ends it.
      try {
        await withAbortScope(abort, async () => {
          for (const phase of PHASES) await phase(s);
        });
      } catch (e) {
        s.failure = e as Error;
      }

      // The finish, on every path: stop the load, judge what was recorded, write the reports.
      const end = await stopRun(s);
      const judged = await judgeRun(s, end);
      return reportRun(s, end, judged);
    },
    { keep: config.keep, onSignal: (signal) => abort.abort({ kind: "signal", signal, at: Date.now() }) },
  );
}
