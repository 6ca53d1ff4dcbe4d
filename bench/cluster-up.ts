// Prints how long `nodrop cluster up` takes with tools cached (the goal is
// <= 60 s), over N cold starts of the cluster: `cluster down` then `cluster up`.
// Usage: npx tsx bench/cluster-up.ts [N=3]   (tears down a running local cluster)
import { $ } from "zx";

$.verbose = false;
$.quiet = true;
const n = Number(process.argv[2] ?? 3);
const times: number[] = [];
for (let i = 0; i < n; i++) {
  await $`node bin/nodrop.mjs cluster down`;
  const t0 = performance.now();
  await $`node bin/nodrop.mjs cluster up`;
  times.push((performance.now() - t0) / 1000);
  console.log(`cluster up #${i + 1}: ${times.at(-1)!.toFixed(1)} s`);
}
const sorted = [...times].sort((a, b) => a - b);
console.log(`cluster up (tools cached), ${n} runs: min ${sorted[0]!.toFixed(1)} s, median ${sorted[Math.floor(n / 2)]!.toFixed(1)} s, max ${sorted.at(-1)!.toFixed(1)} s (goal <= 60 s)`);
