// The runners of one TestRun as nodrop sees them: their pods found, each
// one's log followed to its end (samples tagged with the runner's index and
// appended to the run's samples.ndjson, every other line to k6.log), their
// end-of-test summaries read, and a runner that ends unasked noticed.
import { createWriteStream, type WriteStream } from "node:fs";
import type { V1Pod } from "@kubernetes/client-node";
import { isNotFound, type Kube } from "../../kube.ts";
import { parseSampleLine } from "../../verdict/samples.ts";
import type { Sample } from "../../verdict/types.ts";
import { followPodLog } from "./pod-log.ts";
import { RunnerSummaryReader, type RunnerSummary } from "./runner-summary.ts";

export interface RunnerReport {
  /** The TestRun's runner index, 1..N (the `r` of its samples). */
  runner: string;
  pod: string;
  node: string;
  samples: number;
  /** Log lines that were not samples (k6's own messages, the summary). */
  otherLines: number;
  summary: RunnerSummary;
  exitCode: number | null;
  /** Times its log stream had to be re-opened. */
  resumes: number;
  /** Set when following its log failed. */
  error?: string;
  /** Its pod was deleted (its log with it) before the runner ended. */
  gone?: boolean;
  /** It ended before nodrop asked it to stop (set by the load's watch). */
  endedUnasked?: boolean;
  /** End (send time + duration, epoch ms) of the last request it logged. */
  lastEnd?: number;
}

/** The runner index of a runner pod: its Job is `<testrun>-<index>`. */
export function runnerIndex(pod: V1Pod, testRun: string): string | null {
  const job = pod.metadata?.labels?.["job-name"] ?? "";
  const m = new RegExp(`^${testRun}-(\\d+)$`).exec(job);
  return m ? m[1]! : null;
}

/** The k6 container's exit code once it terminated, else null. */
export function terminatedExit(pod: V1Pod): number | null {
  const st = pod.status?.containerStatuses?.find((c) => c.name === "k6")?.state?.terminated;
  return st ? st.exitCode : null;
}

function started(pod: V1Pod): boolean {
  const st = pod.status?.containerStatuses?.find((c) => c.name === "k6")?.state;
  return Boolean(st?.running || st?.terminated);
}

/** `{"t":…}` → `{"r":"2","t":…}`: the runner's index first, the line otherwise as k6 wrote it. */
export function tagLine(line: string, runner: string): string {
  const open = line.indexOf("{");
  return `{"r":${JSON.stringify(runner)},${line.slice(open + 1)}`;
}

export class Runner {
  readonly report: RunnerReport;
  readonly done: Promise<void>;
  readonly #summary = new RunnerSummaryReader();

  constructor(
    kube: Kube,
    namespace: string,
    pod: V1Pod,
    index: string,
    out: { samples: WriteStream; log: WriteStream; onSample: (s: Sample) => void; signal: AbortSignal },
  ) {
    const name = pod.metadata!.name!;
    this.report = { runner: index, pod: name, node: pod.spec?.nodeName ?? "", samples: 0, otherLines: 0, summary: this.#summary.summary, exitCode: null, resumes: 0 };
    const terminated = async () => {
      const p = await kube.core.readNamespacedPod({ name, namespace }).catch((e: unknown) => {
        if (isNotFound(e)) return null;
        throw e;
      });
      if (!p) {
        this.report.gone = true;
        return true;
      }
      this.report.exitCode = terminatedExit(p);
      return this.report.exitCode !== null;
    };
    this.done = followPodLog({
      kc: kube.kc,
      namespace,
      pod: name,
      container: "k6",
      signal: out.signal,
      terminated,
      onLine: (text) => {
        const s = text.startsWith("{") ? parseSampleLine(text) : null;
        if (s) {
          this.report.samples++;
          if (this.report.lastEnd === undefined || s.t + s.d > this.report.lastEnd) this.report.lastEnd = s.t + s.d;
          out.samples.write(`${tagLine(text, index)}\n`);
          out.onSample({ ...s, r: index });
          return;
        }
        this.report.otherLines++;
        this.#summary.line(text);
        out.log.write(`[runner ${index}] ${text}\n`);
      },
    }).then(
      (r) => {
        this.report.resumes = r.resumes;
        if (r.gone) this.report.gone = true;
        this.report.summary = this.#summary.summary;
      },
      (e: Error) => {
        this.report.error = e.message;
        this.report.summary = this.#summary.summary;
      },
    );
  }
}

/** Runner pods of the TestRun whose k6 container has started, by index (the newest pod per index). */
export function startedRunners(pods: V1Pod[], testRun: string): Map<string, V1Pod> {
  const out = new Map<string, V1Pod>();
  for (const p of pods) {
    const i = runnerIndex(p, testRun);
    if (i && started(p) && !out.has(i)) out.set(i, p);
  }
  return out;
}

export function openAppend(file: string): WriteStream {
  return createWriteStream(file, { flags: "a" });
}
