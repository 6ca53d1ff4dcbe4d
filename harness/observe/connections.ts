// The run's connection tracking: conntrack's NEW events for the NodePort
// (observe/conntrack.ts) feeding a live attributor (verdict/attribution.ts),
// so the gate sees versions even when the app names none. Started before k6:
// a keep-alive connection opened before the watch listens would never be
// attributed, for all its requests.
import { connect } from "node:net";
import { join } from "node:path";
import { run } from "../exec.ts";
import { ConnectionAttributor } from "../verdict/attribution.ts";
import type { Sample } from "../verdict/types.ts";
import { ownSourceAddressOfVu } from "../load/sources.ts";
import { findSetpriv } from "../load/parent-death.ts";
import { waitFor } from "../wait.ts";
import type { EventLog } from "./events.ts";
import { watchConntrack } from "./conntrack.ts";

/** The address of the readiness check: in conntrack's view (127.1.*) but outside k6's range (load/sources.ts). */
export const TRACKING_PROBE_SOURCE = "127.1.255.254";

export const CONNTRACK_FILE = "conntrack.ndjson";

export interface ConnectionTracking {
  /** Fills in a versionless sample's version from its connection, when known. */
  attribute(s: Sample): void;
  stop(): Promise<void>;
}

/** One TCP connection from `source` to 127.0.0.1:port, closed at once (no request is sent). */
function touch(port: number, source: string): Promise<void> {
  return new Promise((resolve) => {
    const sock = connect({ host: "127.0.0.1", port, localAddress: source });
    const done = () => {
      sock.destroy();
      resolve();
    };
    sock.once("connect", done);
    sock.once("error", done);
    sock.setTimeout(1000, done);
  });
}

/** touch() from inside another network namespace (`enter`: e.g. nsenter -t PID -n --), where k6 runs (cluster/provider.ts LoadPlacement). */
async function touchIn(enter: string[], port: number, source: string): Promise<void> {
  const script = `const s=require("node:net").connect({host:"127.0.0.1",port:${port},localAddress:${JSON.stringify(source)}});const d=()=>{s.destroy();process.exit(0)};s.once("connect",d);s.once("error",d);s.setTimeout(1000,d);`;
  await run([...enter, process.execPath, "-e", script], { reject: false, timeoutMs: 5000 });
}

/**
 * Starts `argvs` (the provider's conntrack commands: one, or the host's and
 * the node's, observe/conntrack.ts) and resolves once they
 * demonstrably reports connections to `hostPort` (a connection from
 * TRACKING_PROBE_SOURCE shows up, made from where k6 runs: this host, or the
 * network namespace `enter` enters), or rejects with what went wrong.
 */
export async function startConnectionTracking(argvs: string[][], hostPort: number, runDir: string, events: EventLog, enter?: string[]): Promise<ConnectionTracking> {
  // Like k6, conntrack gets a signal if the harness dies (kill -9): it must not outlive the run.
  const setpriv = findSetpriv();
  const watch = watchConntrack(argvs.map((argv) => [setpriv, "--pdeathsig", "TERM", "--", ...argv]), join(runDir, CONNTRACK_FILE));
  const attributor = new ConnectionAttributor(ownSourceAddressOfVu);
  watch.onConnection = (c) => attributor.addConnection(c);
  try {
    await waitFor(
      `conntrack reports a test connection to port ${hostPort} from ${TRACKING_PROBE_SOURCE}, and the pod it went to`,
      async () => {
        if (watch.connections.some((c) => c.src === TRACKING_PROBE_SOURCE)) return true;
        await (enter?.length ? touchIn(enter, hostPort, TRACKING_PROBE_SOURCE) : touch(hostPort, TRACKING_PROBE_SOURCE));
        return false;
      },
      { timeoutMs: 15_000, intervalMs: 200, fatal: () => watch.problem },
    );
  } catch (e) {
    await watch.stop();
    throw e;
  }
  let seen = 0;
  return {
    attribute: (s) => {
      if (s.v !== "") return;
      for (; seen < events.events.length; seen++) {
        const ev = events.events[seen]!;
        if (ev.kind === "pod") attributor.addPodEvent(ev);
      }
      attributor.attribute(s);
    },
    stop: () => watch.stop(),
  };
}
