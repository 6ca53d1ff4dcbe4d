// Waits until the load target (a NodePort on 127.0.0.1) answers 200, without
// leaving traps for the load that follows.
//
// Why the probe comes from 127.0.0.2: while a Service has no ready endpoints,
// kube-proxy REJECTs its NodePort. A probe rejected that way leaves a
// conntrack entry WITHOUT a NAT binding that lives for 120 s (SYN_SENT); a
// later connection from the same source address and port matches it, is not
// NATed, and is refused by the host although every pod is ready (measured:
// bench/stale-conntrack.ts; kubernetes#48719 is the same mechanism). k6 loads
// from 127.1.x.x (harness/load/sources.ts), so probes from 127.0.0.2 can never
// share a 4-tuple with it.
import { httpProbe } from "./http.ts";
import { waitFor } from "./wait.ts";

export const PROBE_SOURCE_ADDRESS = "127.0.0.2";

export async function waitTargetAnswers(target: string, opts: { timeoutMs: number; diagnose?: () => Promise<string> }): Promise<void> {
  await waitFor(`${target} to answer 200 (probing from ${PROBE_SOURCE_ADDRESS})`, async () => (await httpProbe(target, 3_000, PROBE_SOURCE_ADDRESS)).status === 200, {
    timeoutMs: opts.timeoutMs,
    intervalMs: 200,
    ...(opts.diagnose ? { diagnose: opts.diagnose } : {}),
  });
}
