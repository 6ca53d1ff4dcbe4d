// report.md: the human-readable result of one run.
import { exitCodeFor } from "../harness/verdict/exit-code.ts";
import { formatOffset } from "../harness/verdict/format.ts";
import { versionLabel } from "../harness/verdict/versions.ts";
import { lagText } from "./lag-text.ts";
import { proxyLagText } from "./lag-text.ts";
import { ingressLagText } from "./lag-text.ts";
import { DATABASE_ERROR_HEADER, databaseErrorRows, MIGRATION_HEADER, migrationRows } from "./database-text.ts";
import { LATENCY_PHASE_HEADER, LATENCY_WINDOW_HEADER, latencyPhaseRows, latencyRuleText, latencyWindowRows } from "./latency-text.ts";
import { SHARE_TOLERANCE_POINTS } from "../harness/verdict/traffic-share.ts";
import { REQUEST_NAME_HEADER, requestNameRows } from "./request-names-text.ts";
import { cancelledLine, droppedLine, evidenceGrid, probeGrid, windowRateGrid, runnerGrid } from "./evidence.ts";
import { DEFAULT_ARTIFACTS, iso, REPORT_FILES, type ReportInput } from "./json.ts";
import { gridTable, mdText, table } from "./md.ts";
import { attributionText, headline, histText, histogramRows, relevantConfig, secs } from "./text.ts";
import { textTimeline } from "./timeline-text.ts";

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
