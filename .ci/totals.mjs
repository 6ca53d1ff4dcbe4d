// Reads vitest JSON reports; prints where the time went (each vitest run, each
// of its files, and the gaps between them: typecheck and the tools each target
// builds first), the slowest tests against their timeout and one closing line
// "N passed, N failed, N skipped". A report that is missing (its vitest run
// never happened) is a failure, not a zero. CI_START_MS: when `make test` began.
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";

let passed = 0;
let failed = 0;
let skipped = 0;
let missing = 0;
const durations = [];
const failures = [];
/** Each vitest run's span and its files' durations, in the order given. */
const spans = [];
const plain = (t) => String(t).replace(/\u001b\[[0-9;]*m/g, "");
for (const file of process.argv.slice(2)) {
  if (!existsSync(file)) {
    console.log(`missing vitest report: ${file} (that test run did not happen)`);
    missing++;
    continue;
  }
  let r;
  try {
    r = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    // e.g. a disk that filled up while vitest wrote it (ENOSPC): a failure, said as such.
    console.log(`unreadable vitest report: ${file} (${e.message})`);
    missing++;
    continue;
  }
  const files = (r.testResults ?? []).map((f) => ({ name: f.name.replace(/^.*\/test\//, "test/"), ms: (f.endTime ?? 0) - (f.startTime ?? 0), end: f.endTime ?? 0 }));
  spans.push({ label: file.replace(/^.*vitest-/, "").replace(/\.json$/, ""), start: r.startTime, end: Math.max(r.startTime, ...files.map((f) => f.end)), files });
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  for (const f of r.testResults ?? []) {
    for (const a of f.assertionResults ?? []) {
      durations.push({ name: `${f.name.replace(/^.*\/test\//, "test/")} › ${a.fullName}`, ms: a.duration ?? 0, status: a.status });
      if (a.status === "failed") failures.push({ name: durations.at(-1).name, messages: a.failureMessages ?? [] });
      if (a.status === "pending" || a.status === "skipped" || a.status === "todo") console.log(`skipped: ${a.fullName}`);
    }
    // A file that failed outside any test (an import, a hook) has no failed test.
    if (f.status === "failed" && !(f.assertionResults ?? []).some((a) => a.status === "failed")) {
      failures.push({ name: f.name.replace(/^.*\/test\//, "test/"), messages: [f.message ?? ""] });
      failed++;
    }
  }
}
// Where the time went: the gap before each run is what its make target did
// first (typecheck, tools, the cluster it brings up in global setup).
const s1 = (ms) => `${(ms / 1000).toFixed(0).padStart(6)} s`;
const ciStart = Number(process.env["CI_START_MS"]) || undefined;
if (spans.length) {
  console.log("where the time went:");
  let prev = ciStart;
  for (const sp of spans) {
    if (prev !== undefined) console.log(`${s1(sp.start - prev)}  before ${sp.label} (typecheck, the tools its target builds, cluster set-up)`);
    console.log(`${s1(sp.end - sp.start)}  ${sp.label}`);
    if (sp.files.length > 1 && sp.label !== "unit") for (const f of [...sp.files].sort((a, b) => b.ms - a.ms)) console.log(`        ${s1(f.ms)}  ${f.name}`);
    prev = sp.end;
  }
  if (prev !== undefined) console.log(`${s1(Date.now() - prev)}  after the last (teardown)`);
  if (ciStart !== undefined) console.log(`${s1(Date.now() - ciStart)}  in all`);
}
durations.sort((a, b) => b.ms - a.ms);
console.log("slowest tests:");
for (const d of durations.slice(0, 8)) console.log(`  ${(d.ms / 1000).toFixed(1).padStart(7)} s  ${d.status.padEnd(7)} ${d.name}`);
// Each failure in a few lines, last, where the CI log's tail (~40 lines) shows
// it: the message's first line, the run's verdict and error lines, and the
// assertion's own "expected … to …" line.
for (const f of failures) {
  console.log(`FAILED ${f.name}`);
  const text = plain(f.messages.join("\n")).split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("at "));
  const key = text.filter((l, i) => i === 0 || /verdict: |run aborted|^Error|expected .+ to /.test(l));
  for (const l of [...new Set(key)].slice(0, 6)) console.log(`    ${l.slice(0, 240)}`);
  // The run folders the failure names stay in this clone: the evidence to read.
  const dirs = [...new Set([...plain(f.messages.join("\n")).matchAll(/reports\/runs\/[A-Za-z0-9._-]+/g)].map((m) => m[0]))];
  for (const d of dirs.slice(0, 4)) console.log(`    run folder: ${resolve(d)}${existsSync(d) ? "" : " (gone)"}`);
}
console.log(`${passed} passed, ${failed + missing} failed, ${skipped} skipped`);
process.exit(failed + missing > 0 ? 1 : 0);
