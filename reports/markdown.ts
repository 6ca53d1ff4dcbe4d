// report.md: the human-readable result of one run.
import type { RunConfig } from "../harness/config.ts";
import { strategyKeys } from "../harness/deploy/strategy-keys.ts";
import { exitCodeFor } from "../harness/verdict/exit-code.ts";
import { formatOffset } from "../harness/verdict/format.ts";
import { versionLabel } from "../harness/verdict/versions.ts";
import type { Histogram } from "../harness/verdict/records.ts";
import type { TimelineBucket, Verdict } from "../harness/verdict/types.ts";
import { lagText } from "../harness/verdict/lag.ts";
import { proxyLagText } from "../harness/verdict/proxy-lag.ts";
import { ingressLagText } from "../harness/verdict/ingress-lag.ts";
import { DATABASE_ERROR_HEADER, databaseErrorRows, MIGRATION_HEADER, migrationRows } from "../harness/verdict/database.ts";
import { LATENCY_PHASE_HEADER, LATENCY_WINDOW_HEADER, latencyPhaseRows, latencyRuleText, latencyWindowRows } from "../harness/verdict/latency.ts";
import { SHARE_TOLERANCE_POINTS } from "../harness/verdict/traffic-share.ts";
import { REQUEST_NAME_HEADER, requestNameRows } from "../harness/verdict/request-names.ts";
import { cancelledLine, droppedLine, evidenceGrid, probeGrid, windowRateGrid, runnerGrid, type Grid } from "./evidence.ts";
import { DEFAULT_ARTIFACTS, iso, REPORT_FILES, strategyOf, type ReportInput } from "./json.ts";

/** A strategy's own keys with their units (strategyKeys); the others as they are. */
const STRATEGY_VALUE_TEXT: Partial<Record<keyof RunConfig, (c: RunConfig) => string>> = {
  canarySteps: (c) => c.canarySteps.map((s) => `${s}%`).join(", "),
  canaryPause: (c) => `${c.canaryPause} s`,
  scaleDownDelay: (c) => `${c.scaleDownDelay} s`,
};

/** The knobs that matter most for dropped requests, in reading order (strategy-specific ones only when relevant). */
export function relevantConfig(c: RunConfig): Array<[string, string]> {
  const rows: Array<[keyof RunConfig, unknown]> = [
    ...(c.scenario !== "deploy" ? ([["scenario", c.scenario]] as Array<[keyof RunConfig, unknown]>) : []),
    ["strategy", c.strategy],
    ["provider", c.provider],
    ...(c.nodes > 1 ? ([["nodes", c.nodes]] as Array<[keyof RunConfig, unknown]>) : []),
    ["replicas", c.replicas],
    ["maxSurge", c.maxSurge],
    ["maxUnavailable", c.maxUnavailable],
    ["preStopAction", c.preStopAction],
    ["preStopSleep", `${c.preStopSleep} s`],
    ["terminationGracePeriod", `${c.terminationGracePeriod} s`],
    ["shutdown", c.shutdown],
    ["drainTimeout", `${c.drainTimeout} s`],
    ["readiness", c.readiness],
    ["readinessPeriod", `${c.readinessPeriod} s`],
    ["readinessFailureThreshold", c.readinessFailureThreshold],
    ["startupDelay", `${c.startupDelay} s`],
    ["pdb", c.pdb],
    ["rate", `${c.rate} req/s`],
    ["rollouts", c.rollouts],
    ["warmup", `${c.warmup} s`],
    ["cooldown", `${c.cooldown} s`],
    ["requestTimeout", `${c.requestTimeout} s`],
    ["badVersion", c.badVersion],
  ];
  if (c.badVersion === "errors" || c.badVersion === "resets") rows.push(["badErrorRate", c.badErrorRate]);
  for (const k of strategyKeys(c.strategy)) rows.push([k, STRATEGY_VALUE_TEXT[k]?.(c) ?? String(c[k])]);
  rows.push(["minRequestsInWindow", c.minRequestsInWindow]);
  return rows.map(([k, v]) => [k, String(v)]);
}

