// The highest constant arrival rate the load sustains (< 0.1 % dropped
// iterations, no failed request), through kube-proxy's NodePort and directly
// against the same app pod, measured in the same run and printed with their
// ratio (issue 10: goal ≥ 2,000 req/s through kube-proxy and ≥ 50 % of direct).
//
// The paths, each stepped up in rate until a step fails:
//   direct       127.0.0.1:<port> of a hostNetwork app pod: no NAT, no kube-proxy
//   nodeport     127.0.0.1:<NodePort> → kube-proxy's DNAT → that same pod
//   nodeport-pod 127.0.0.1:<NodePort> → kube-proxy → an app pod on the pod network
//                (the path every nodrop run uses)
// Each step is the real scenario (scenarios/deploy-load.ts, both probes) run
// by the harness's own k6 runner, which tails samples.ndjson live as a run does.
// Beside each step: CPU used by k6, by this process (the sample reader), by
// the app pods' processes and by everything else (the kernel's network path,
// kube-proxy, the control plane), as shares of all the machine's cores, to
// show what limits it.
//
// Usage: npx tsx bench/rate.ts [--from 500] [--step 500] [--max 5000] [--seconds 10]
// Brings the local cluster up if it is down (and down again at the end).
import { readdirSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { cpus } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { withCleanup } from "../harness/cleanup.ts";
import { ensureCluster } from "../harness/cluster/ensure.ts";
import { providerFor } from "../harness/cluster/index.ts";
import { PROJECT_ROOT } from "../harness/cluster/provider.ts";
import { buildAppImage } from "../harness/images/app-image.ts";
import { Kube } from "../harness/kube.ts";
import { bundleScenario } from "../harness/load/bundle.ts";
import { startK6 } from "../harness/load/k6.ts";
import { freePort } from "../harness/load/k6-rest.ts";
import { waitTargetAnswers } from "../harness/target.ts";
import { toolPaths } from "../harness/tools.ts";
import { isFailed } from "../harness/verdict/counting.ts";
import { scenarioEnv } from "../scenarios/lib/params.ts";

const { values } = parseArgs({
  options: {
    from: { type: "string", default: "500" },
    step: { type: "string", default: "500" },
    max: { type: "string", default: "5000" },
    seconds: { type: "string", default: "10" },
  },
});
const int = (name: keyof typeof values, min: number, max: number): number => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name}: '${values[name]}' is not allowed (an integer from ${min} to ${max})`);
  return n;
};
const FROM = int("from", 1, 5000);
const STEP = int("step", 1, 5000);
const MAX = int("max", FROM, 5000);
const SECONDS = int("seconds", 3, 120);
const MAX_DROPPED_SHARE = 0.001;

type Path = "direct" | "nodeport" | "nodeport-pod";
interface Step {
  path: Path;
  rate: number;
  sent: number;
  failed: number;
  dropped: number;
  achieved: number;
  ok: boolean;
  cpu: { k6: number; reader: number; pods: number; rest: number; idle: number };
}

/** CPU seconds (user + system) of a process, from /proc/<pid>/stat. */
function procCpu(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = f.slice(f.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
}
/** CPU seconds of every process in a Kubernetes pod's cgroup (the app pods here). */
function podsCpu(): number {
  let sum = 0;
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/cgroup`, "utf8").includes("kubepods")) sum += procCpu(Number(pid));
    } catch {
      /* gone */
    }
  }
  return sum;
}
/** Machine-wide busy and idle CPU seconds, from /proc/stat. */
function machineCpu(): { busy: number; idle: number } {
  const [, ...n] = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).map(Number);
  const idle = (n[3] ?? 0) + (n[4] ?? 0);
  const total = n.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: (total - idle) / 100, idle: idle / 100 };
}

