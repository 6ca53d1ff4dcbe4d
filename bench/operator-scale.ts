// Does the load go up with more k6-operator runners (issue 13)? Two real runs
// in a row on the same cluster: 1 runner at --rate, then --runners runners at
// --runners × --rate. Prints, for each, every runner's achieved rate, the
// total, the dropped iterations and the verdict, then the ratio of the totals
// (measured in the same bench run). On one machine the runners share its
// cores with the cluster and the app, so the ratio says how much of the extra
// rate the machine had room for, not what runners on separate nodes would do.
//
// Usage: npx tsx bench/operator-scale.ts [--rate 1500] [--runners 3] [--provider local]
import { execa } from "execa";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { PROJECT_ROOT } from "../harness/cluster/provider.ts";

const { values } = parseArgs({ options: { rate: { type: "string", default: "1500" }, runners: { type: "string", default: "3" }, provider: { type: "string", default: "local" } } });
const rate = Number(values.rate);
const n = Number(values.runners);
if (!Number.isInteger(rate) || rate < 1) throw new Error(`--rate: '${values.rate}' is not allowed (an integer ≥ 1)`);
if (!Number.isInteger(n) || n < 2 || n > 10 || rate * n > 5000) throw new Error(`--runners: '${values.runners}' is not allowed (2..10, and runners × rate ≤ 5000, the scenario's maximum)`);

interface Row {
  runner: string;
  requests: number;
  achievedRate: number;
  dropped: number | null;
}

async function one(runners: number, total: number) {
  const args = ["bin/nodrop.mjs", "run", "--set", `provider=${values.provider}`, "--set", "load=operator", "--set", `runners=${runners}`, "--set", `rate=${total}`];
  for (const s of ["warmup=10", "cooldown=5", "rollouts=1", "preStopSleep=5"]) args.push("--set", s);
  const r = await execa("node", args, { cwd: PROJECT_ROOT, reject: false, all: true, env: { NO_COLOR: "1" } });
  const dir = /output in (\S+)/.exec(r.all ?? "")?.[1];
  if (!dir) throw new Error(`no run folder in the output:\n${(r.all ?? "").slice(-2000)}`);
  const s = JSON.parse(readFileSync(join(PROJECT_ROOT, dir, "summary.json"), "utf8")) as {
    verdict: string;
    rate: { target: number; achieved: number };
    dropped: { total: number | null };
    loadRunners: { runners: Row[]; totalRate: number } | null;
  };
  return { runners, target: total, dir, verdict: s.verdict, achieved: s.rate.achieved, dropped: s.dropped.total, rows: s.loadRunners?.runners ?? [] };
}

const results = [await one(1, rate), await one(n, rate * n)];
for (const x of results) {
  console.log(`\n${x.runners} runner(s), target ${x.target} req/s — verdict ${x.verdict}, achieved ${x.achieved} req/s, dropped iterations ${x.dropped ?? "unknown"} (${x.dir})`);
  for (const r of x.rows) console.log(`  runner ${r.runner}: ${r.requests} requests, ${r.achievedRate} req/s, dropped ${r.dropped ?? "unknown"}`);
}
const [a, b] = results as [(typeof results)[0], (typeof results)[0]];
console.log(`\nachieved with ${n} runners / with 1: ${(b.achieved / a.achieved).toFixed(2)} (target ratio ${n}); ${n} runners reached ${((100 * b.achieved) / b.target).toFixed(1)} % of their target, 1 runner ${((100 * a.achieved) / a.target).toFixed(1)} %`);
