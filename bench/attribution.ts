// Accuracy of attribution without headers (issue 24): on runs of the sample
// app, which names its version and pod in headers (the truth), every answered
// request is attributed from its connection alone (conntrack + k6's per-VU
// source address, harness/verdict/attribution.ts) and compared with them.
// Prints, per run and in total: requests compared, share attributed, share
// with the same version, share with the same pod. Goal: same version ≥ 99 %.
//
// Usage: npx tsx bench/attribution.ts [N=2] [--set key=value ...]   N runs of the demo's good variant (B), both probes
//        npx tsx bench/attribution.ts --from <run folder> [--from …]  runs already made (they need conntrack.ndjson)
import { join } from "node:path";
import { parseArgs } from "node:util";
import { providerFor } from "../harness/cluster/index.ts";
import { demoConfigs } from "../harness/demo.ts";
import { ownSourceAddressOfVu } from "../harness/load/sources.ts";
import { CONNTRACK_FILE } from "../harness/observe/connections.ts";
import { readConnections } from "../harness/observe/conntrack.ts";
import { runPipeline } from "../harness/run.ts";
import { type AttributionCheck, checkAttribution } from "../harness/verdict/attribution.ts";
import { readEvents, readSamples } from "../harness/verdict/samples.ts";

const { values, positionals } = parseArgs({ allowPositionals: true, options: { set: { type: "string", multiple: true }, from: { type: "string", multiple: true } } });

async function check(dir: string): Promise<AttributionCheck & { requests: number; probes: string }> {
  const { samples } = await readSamples(join(dir, "samples.ndjson"));
  const { events } = await readEvents(join(dir, "events.ndjson"));
  const connections = await readConnections(join(dir, CONNTRACK_FILE));
  if (!connections.length) throw new Error(`${dir}: no ${CONNTRACK_FILE} (a run on a provider that traces connections, before an ingress or in-cluster runners, writes it)`);
  const c = checkAttribution(samples, connections, events, ownSourceAddressOfVu);
  const byProbe = (p: string) => checkAttribution(samples.filter((s) => s.c === p), connections, events, ownSourceAddressOfVu);
  const probes = ["new", "reuse"].map((p) => { const x = byProbe(p); return `${p} ${pct(x.sameVersion, x.compared)}`; }).join(", ");
  return { ...c, requests: samples.length, probes };
}

const pct = (a: number, b: number) => (b === 0 ? "-" : `${((100 * a) / b).toFixed(2)} %`);
const line = (name: string, c: AttributionCheck) =>
  `${name}: compared ${c.compared}, attributed ${pct(c.attributed, c.compared)}, same version ${pct(c.sameVersion, c.compared)} (${c.compared - c.sameVersion} differ or unattributed), same pod ${pct(c.samePod, c.withPodHeader)}`;

const dirs: string[] = [...(values.from ?? [])];
if (!dirs.length) {
  const n = Number(positionals[0] ?? 2);
  const { B } = await demoConfigs({ sets: values.set ?? [] });
  const provider = providerFor(B.provider);
  await provider.preflight();
  if (!(await provider.status()).up) await provider.provision();
  for (let i = 1; i <= n; i++) {
    const r = await runPipeline({ ...B }, { provider, label: `attribution ${i}` });
    if (r.interrupted) process.exit(130);
    dirs.push(r.runDir);
  }
}
const total: AttributionCheck = { compared: 0, attributed: 0, sameVersion: 0, samePod: 0, withPodHeader: 0 };
for (const dir of dirs) {
  const c = await check(dir);
  console.log(`${line(dir, c)}; by probe (same version): ${c.probes}`);
  for (const k of Object.keys(total) as (keyof AttributionCheck)[]) total[k] += c[k];
}
console.log(line(`total over ${dirs.length} run(s)`, total));
process.exit(total.compared > 0 && total.sameVersion / total.compared >= 0.99 ? 0 : 1);