/** Text safe for a markdown paragraph/bullet (no HTML, no line breaks). */
export function mdText(s: string): string {
  return s
    .replace(/\r?\n/g, " ")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;");
}

/** Text safe for a markdown table cell. */
export function mdCell(s: string | number): string {
  return mdText(String(s)).replace(/\\/g, "\\\\").replace(/\|/g, "\\|");
}

function table(head: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.map(mdCell).join(" | ")} |`;
  return [line(head), `|${head.map(() => "---").join("|")}|`, ...rows.map(line)].join("\n");
}

const gridTable = (g: Grid): string => table(g.head, g.rows);

/** HTTP status label: "0" is a connection error. */
export function statusLabel(status: string): string {
  return status === "0" ? "0 (connection error)" : status;
}

export function histogramRows(h: Histogram, total: number): Array<[string, number, string]> {
  return Object.entries(h)
    .sort((a, b) => Number(a[0]) - Number(b[0]))
    .map(([st, n]) => [statusLabel(st), n, pct(n, total)]);
}

export function pct(n: number, total: number): string {
  if (total === 0) return "–";
  const p = (n / total) * 100;
  return `${p === 0 || p >= 0.01 ? p.toFixed(2) : "<0.01"}%`;
}

export const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** The first line of every report: outcome and the key numbers. */
export function headline(input: ReportInput): string {
  const v = input.verdict;
  const r = v.requests;
  const rb = v.rollback.happened ? `, rolled back (${v.rollback.reason ?? "no reason"})` : "";
  return (
    `${v.outcome.toUpperCase()}: ${r.failed} of ${r.total} requests failed, ` +
    `${r.inDeployWindow} sent during deploy windows${rb} (${strategyOf(input)}, run ${input.runId})`
  );
}

const EIGHTHS = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];

/** A bar of `n` at `perChar` units per character, with eighth-block precision; never empty for n > 0. */
export function bar(n: number, perChar: number): string {
  if (n <= 0 || perChar <= 0) return "";
  const eighths = Math.round((n / perChar) * 8);
  const s = "█".repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8];
  return s === "" ? "▏" : s;
}

/** Versions in a stable order: by first appearance in the verdict, then any others. */
export function versionOrder(v: Verdict): string[] {
  const order = v.versions.map((x) => x.version);
  for (const b of v.timeline) for (const k of Object.keys(b.byVersion)) if (!order.includes(k)) order.push(k);
  return order;
}

/** One text row per bucket: offset, total, failed, deploy-window marker, bars per version and failures. */
export function textTimeline(v: Verdict, width = 40): string {
  const tl = v.timeline;
  if (tl.length === 0) return "(no samples)";
  const origin = tl[0]!.t;
  const size = tl.length > 1 ? tl[1]!.t - tl[0]!.t : 1000;
  const max = tl.reduce((m, b) => Math.max(m, b.total), 0);
  const perChar = max / width;
  const order = versionOrder(v);
  const phaseStarts = new Map<number, string[]>();
  for (const p of v.phases) {
    const idx = Math.floor((p.start - origin) / size);
    if (idx >= 0 && idx < tl.length) phaseStarts.set(idx, [...(phaseStarts.get(idx) ?? []), p.name]);
  }
  const inWindow = (b: TimelineBucket) => v.windows.some((w) => w.start < b.t + size && w.end >= b.t);
  const rows = tl.map((b, i) => {
    const bars = order
      .filter((ver) => (b.byVersion[ver] ?? 0) > 0)
      .map((ver) => `${ver === "" ? "?" : ver} ${bar(b.byVersion[ver]!, perChar)}`);
    if (b.failed > 0) bars.push(`FAIL ${bar(b.failed, perChar)}`);
    const mark = phaseStarts.has(i) ? `  ← ${phaseStarts.get(i)!.join(", ")}` : "";
    return (
      `${formatOffset(b.t, origin).padStart(8)} ${String(b.total).padStart(6)} ${String(b.failed).padStart(6)} ` +
      `${inWindow(b) ? "W" : " "} ${bars.join(" ")}${mark}`
    );
  });
  const head = `${"offset".padStart(8)} ${"total".padStart(6)} ${"failed".padStart(6)} W versions (█ = ${perChar.toFixed(1)} req)`;
  return [head, ...rows].join("\n");
}

export function markdownReport(input: ReportInput): string {
  const v = input.verdict;
  const origin = v.timeline[0]?.t ?? v.startedAt;
  const off = (t: number) => formatOffset(t, origin);
  const out: string[] = [];

  out.push(`# nodrop ${mdText(headline(input))}`);
  out.push("");
  out.push(`Exit code ${exitCodeFor(v.outcome)}. Started ${iso(v.startedAt)}, ended ${iso(v.endedAt)}.`);
  out.push(`Rate: ${v.rate.achieved} req/s achieved, ${v.rate.target} req/s target.`);
  out.push("Offsets (+s) are seconds since the first request.");
  out.push("");
  out.push("## Reasons");
  out.push("");
  for (const r of v.reasons) out.push(`- ${mdText(r)}`);
  out.push("");

  out.push("## Evidence");
  out.push("");
  out.push(gridTable(evidenceGrid(v)));
  out.push("");

  out.push("## Probes");
  out.push("");
  out.push(v.probes.length === 0 ? "No requests." : gridTable(probeGrid(v)));
  out.push("");

  out.push("## Load");
  out.push("");
  out.push(droppedLine(v));
  out.push(cancelledLine(v));
  out.push("");
  if (v.windowRates.length > 0) {
    out.push(gridTable(windowRateGrid(v)));
    out.push("");
  }
  if (input.loadRunners) {
    out.push(`Sent by ${input.loadRunners.runners.length} runner(s) of ${mdText(input.loadRunners.engine)}; ${mdText(input.loadRunners.clock)}.`);
    out.push("");
    out.push(gridTable(runnerGrid(input.loadRunners)));
    out.push("");
  }
  if (v.gaps.length > 0) {
    out.push("Gaps inside deploy windows (no request sent):");
    out.push("");
    out.push(table(["window", "start", "end", "duration", "limit"], v.gaps.map((g) => [g.window, off(g.start), off(g.end), `${Math.round(g.durationMs)} ms`, `${g.limitMs} ms`])));
    out.push("");
  }

  out.push("## Configuration");
  out.push("");
  out.push(table(["knob", "value"], relevantConfig(input.config)));
  out.push("");

  out.push("## HTTP status histogram");
  out.push("");
  out.push(v.requests.total === 0 ? "No requests." : table(["status", "requests", "share"], histogramRows(v.histogram, v.requests.total)));
  out.push("");

  out.push("## Connection errors by k6 error code");
  out.push("");
  out.push(
    v.errorsByCode.length === 0
      ? "None."
      : table(["code", "meaning", "requests"], v.errorsByCode.map((e) => [e.code, e.name, e.count])),
  );
  out.push("");

  out.push("## Deploy windows");
  out.push("");
  out.push(
    v.windows.length === 0
      ? "None recorded."
      : table(
          ["window", "start", "end", "duration"],
          v.windows.map((w) => [w.label, off(w.start), `${off(w.end)}${w.closed ? "" : " (no end recorded)"}`, secs(w.end - w.start)]),
        ),
  );
  out.push("");

  out.push("## Phases");
  out.push("");
  out.push(
    v.phases.length === 0
      ? "None recorded."
      : table(
          ["phase", "start", "duration", "requests", "failed", "statuses"],
          v.phases.map((p) => [p.name, off(p.start), secs(p.end - p.start), p.requests, p.failed, histText(p.histogram)]),
        ),
  );
  out.push("");

  if (v.migrations.length || v.database.failed) {
    out.push("## Database");
    out.push("");
    if (v.migrations.length) {
      out.push("Schema changes, as steps of the deploy:");
      out.push("");
      out.push(table(MIGRATION_HEADER, migrationRows(v.migrations, off)));
      out.push("");
    }
    out.push(v.database.failed ? `${v.database.failed} failed requests were the app's database failing them:` : "No request failed because of the database.");
    out.push("");
    if (v.database.failed) {
      out.push(table(DATABASE_ERROR_HEADER, databaseErrorRows(v.database, off)));
      out.push("");
    }
  }
  out.push("## Latency");
  out.push("");
  out.push(latencyRuleText(v.latency));
  out.push("");
  out.push(table(LATENCY_PHASE_HEADER, latencyPhaseRows(v.latency)));
  out.push("");
  if (v.latency.windows.length) {
    out.push(table(LATENCY_WINDOW_HEADER, latencyWindowRows(v.latency)));
    out.push("");
  }
  out.push("## Versions");
  out.push("");
  out.push(
    v.versions.length === 0
      ? "None."
      : table(
          ["version", "requests", "ok", "failed", "first", "last", "statuses"],
          v.versions.map((x) => [versionLabel(x.version), x.requests, x.ok, x.failed, off(x.first), off(x.last), histText(x.histogram)]),
        ),
  );
  out.push("");
  if (v.attribution && v.attribution.byConnection + v.attribution.unattributed > 0) {
    out.push(attributionText(v.attribution));
    out.push("");
  }
  const blind = (v.gates ?? []).filter((g) => g.mode === "every-request");
  if (blind.length) {
    out.push(`No response named its version and the connections could not be traced here, so the live gate judged every request sent while the new version's pods were serving (old version's included): ${blind.map((g) => `${g.version}: ${g.reason}`).join("; ")}.`);
    out.push("");
  }

  if (v.byRequest?.length) {
    out.push("## Requests");
    out.push("");
    out.push(table(REQUEST_NAME_HEADER, requestNameRows(v.byRequest, off, histText)));
    out.push("");
  }

  out.push("## Outages");
  out.push("");
  out.push(
    v.outages.length === 0
      ? "None: no failed request."
      : table(
          ["start", "end", "duration", "failed", "requests", "statuses", "error codes"],
          v.outages.map((o) => [
            off(o.start),
            off(o.end),
            secs(o.durationMs),
            o.failed,
            o.requests,
            histText(o.histogram),
            o.errorsByCode.map((e) => `${e.code} ${e.name} ×${e.count}`).join(", ") || "–",
          ]),
        ),
  );
  out.push("");
  out.push(
    `Deleted pods still answered new connections for ${lagText(v.lag)} after their deletion (send time of the last such request each answered: ` +
      `how long the Service kept routing new connections to a pod that kept serving; a preStop sleep shorter than this drops requests).`,
  );
  out.push("");
  out.push(
    `kube-proxy synced its rules ${proxyLagText(v.proxyLag)} after a deleted pod's endpoint left service ` +
      `(not ready or removed in its EndpointSlice; end of kube-proxy's first sync after the harness saw that, from kube-proxy's metrics${v.proxyLag ? "" : "; not observed on this cluster"}).`,
  );
  out.push("");
  if (v.ingressLag) {
    out.push(
      `The ingress controller (${v.ingressLag.controller}) still sent requests to a deleted pod ${ingressLagText(v.ingressLag)} after its endpoint left service ` +
        `(send time of the last request each pod answered through it; a preStop sleep shorter than this drops requests on the ingress path even where it suffices for kube-proxy).`,
    );
    out.push("");
  }
  if (v.trafficShares?.length) {
    out.push(`## Traffic share by canary step`);
    out.push("");
    out.push(
      `The canary's share of the answered requests (HTTP 200 naming a version) at each step, from the moment the controller served the step's weights to the next step; tolerance ± ${SHARE_TOLERANCE_POINTS} percentage points.`,
    );
    out.push("");
    out.push(table(["route weight to the canary", "canary version", "answered requests", "canary's share", "within tolerance"], v.trafficShares.map((s) => [`${s.percent} %`, s.canaryVersion, s.requests, Number.isNaN(s.canaryShare) ? "–" : `${s.canaryShare.toFixed(1)} %`, s.withinTolerance ? "yes" : "**no**"])));
    out.push("");
  }
  const causes = v.outages.filter((o) => o.cause);
  if (causes.length > 0) {
    out.push("Why (from the pod and EndpointSlice events on the same clock):");
    out.push("");
    for (const o of causes) out.push(`- ${off(o.start)}: ${mdText(o.cause!.text)}`);
    out.push("");
  }

  if (input.drain) {
    const d = input.drain;
    out.push("## Node drains");
    out.push("");
    out.push(mdText(d.explanation) + ".");
    out.push("");
    out.push(
      table(
        ["window", "node", "cordoned", "evictions", "refused by the PDB", "drained", "uncordoned", "requests", "failed"],
        d.nodes.map((r) => [
          r.label,
          r.node,
          off(r.cordonAt),
          r.evictions.map((e) => `${e.pod} ${off(e.at)}`).join(", ") || "–",
          r.refusals,
          r.drainedAt === null ? "not finished" : off(r.drainedAt),
          r.uncordonAt === null ? "–" : off(r.uncordonAt),
          r.requests,
          r.failed,
        ]),
      ),
    );
    out.push("");
    out.push("Requests: sent from the node's cordon until the next node's cordon (or the end of the window).");
    out.push("");
  }

  if (v.blastRadius) {
    const b = v.blastRadius;
    out.push("## Rollback blast radius");
    out.push("");
    out.push(`Rolled back at ${v.rollback.at === null ? "?" : off(v.rollback.at)}: ${mdText(v.rollback.reason ?? "no reason")}.`);
    out.push("");
    out.push(
      table(
        ["failed", "by version", "by phase", "first failure", "last failure", "duration"],
        [
          [
            b.failed,
            Object.entries(b.byVersion).map(([k, n]) => `${versionLabel(k)} ×${n}`).join(", ") || "–",
            Object.entries(b.byPhase).map(([k, n]) => `${k} ×${n}`).join(", ") || "–",
            b.firstFailure === null ? "–" : off(b.firstFailure),
            b.lastFailure === null ? "–" : off(b.lastFailure),
            secs(b.durationMs),
          ],
        ],
      ),
    );
    out.push("");
  }

  out.push("## Timeline");
  out.push("");
  out.push("Requests per second by send time; W = inside a deploy window; bars: successful responses per version, FAIL = non-200.");
  out.push("");
  out.push("```text");
  out.push(textTimeline(v));
  out.push("```");
  out.push("");

  out.push("## Files");
  out.push("");
  const files = [...(input.artifacts ?? DEFAULT_ARTIFACTS), ...Object.values(REPORT_FILES)];
  for (const f of files) out.push(`- \`${f.replace(/`/g, "'")}\``);
  if (v.malformedLines > 0) out.push(`\n${v.malformedLines} malformed sample lines were ignored.`);
  out.push("");
  return out.join("\n");
}

function histText(h: Histogram): string {
  return (
    Object.entries(h)
      .sort((a, b) => Number(a[0]) - Number(b[0]))
      .map(([st, n]) => `${st}×${n}`)
      .join(" ") || "–"
  );
}

/** Where the versions came from when the app did not name them in a header. */
export function attributionText(a: NonNullable<Verdict["attribution"]>): string {
  const n = (x: number) => x.toLocaleString("en-US");
  return `Versions: ${n(a.byHeader)} request(s) named theirs in the version header; ${n(a.byConnection)} were attributed from their connection (the pod kube-proxy sent it to, from conntrack); ${n(a.unattributed)} could not be attributed and count under "(none)".`;
}
