// Reads vitest JSON reports; prints the slowest tests against their timeout
// and one closing line "N passed, N failed, N skipped". A report that is
// missing (its vitest run never happened) is a failure, not a zero.
import { existsSync, readFileSync } from "node:fs";

let passed = 0;
let failed = 0;
let skipped = 0;
let missing = 0;
const durations = [];
for (const file of process.argv.slice(2)) {
  if (!existsSync(file)) {
    console.log(`missing vitest report: ${file} (that test run did not happen)`);
    missing++;
    continue;
  }
  const r = JSON.parse(readFileSync(file, "utf8"));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  for (const f of r.testResults ?? []) {
    for (const a of f.assertionResults ?? []) {
      durations.push({ name: `${f.name.replace(/^.*\/test\//, "test/")} › ${a.fullName}`, ms: a.duration ?? 0, status: a.status });
      if (a.status === "pending" || a.status === "skipped" || a.status === "todo") console.log(`skipped: ${a.fullName}`);
    }
  }
}
durations.sort((a, b) => b.ms - a.ms);
console.log("slowest tests:");
for (const d of durations.slice(0, 12)) console.log(`  ${(d.ms / 1000).toFixed(1).padStart(7)} s  ${d.status.padEnd(7)} ${d.name}`);
console.log(`${passed} passed, ${failed + missing} failed, ${skipped} skipped`);
process.exit(failed + missing > 0 ? 1 : 0);
