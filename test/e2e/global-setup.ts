// The e2e tests share one real local cluster: brought up here (or reused when
// one is already running) and torn down at the end when this run created it.
// Component logs are copied to reports/runs/e2e-cluster-logs before teardown.
import { join } from "node:path";
import { LocalProvider } from "../../harness/cluster/local.ts";
import { PROJECT_ROOT } from "../../harness/cluster/provider.ts";

export default async function setup(): Promise<() => Promise<void>> {
  const provider = new LocalProvider();
  const wasUp = (await provider.status()).up;
  if (!wasUp) await provider.provision();
  return async () => {
    await provider.collectLogs(join(PROJECT_ROOT, "reports", "runs", "e2e-cluster-logs"));
    if (!wasUp && !process.env["NODROP_KEEP_CLUSTER"]) await provider.destroy();
  };
}
