// Repeatability: N runs each of the demo's known-bad configuration (A: no
// preStop, abrupt shutdown) and known-good one (B: preStop sleep 5 s,
// graceful, maxSurge 1 / maxUnavailable 0), both probes on (new connection
// per request + keep-alive), interleaved A, B, A, B … on one cluster so that
// drift on the machine hits both alike. Prints every run and the totals:
//   false pass = A judged `pass`;  false fail = B judged `fail`.
// Goal: 0 false passes and 0 false fails in 30.
//
// Usage: npx tsx bench/repeat.ts [N=30] [--set key=value ...]
//   (extra --set apply to both variants; the variant knobs stay as above)
import { parseArgs } from "node:util";
import { providerFor } from "../harness/cluster/index.ts";
import { demoConfigs } from "../harness/demo.ts";
import { runPipeline, type RunResult } from "../harness/run.ts";
import type { Verdict } from "../harness/verdict/types.ts";

const { values, positionals } = parseArgs({ allowPositionals: true, options: { set: { type: "string", multiple: true } } });
const n = Number(positionals[0] ?? 30);
const { A, B } = await demoConfigs({ sets: values.set ?? [] });
const provider = providerFor(A.provider);
await provider.preflight();
if (!(await provider.status()).up) await provider.provision();

// A signal during a run is handled by the run (it records, judges, cleans up);
// between runs it just ends the loop.
let stop = false;
process.on("SIGINT", () => (stop = true));
process.on("SIGTERM", () => (stop = true));
const quiet = process.env["NODROP_BENCH_VERBOSE"] ? undefined : silenceStderr();
const byProbe = (v: Verdict) => v.probes.map((p) => `${p.conn || "?"} ${p.failed}/${p.requests}`).join(", ");
const rows: { variant: "A" | "B"; i: number; r: RunResult; seconds: number }[] = [];
const t0 = Date.now();
console.log(`bench/repeat: ${n} × A (${A.preStopSleep} s preStop, ${A.shutdown}) and ${n} × B (${B.preStopSleep} s preStop, ${B.shutdown}); rate ${A.rate}/s, newConnShare ${A.newConnShare}, ${A.rollouts} rollouts, ${A.replicas} replicas`);
for (let i = 1; i <= n; i++) {
  for (const [variant, cfg] of [["A", A], ["B", B]] as const) {
    const start = Date.now();
    const r = await runPipeline({ ...cfg }, { provider, label: `repeat ${variant}${i}` });
    const seconds = (Date.now() - start) / 1000;
    rows.push({ variant, i, r, seconds });
    const v = r.verdict;
    console.log(
      `${variant}${String(i).padEnd(3)} ${v.outcome.padEnd(12)} failed ${String(v.requests.failed).padStart(4)} of ${v.requests.total} (in windows ${v.requests.failedInDeployWindow} of ${v.requests.inDeployWindow}); by probe: ${byProbe(v)}; ${seconds.toFixed(0)} s; ${r.runDir}` +
        (v.outcome === "pass" || (variant === "A" && v.outcome === "fail") ? "" : `\n      ${v.reasons.slice(0, 2).join("\n      ")}`),
    );
    if (r.interrupted || stop) process.exit(130);
  }
}
quiet?.restore();

const of = (variant: "A" | "B", outcome: string) => rows.filter((x) => x.variant === variant && x.r.verdict.outcome === outcome).length;
const spread = (variant: "A" | "B") => {
  const f = rows.filter((x) => x.variant === variant).map((x) => x.r.verdict.requests.failed).sort((a, b) => a - b);
  return f.length ? `min ${f[0]}, median ${f[Math.floor(f.length / 2)]}, max ${f[f.length - 1]}` : "-";
};
console.log(`\nA (known bad):  fail ${of("A", "fail")}/${n}, pass ${of("A", "pass")}/${n} (false passes), inconclusive ${of("A", "inconclusive")}/${n}; failed requests per run: ${spread("A")}`);
console.log(`B (known good): pass ${of("B", "pass")}/${n}, fail ${of("B", "fail")}/${n} (false fails), inconclusive ${of("B", "inconclusive")}/${n}; failed requests per run: ${spread("B")}`);
console.log(`false-pass ${of("A", "pass")}/${n}, false-fail ${of("B", "fail")}/${n} (goal: 0 and 0); ${((Date.now() - t0) / 60000).toFixed(1)} min`);
// An inconclusive B is no pass either: the goal needs every B judged and passing.
process.exit(of("A", "pass") === 0 && of("B", "fail") === 0 && of("B", "inconclusive") === 0 ? 0 : 1);

/** The pipeline's status lines go to stderr; a bench prints only its rows. */
function silenceStderr(): { restore: () => void } {
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = (() => true) as typeof process.stderr.write;
  return { restore: () => void (process.stderr.write = write) };
}