const provider = providerFor("local", {});
const runId = `rate-${Date.now().toString(36)}`;
const dir = join(PROJECT_ROOT, "reports", "runs", runId);
const exit = await withCleanup(async (cleanup) => {
  await ensureCluster(provider, cleanup, join(dir, "cluster-logs"));
  const kube = new Kube(provider.kubeconfigPath());
  const ns = `nodrop-${runId}`;
  await kube.createNamespace(ns, runId);
  cleanup.defer(`namespace ${ns}`, () => kube.deleteNamespace(ns));
  const img = await buildAppImage(join(PROJECT_ROOT, ".nodrop", "images"));
  await provider.loadImage(img.archive, img.name);
  const directPort = await freePort();

  const deployment = (name: string, hostNetwork: boolean) => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: ns, labels: { app: name } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          hostNetwork,
          containers: [
            {
              name: "app",
              image: img.name,
              imagePullPolicy: "Never",
              env: [
                { name: "APP_VERSION", value: "v1" },
                { name: "PORT", value: String(hostNetwork ? directPort : 8080) },
                { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
              ],
              readinessProbe: { httpGet: { path: "/healthz/ready", port: hostNetwork ? directPort : 8080 }, periodSeconds: 1 },
            },
          ],
        },
      },
    },
  });
  const service = (name: string, port: number) => ({
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace: ns },
    spec: { type: "NodePort", selector: { app: name }, ports: [{ port: 80, targetPort: port }] },
  });
  await kube.apply(deployment("host", true) as never);
  await kube.apply(deployment("pod", false) as never);
  await kube.apply(service("host", directPort) as never);
  await kube.apply(service("pod", 8080) as never);
  await kube.waitRollout(ns, "host", 120_000);
  await kube.waitRollout(ns, "pod", 120_000);
  const nodePortOf = async (name: string) => provider.hostPortFor((await kube.core.readNamespacedService({ name, namespace: ns })).spec!.ports![0]!.nodePort!);
  const targets: Record<Path, string> = {
    direct: `http://127.0.0.1:${directPort}/`,
    nodeport: `http://127.0.0.1:${await nodePortOf("host")}/`,
    "nodeport-pod": `http://127.0.0.1:${await nodePortOf("pod")}/`,
  };
  for (const t of Object.values(targets)) await waitTargetAnswers(t, { timeoutMs: 60_000 });

  const script = await bundleScenario(join(PROJECT_ROOT, "scenarios", "deploy-load.ts"), dir);
  const k6Path = toolPaths().k6;
  const cores = cpus().length;

  async function measure(path: Path, rate: number): Promise<Step> {
    const stepDir = join(dir, `${path}-${rate}`);
    const env = scenarioEnv({ target: targets[path], rate, durationS: SECONDS, warmupS: 0, timeoutS: 5, maxVUs: 1000 });
    let sent = 0;
    let failed = 0;
    const m0 = machineCpu();
    const p0 = podsCpu();
    const me0 = process.cpuUsage();
    const k6 = await startK6({ script, runDir: stepDir, env, k6Path, onSample: (s) => (sent++, isFailed(s) && failed++) });
    const k0 = procCpu(k6.pid);
    let k1 = k0;
    const sampler = setInterval(() => {
      try {
        k1 = procCpu(k6.pid);
      } catch {
        /* exited */
      }
    }, 200);
    await k6.exited;
    clearInterval(sampler);
    const m1 = machineCpu();
    const pods = podsCpu() - p0;
    const me = process.cpuUsage(me0);
    const wall = m1.busy + m1.idle - (m0.busy + m0.idle);
    const share = (sec: number) => (wall > 0 ? sec / wall : 0); // of the whole machine (all cores)
    const dropped = k6.dropped().total ?? NaN;
    const reader = (me.user + me.system) / 1e6;
    const k6s = k1 - k0;
    await rm(join(stepDir, "samples.ndjson"), { force: true });
    return {
      path,
      rate,
      sent,
      failed,
      dropped,
      achieved: Math.round(sent / SECONDS),
      ok: failed === 0 && Number.isFinite(dropped) && dropped / (sent + dropped) < MAX_DROPPED_SHARE,
      cpu: { k6: share(k6s), reader: share(reader), pods: share(pods), rest: Math.max(0, share(m1.busy - m0.busy - k6s - reader - pods)), idle: share(m1.idle - m0.idle) },
    };
  }

  const pct = (x: number) => `${Math.round(x * 100)}%`;
  const best: Record<Path, Step | undefined> = { direct: undefined, nodeport: undefined, "nodeport-pod": undefined };
  const alive = new Set<Path>(["direct", "nodeport", "nodeport-pod"]);
  console.log(`${cores} cores; ${SECONDS} s per step; a step passes with no failed request and < ${MAX_DROPPED_SHARE * 100} % dropped iterations`);
  console.log("path          rate  achieved  sent     failed  dropped  ok   CPU of the machine: k6 / reader / app pods / rest / idle");
  // The paths take turns at each rate, so all see the machine in the same state.
  for (let rate = FROM; rate <= MAX && alive.size > 0; rate += STEP) {
    for (const path of [...alive]) {
      const s = await measure(path, rate);
      console.log(
        `${path.padEnd(12)}  ${String(rate).padStart(4)}  ${String(s.achieved).padStart(8)}  ${String(s.sent).padStart(7)}  ${String(s.failed).padStart(6)}  ${String(s.dropped).padStart(7)}  ${s.ok ? "yes" : "NO "}  ${pct(s.cpu.k6)} / ${pct(s.cpu.reader)} / ${pct(s.cpu.pods)} / ${pct(s.cpu.rest)} / ${pct(s.cpu.idle)}`,
      );
      if (s.ok) best[path] = s;
      else alive.delete(path);
    }
  }
  const r = (p: Path) => best[p]?.rate ?? 0;
  const capped = (p: Path) => (alive.has(p) ? ` (every step passed: the cap --max ${MAX} was reached)` : "");
  console.log(`\nhighest sustained rate: direct ${r("direct")} req/s${capped("direct")}, through the NodePort to the same pod ${r("nodeport")} req/s${capped("nodeport")}, through the NodePort to a pod-network pod ${r("nodeport-pod")} req/s${capped("nodeport-pod")}`);
  console.log(`ratio NodePort / direct: ${r("direct") ? (r("nodeport") / r("direct")).toFixed(2) : "n/a"} (same pod), ${r("direct") ? (r("nodeport-pod") / r("direct")).toFixed(2) : "n/a"} (pod network); goal ≥ 2000 req/s through kube-proxy and ≥ 0.50 of direct`);
  return 0;
}, { keep: false });
process.exit(exit);
