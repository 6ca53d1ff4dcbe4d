// summary.json: the machine-readable result of one run.
import type { RunConfig } from "../harness/config.ts";
import { SCHEMA_VERSION, type RunVersions } from "../harness/run-versions.ts";
import type { ChartData } from "./chart/data.ts";
import { exitCodeFor } from "../harness/verdict/exit-code.ts";
import type { DrainSummary } from "../harness/verdict/drain.ts";
import type { LoadRunners } from "../harness/verdict/runners.ts";
import type {
  AttributionStats,
  DatabaseErrors,
  Histogram,
  IngressLag,
  LagStats,
  LatencyVerdict,
  MigrationStep,
  ProxyLag,
  RequestNameStats,
  StepShare,
} from "../harness/verdict/records.ts";
import type {
  BlastRadius,
  DeployWindow,
  GateRecord,
  ErrorCodeCount,
  Outage,
  Outcome,
  PhaseStats,
  TimelineBucket,
  Verdict,
  VersionStats,
} from "../harness/verdict/types.ts";

/** Everything the report writers need about one run. */
export interface ReportInput {
  runId: string;
  /** Defaults to config.strategy; a free label is allowed (e.g. "rolling (preStop 5s)"). */
  strategy?: string;
  /** The effective RunConfig. */
  config: RunConfig;
  verdict: Verdict;
  /** The run was meant to end in a rollback (bad version): JUnit passes a rolled-back run only then. */
  expectRollback?: boolean;
  /** File names of raw artifacts next to the reports (default: DEFAULT_ARTIFACTS). */
  artifacts?: string[];
  /** scenario=drain: what each node's drain did, and why requests did or did not fail. */
  drain?: DrainReport;
  /** load=operator: each runner's share of the requests. */
  loadRunners?: LoadRunners;
  /** report.html's chart at fine resolution with pod marks (default: from the verdict's timeline, no marks). */
  chart?: ChartData;
  /** What the run ran on (harness/run-versions.ts); absent when re-judged from files alone. */
  ranOn?: RunVersions;
  /** The error (not the service) that ended the run, when no request failed: the run is no result. */
  error?: string;
}

export type DrainReport = DrainSummary & { explanation: string };

export const DEFAULT_ARTIFACTS = ["samples.ndjson", "events.ndjson"];

export const REPORT_FILES = {
  summary: "summary.json",
  markdown: "report.md",
  junit: "junit.xml",
  html: "report.html",
} as const;

/** Verdict fields that summary.json carries as they are. */
type VerdictEvidence = Pick<Verdict, "evidence" | "probes" | "dropped" | "cancelledAtStop" | "unloggedAtStop" | "windowRates" | "gaps" | "interrupted">;

export interface Summary extends VerdictEvidence {
  /** The shape of this file (harness/run-versions.ts SCHEMA_VERSION). */
  schemaVersion: number;
  /** What the run ran on: nodrop, Kubernetes, the nodes, k6, kind, the app's images; null when unknown (re-judged from files). */
  ranOn: RunVersions | null;
  /** The error that ended the run (the API's own words), when no request failed: then the run is no result, and experiments do not count it. */
  error: string | null;
  verdict: Outcome;
  exitCode: number;
  reasons: string[];
  runId: string;
  strategy: string;
  config: RunConfig;
  histogram: Histogram;
  errorsByCode: ErrorCodeCount[];
  requests: { total: number; inDeployWindow: number; failed: number; failedInDeployWindow: number };
  rate: { target: number; achieved: number };
  startedAt: string;
  endedAt: string;
  durationSeconds: number;
  windows: DeployWindow[];
  phases: PhaseStats[];
  versions: VersionStats[];
  /** Per request of a mixed load (nodrop-app.yaml `requests:`); [] when the load sends one request. */
  byRequest: RequestNameStats[];
  outages: Outage[];
  /** How long after their deletion pods still answered requests; null when no deleted pod answered any. */
  lag: LagStats | null;
  proxyLag: ProxyLag | null;
  /** path=ingress only: endpoint out of service → the ingress controller's last request to the pod. */
  ingressLag: IngressLag | null;
  /** canaryBy=weight: per canary step, the canary's share of answered requests against the route's weight. */
  trafficShares: StepShare[] | null;
  /** Per phase and per deploy window latency, and the rule's judgement (harness/verdict/latency.ts). */
  latency: LatencyVerdict | null;
  /** Failed requests the app's database failed, by version and message; migration steps (harness/verdict/database.ts). */
  database: DatabaseErrors | null;
  migrations: MigrationStep[];
  /** Where versions came from when the app named none: its connections (conntrack); null: not traced (harness/verdict/attribution.ts). */
  attribution: AttributionStats | null;
  /** The live gate's passed analyses: by version, or every request where no response named one. */
  gates: GateRecord[];
  rollback: { happened: boolean; at: string | null; reason: string | null };
  blastRadius: BlastRadius | null;
  malformedLines: number;
  expectRollback: boolean;
  artifacts: string[];
  timeline: TimelineBucket[];
  drain: DrainReport | null;
  loadRunners: LoadRunners | null;
}

/** ISO string of an epoch-ms time; "invalid" instead of throwing on a bad number. */
export function iso(t: number): string {
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? "invalid" : d.toISOString();
}

export function strategyOf(input: ReportInput): string {
  return input.strategy ?? input.config.strategy;
}

export function buildSummary(input: ReportInput): Summary {
  const v = input.verdict;
  return {
    schemaVersion: SCHEMA_VERSION,
    ranOn: input.ranOn ?? null,
    error: input.error ?? null,
    verdict: v.outcome,
    exitCode: exitCodeFor(v.outcome),
    reasons: v.reasons,
    runId: input.runId,
    strategy: strategyOf(input),
    config: input.config,
    histogram: v.histogram,
    errorsByCode: v.errorsByCode,
    requests: v.requests,
    rate: v.rate,
    startedAt: iso(v.startedAt),
    endedAt: iso(v.endedAt),
    durationSeconds: Math.round(v.endedAt - v.startedAt) / 1000,
    windows: v.windows,
    phases: v.phases,
    versions: v.versions,
    byRequest: v.byRequest ?? [],
    outages: v.outages,
    lag: v.lag ?? null,
    proxyLag: v.proxyLag ?? null,
    ingressLag: v.ingressLag ?? null,
    trafficShares: v.trafficShares ?? null,
    latency: v.latency ?? null,
    database: v.database ?? null,
    migrations: v.migrations ?? [],
    attribution: v.attribution ?? null,
    gates: v.gates ?? [],
    rollback: {
      happened: v.rollback.happened,
      at: v.rollback.at === null ? null : iso(v.rollback.at),
      reason: v.rollback.reason,
    },
    blastRadius: v.blastRadius,
    malformedLines: v.malformedLines,
    evidence: v.evidence,
    probes: v.probes,
    dropped: v.dropped,
    cancelledAtStop: v.cancelledAtStop,
    unloggedAtStop: v.unloggedAtStop,
    windowRates: v.windowRates,
    gaps: v.gaps,
    interrupted: v.interrupted,
    expectRollback: input.expectRollback ?? false,
    artifacts: input.artifacts ?? DEFAULT_ARTIFACTS,
    timeline: v.timeline,
    drain: input.drain ?? null,
    loadRunners: input.loadRunners ?? null,
  };
}

export function summaryJson(input: ReportInput): string {
  return JSON.stringify(buildSummary(input), null, 2) + "\n";
}
