import { describe, expect, it } from "vitest";
import { blastRadius, rollbackOf } from "../../harness/verdict/rollback.ts";
import type { PhaseStats, RunEvent } from "../../harness/verdict/types.ts";
import { sample } from "./verdict-helpers.ts";

const T = 1_700_000_000_000;
const phase = (name: string, start: number, end: number): PhaseStats => ({ name, start: T + start, end: T + end, requests: 0, failed: 0, histogram: {} });

describe("rollback", () => {
  it("takes the harness's own record over a rollback event, and an event's reason or says none was recorded", () => {
    const ev: RunEvent[] = [{ t: T + 5000, kind: "rollback", reason: "from the event" }];
    expect(rollbackOf({ podsReplaced: true, k6ExitCode: 0, rolledBack: { at: T + 4000, reason: "gate" } }, ev)).toEqual({ at: T + 4000, reason: "gate" });
    expect(rollbackOf({ podsReplaced: true, k6ExitCode: 0 }, ev)).toEqual({ at: T + 5000, reason: "from the event" });
    expect(rollbackOf({ podsReplaced: true, k6ExitCode: 0 }, [{ t: T + 6000, kind: "rollback", reason: "" }])).toEqual({ at: T + 6000, reason: "no reason recorded" });
    expect(rollbackOf({ podsReplaced: true, k6ExitCode: 0 }, [{ t: T, kind: "phase-start", name: "warmup" }])).toBeNull();
  });

  it("counts the failed requests by version and phase (\"no phase\" after the last), first to last", () => {
    const phs = [phase("warmup", 0, 1000), phase("rollout-1", 1000, 3000)];
    const failed = [sample(T + 1500, 0), sample(T + 2000, 503, "v2"), sample(T + 2500, 503, "v2"), sample(T + 4000, 503, "v1")];
    expect(blastRadius(failed, phs)).toEqual({
      failed: 4,
      byVersion: { "": 1, v2: 2, v1: 1 },
      byPhase: { "rollout-1": 3, "no phase": 1 },
      firstFailure: T + 1500,
      lastFailure: T + 4000,
      durationMs: 2500,
    });
    expect(blastRadius([], phs)).toEqual({ failed: 0, byVersion: {}, byPhase: {}, firstFailure: null, lastFailure: null, durationMs: 0 });
  });
});
