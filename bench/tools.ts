// Prints the time of `make tools` cold (empty nodrop cache, empty Go build and
// module caches: everything fetched from the Go module proxy and compiled) and
// warm (everything cached). Debian packages are taken as installed.
// Usage: npx tsx bench/tools.ts [--warm-only]
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { $ } from "zx";

$.verbose = false;
$.quiet = true;
const time = async (label: string, env: Record<string, string>) => {
  const t0 = performance.now();
  await $({ env: { ...process.env, ...env } })`bash clusters/tools/install.sh all`;
  const s = (performance.now() - t0) / 1000;
  console.log(`${label}: ${s.toFixed(0)} s`);
  return s;
};

if (!process.argv.includes("--warm-only")) {
  const dir = await mkdtemp(join(tmpdir(), "nodrop-bench-tools-"));
  try {
    await time("make tools, cold (empty nodrop, Go build and Go module caches)", {
      NODROP_CACHE_DIR: join(dir, "nodrop"),
      GOCACHE: join(dir, "gocache"),
      GOMODCACHE: join(dir, "gomod"),
    });
  } finally {
    await $`chmod -R u+w ${dir}`.nothrow();
    await rm(dir, { recursive: true, force: true });
  }
}
await time("make tools, warm (cached by version)", {});
