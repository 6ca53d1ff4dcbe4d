// A rollback, as facts: when and why the deploy was rolled back (the harness's
// own record, else a "rollback" event), and the blast radius of its failed
// requests by version and phase. The rolled-back rule (rules/rolled-back.ts)
// words them.
import { inc } from "./format.ts";
import { phaseAt } from "./phases.ts";
import type { BlastRadius, Evidence, PhaseStats, RunEvent, Sample } from "./types.ts";

export interface Rollback {
  at: number;
  reason: string;
}

/** The harness's record of the rollback, else the first "rollback" event (events sorted by time), else null. */
export function rollbackOf(evidence: Evidence, events: readonly RunEvent[]): Rollback | null {
  if (evidence.rolledBack) return evidence.rolledBack;
  const ev = events.find((e) => e.kind === "rollback");
  if (!ev) return null;
  return { at: ev.t, reason: typeof ev.reason === "string" && ev.reason ? ev.reason : "no reason recorded" };
}

/** Who the failed requests (sorted by time) hit: by version, by phase, first to last. */
export function blastRadius(failedSamples: readonly Sample[], phases: readonly PhaseStats[]): BlastRadius {
  const byVersion: Record<string, number> = {};
  const byPhase: Record<string, number> = {};
  for (const s of failedSamples) {
    inc(byVersion, s.v);
    inc(byPhase, phaseAt(s.t, phases) ?? "no phase");
  }
  const first = failedSamples[0]?.t ?? null;
  const last = failedSamples[failedSamples.length - 1]?.t ?? null;
  return {
    failed: failedSamples.length,
    byVersion,
    byPhase,
    firstFailure: first,
    lastFailure: last,
    durationMs: first !== null && last !== null ? last - first : 0,
  };
}
