// For a failed e2e test: the run's failed samples, each beside the pod,
// EndpointSlice and kube-proxy events nearest to it (from events.ndjson), so
// the CI log alone says what the cluster was doing when a request failed.
// Read with nothing of the harness's code: the files as they are on disk.
import { readFile } from "node:fs/promises";
import { join } from "node:path";

interface Sample { t: number; d?: number; s: number; e?: number; c?: string; v?: string; p?: string; q?: string; ok?: boolean }
interface Event { t: number; kind: string; [k: string]: unknown }

const NEAR_KINDS = new Set(["pod", "endpoints", "kube-proxy-sync", "window-start", "window-end"]);
/** Events from this long before a failed request to this long after it are shown. */
const BEFORE_MS = 3000;
const AFTER_MS = 1000;

async function lines<T>(file: string): Promise<T[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    return [];
  }
  const out: T[] = [];
  for (const l of text.split("\n")) {
    if (!l) continue;
    try {
      out.push(JSON.parse(l) as T);
    } catch {
      // a torn last line of an interrupted run
    }
  }
  return out;
}

const shortPod = (p: unknown) => String(p).replace(/^.*-([a-z0-9]{5})$/, "…$1");

function describeEvent(e: Event): string {
  switch (e.kind) {
    case "pod":
      return `pod ${String(e["pod"])} ${String(e["type"])}${e["version"] ? ` (${String(e["version"])})` : ""}: ready=${String(e["ready"])} terminating=${String(e["terminating"])} ${String(e["phase"] ?? "")}`.trim();
    case "endpoints": {
      const eps = (e["endpoints"] as Array<{ pod: string; ready: boolean; serving?: boolean; terminating?: boolean }> | undefined) ?? [];
      const ready = eps.filter((x) => x.ready).map((x) => shortPod(x.pod));
      const not = eps.filter((x) => !x.ready).map((x) => `${shortPod(x.pod)}${x.terminating ? "(terminating)" : ""}`);
      return `EndpointSlice ${String(e["slice"])} ${String(e["type"])}: ready [${ready.join(" ")}]${not.length ? ` not ready [${not.join(" ")}]` : ""}`;
    }
    case "kube-proxy-sync":
      return `kube-proxy (node ${String(e["node"])}) synced its rules`;
    default:
      return `${e.kind} ${String(e["label"] ?? "")}`.trim();
  }
}

/** "failed samples beside the nearest events" lines, or "" when no request failed. */
export async function failedBesideEvents(runDir: string, maxSamples = 8, maxEvents = 5): Promise<string> {
  const samples = await lines<Sample>(join(runDir, "samples.ndjson"));
  const failed = samples.filter((s) => typeof s.t === "number" && (s.ok === false || (s.ok === undefined && s.s !== 200)) && !(s.s === 0 && s.e === 1000));
  if (!failed.length) return "";
  const events = (await lines<Event>(join(runDir, "events.ndjson"))).filter((e) => NEAR_KINDS.has(e.kind)).sort((a, b) => a.t - b.t);
  const origin = Math.min(...samples.map((s) => s.t));
  const at = (t: number) => `+${((t - origin) / 1000).toFixed(3)} s`;
  failed.sort((a, b) => a.t - b.t);
  // The first failures of each burst (a gap of >= 1 s starts a new one), up to maxSamples in all.
  const shown: Sample[] = [];
  for (const [i, s] of failed.entries()) {
    if (shown.length >= maxSamples) break;
    const newBurst = i === 0 || s.t - failed[i - 1]!.t >= 1000;
    const burstShown = shown.filter((x) => x.t > s.t - 1000).length;
    if (newBurst || burstShown < 2) shown.push(s);
  }
  const out = [`failed samples beside the nearest pod/EndpointSlice/kube-proxy events (${shown.length} of ${failed.length} failed; times since the first request):`];
  for (const s of shown) {
    out.push(`  ${at(s.t)} ${s.q ? `${s.q}: ` : ""}status ${s.s}${s.e ? ` error ${s.e}` : ""}, ${s.c ?? "?"} connection, ${Math.round(s.d ?? 0)} ms${s.p ? `, pod ${s.p}` : ""}${s.v ? ` (${s.v})` : ""}`);
    const near = events.filter((e) => e.t >= s.t - BEFORE_MS && e.t <= s.t + AFTER_MS);
    const nearest = [...near].sort((a, b) => Math.abs(a.t - s.t) - Math.abs(b.t - s.t)).slice(0, maxEvents).sort((a, b) => a.t - b.t);
    if (!nearest.length) out.push(`      (no pod, EndpointSlice or kube-proxy event from ${BEFORE_MS / 1000} s before to ${AFTER_MS / 1000} s after)`);
    for (const e of nearest) out.push(`      ${((e.t - s.t) / 1000 >= 0 ? "+" : "") + ((e.t - s.t) / 1000).toFixed(3)} s  ${describeEvent(e)}`);
  }
  return out.join("\n");
}
