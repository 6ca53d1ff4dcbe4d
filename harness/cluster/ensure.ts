// Reuse a healthy cluster; bring one up otherwise, registering its teardown
// (logs copied to `logsDir` first) BEFORE provisioning, so that a half-made
// cluster is torn down too.
import { settleBackground } from "../background.ts";
import type { Cleanup } from "../cleanup.ts";
import { step } from "../log.ts";
import type { ClusterProvider } from "./provider.ts";

/** Returns true when it brought the cluster up (its teardown then copies the logs). */
export async function ensureCluster(provider: ClusterProvider, cleanup: Cleanup, logsDir: string): Promise<boolean> {
  await step(`cluster (${provider.name}) preflight`, () => provider.preflight());
  if ((await provider.status()).up) return false;
  cleanup.defer("cluster down", async () => {
    // The run's namespace first (its deletion runs in the background).
    await settleBackground();
    await provider.collectLogs(logsDir);
    await provider.destroy();
  });
  await step(`cluster (${provider.name}) up`, () => provider.provision());
  return true;
}
