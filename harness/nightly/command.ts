// `nodrop nightly SUITE [--history DIR]`: runs every scenario of the suite on
// one cluster (brought up or reused), judges each against its baseline from
// the history (baseline.ts), appends tonight's records to the history, and
// writes reports/nightly/<night>/{report.md, junit.xml, nightly.json}.
// Exit: 0 every scenario passed (ok or new), 1 a scenario failed requests
// (beyond its budget) or regressed, 3 inconclusive (nothing regressed,
// but some scenario's evidence was not enough), 130/143 interrupted.
import { wantedNodes } from "../config.ts";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { signalExitCode, withCleanup } from "../cleanup.ts";
import { ensureCluster } from "../cluster/ensure.ts";
import { providerFor } from "../cluster/index.ts";
import { log } from "../log.ts";
import { runPipeline } from "../run.ts";
import { reportsDir, runsDir } from "../paths.ts";
import { appOption, preloadApps } from "../userapp/load.ts";
import { baselineOf, judgeNight } from "./baseline.ts";
import { SCHEMA_VERSION, toolChanges } from "../run-versions.ts";
import { appendRecord, nightId, readHistory } from "./history.ts";
import { nightlyJunit } from "./junit.ts";
import { historyChartData } from "./history-data.ts";
import { historyHtml } from "./history-html.ts";
import { numbersFrom } from "./numbers.ts";
import { nightlyMarkdown, overallExit, type NightlyEntry } from "./report.ts";
import { loadSuite } from "./suite.ts";

/** reports/nightly: one folder per night of a suite. */
export const nightlyDir = (): string => join(reportsDir(), "nightly");
/** Where nights are recorded unless --history names a folder. */
export const defaultHistory = (): string => join(reportsDir(), "history");

export async function nightlyCommand(file: string, opts: { history?: string; now?: Date; overrides?: Record<string, unknown> }): Promise<number> {
  const suite = await loadSuite(file, opts.overrides);
  const history = resolve(opts.history ?? defaultHistory());
  const night = nightId(opts.now ?? new Date());
  const outDir = join(nightlyDir(), `${suite.name}-${night}`);
  const first = suite.scenarios[0]!.config;
  const apps = await preloadApps(suite.scenarios.map((s) => s.config));
  log.info(`nightly '${suite.name}' ${night}: ${suite.scenarios.length} scenario(s); history ${relative(process.cwd(), history) || history}; reports in ${relative(process.cwd(), outDir)}`);
  let interrupted: "SIGINT" | "SIGTERM" | undefined;
  return withCleanup(
    async (cleanup) => {
      const provider = providerFor(first.provider, { kubeconfig: first.kubeconfig, context: first.context, nodes: wantedNodes(first) });
      await ensureCluster(provider, cleanup, join(outDir, "cluster-logs"));
      const entries: NightlyEntry[] = [];
      for (const [i, sc] of suite.scenarios.entries()) {
        if (interrupted) break;
        log.info(`\n=== scenario ${i + 1}/${suite.scenarios.length}: ${sc.name} ===`);
        const { records, skipped } = await readHistory(history, sc.name);
        for (const s of skipped) log.warn(`history: skipped ${s}`);
        const r = await runPipeline(sc.config, { provider, label: `nightly ${sc.name}`, ...appOption(apps, sc.config) });
        if (r.interrupted) {
          interrupted = r.interrupted;
          break;
        }
        const numbers = numbersFrom(r.verdict, r.exitCode);
        const judgement = judgeNight(numbers, records, sc.maxFailedRequests);
        const base = baselineOf(records) ?? [];
        const toolsChanged = toolChanges(r.ranOn, base.map((b) => b.ranOn));
        entries.push({ scenario: sc.name, runId: r.runId, runDir: r.runDir, numbers, judgement, budget: sc.maxFailedRequests, ranOn: r.ranOn, toolsChanged });
        // Tonight joins the history after it was judged: it is never its own baseline.
        await appendRecord(history, { ...numbers, schemaVersion: SCHEMA_VERSION, ranOn: r.ranOn, scenario: sc.name, night, at: new Date().toISOString(), runId: r.runId, result: judgement.result });
        for (const c of toolsChanged) log.warn(`${sc.name}: tonight's ${c} (not the baseline nights')`);
        const line = `${sc.name}: ${judgement.result}${judgement.problems.length ? ` — ${judgement.problems.join("; ")}` : ""}`;
        if (judgement.result === "regression" || judgement.result === "failed") log.error(line);
        else log.info(line);
      }
      await mkdir(outDir, { recursive: true });
      const md = nightlyMarkdown(suite.name, night, entries);
      await writeFile(join(outDir, "report.md"), md);
      await writeFile(join(outDir, "junit.xml"), nightlyJunit(suite.name, night, entries));
      await writeFile(join(outDir, "nightly.json"), JSON.stringify({ schemaVersion: SCHEMA_VERSION, suite: suite.name, source: suite.source, night, history, interrupted: interrupted ?? null, entries }, null, 2) + "\n");
      await writeFile(join(outDir, "history.html"), await historyPage(suite, night, history, outDir));
      process.stdout.write(`\n${md}\n`);
      log.info(`report: ${["report.md", "junit.xml", "history.html"].map((f) => relative(process.cwd(), join(outDir, f))).join(", ")}`);
      if (interrupted) return signalExitCode(interrupted);
      return overallExit(entries);
    },
    { keep: first.keep, onSignal: (sig) => (interrupted = sig) },
  );
}

/** history.html: every scenario of the suite, night by night, tonight included; each night linked to its run folder while it exists. */
async function historyPage(suite: Awaited<ReturnType<typeof loadSuite>>, night: string, history: string, outDir: string): Promise<string> {
  const href = (runId: string) => (existsSync(join(runsDir(), runId, "report.html")) ? relative(outDir, join(runsDir(), runId, "report.html")) : null);
  const data = [];
  for (const sc of suite.scenarios) {
    const { records } = await readHistory(history, sc.name);
    data.push(historyChartData(sc.name, records, { budget: sc.maxFailedRequests, href }));
  }
  return historyHtml(suite.name, night, data);
}
