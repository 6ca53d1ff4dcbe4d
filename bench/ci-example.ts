// Runs the CI example a user copies (examples/ci/nightly.yml) on this
// machine, so that it is exercised and not just written: in a fresh clone of
// this repository, the workflow's steps with ids `deps`, `tools` and `suite`,
// their `run:` text as written, through bash.
//
// GitHub's own actions (checkout, setup-node, setup-go, cache, artifacts,
// JUnit publishing) are not run: the clone, this machine's Node and Go, and
// the tools cache stand for them (NODROP_CACHE_DIR is this machine's, not the
// workflow's /opt path, so nothing is rebuilt cold). The runner's Docker is
// nodrop's own Docker engine here (NODROP_KIND_ENGINE=dockerd): it cannot
// pull kind's stock node image, so kind runs nodrop's offline one. This
// machine has no sudo and runs as root: a `sudo` on PATH runs the command
// as given (its --preserve-env flag only).
//
//   npx tsx bench/ci-example.ts
//
// Prints each step's time and the suite's verdicts; exits with the first
// failing step's exit code (0 when every step passed).
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { parse } from "yaml";
import { PROJECT_ROOT } from "../harness/paths.ts";
import { nodropCacheDir } from "../harness/tools.ts";

const STEPS = ["deps", "tools", "suite"];
interface Step {
  id?: string;
  name?: string;
  run?: string;
}

const workflow = parse(readFileSync(join(PROJECT_ROOT, "examples", "ci", "nightly.yml"), "utf8")) as { jobs: { nightly: { steps: Step[] } } };
const steps = STEPS.map((id) => {
  const s = workflow.jobs.nightly.steps.find((x) => x.id === id);
  if (!s?.run) throw new Error(`examples/ci/nightly.yml has no step with id '${id}' and a run: command`);
  return { id, run: s.run };
});

const work = mkdtempSync("/var/tmp/nodrop-ci-example-");
const clone = join(work, "clone");
await execa("git", ["clone", "-q", PROJECT_ROOT, clone]);
mkdirSync(join(clone, ".history"));
const bin = join(work, "bin");
mkdirSync(bin);
writeFileSync(join(bin, "sudo"), '#!/usr/bin/env bash\n# bench/ci-example.ts: root already; keep the environment.\nwhile [[ "${1:-}" == --preserve-env* ]]; do shift; done\nexec "$@"\n');
chmodSync(join(bin, "sudo"), 0o755);
const env = { ...process.env, NODROP_CACHE_DIR: nodropCacheDir(), NODROP_KIND_ENGINE: "dockerd", PATH: `${bin}:${process.env["PATH"] ?? ""}`, NO_COLOR: "1", CI: "true" };

console.log(`examples/ci/nightly.yml, steps ${STEPS.join(", ")}, in ${clone} (kind on nodrop's own Docker engine)`);
let rc = 0;
for (const s of steps) {
  const t0 = Date.now();
  console.log(`\n== step ${s.id}: ${s.run.trim()}`);
  const r = await execa("bash", ["-eo", "pipefail", "-c", s.run], { cwd: clone, env, reject: false, stdio: "inherit", timeout: 3 * 3600_000 });
  console.log(`== step ${s.id}: exit ${r.exitCode} after ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  if (r.exitCode !== 0) {
    rc = r.exitCode ?? 1;
    break;
  }
}
const nights = join(clone, "reports", "nightly");
for (const d of existsSync(nights) ? readdirSync(nights, { withFileTypes: true }).filter((e) => e.isDirectory()) : []) {
  console.log(`\n${readFileSync(join(nights, d.name, "report.md"), "utf8").split("\n").slice(0, 12).join("\n")}`);
}
// The suite leaves its kind cluster up for the next night; here it goes.
await execa("node", [join(clone, "bin", "nodrop.mjs"), "cluster", "down", "--provider", "kind"], { cwd: clone, env, reject: false, stdio: "inherit" });
process.exit(rc);
