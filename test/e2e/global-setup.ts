// The e2e tests share one real local cluster: brought up here (or reused when
// one is already running) and torn down at the end when this run created it.
// Component logs are copied to reports/runs/e2e-cluster-logs before teardown.
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { LocalProvider } from "../../harness/cluster/local.ts";
import { PROJECT_ROOT } from "../../harness/cluster/provider.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** True when this test run brought the cluster up (so tests may tear it down and bring it back). */
    suiteCreatedCluster: boolean;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const provider = new LocalProvider();
  const wasUp = (await provider.status()).up;
  if (!wasUp) await provider.provision();
  else console.log("e2e: reusing the local cluster that is already up; tests that tear a cluster down are skipped (they never destroy a cluster this run did not create)");
  project.provide("suiteCreatedCluster", !wasUp);
  return async () => {
    await provider.collectLogs(join(PROJECT_ROOT, "reports", "runs", "e2e-cluster-logs"));
    if (!wasUp && !process.env["NODROP_KEEP_CLUSTER"]) await provider.destroy();
  };
}
