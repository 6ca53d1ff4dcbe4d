// Shared builders for the verdict unit tests (not a test file itself).
import { join } from "node:path";
import { judge } from "../../harness/verdict/analyze.ts";
import { podsReplacedFrom } from "../../harness/verdict/evidence/pods.ts";
import { readEvents, readSamples } from "../../harness/verdict/samples.ts";
import type { JudgeInput, RunEvent, Sample } from "../../harness/verdict/types.ts";
import { FIXTURE_DIR, T0 } from "../fixtures/make-fixtures.ts";

export const fx = (name: string) => join(FIXTURE_DIR, name);

/** No dropped iterations, and k6's final count known. */
export const NO_DROPS: JudgeInput["dropped"] = { total: 0, series: [] };

export function sample(t: number, s = 200, v = "v1", e = 0): Sample {
  return { t, d: 1, s, e, v: s === 0 ? "" : v, p: s === 0 ? "" : `pod-${v}`, ph: "" };
}

/** n samples, one every `stepMs`, from `start`. */
export function steady(start: number, n: number, stepMs: number, v = "v1"): Sample[] {
  return Array.from({ length: n }, (_, i) => sample(start + i * stepMs, 200, v));
}

/** A 2 s deploy window (rollout-1) from T0 + 1 s, between warmup and cooldown. */
export const WINDOW_EVENTS: RunEvent[] = [
  { t: T0, kind: "phase-start", name: "warmup" },
  { t: T0 + 1000, kind: "phase-start", name: "rollout-1" },
  { t: T0 + 1000, kind: "window-start", label: "rollout-1" },
  { t: T0 + 3000, kind: "window-end", label: "rollout-1" },
  { t: T0 + 3000, kind: "phase-start", name: "cooldown" },
];

export function input(over: Partial<JudgeInput> & { samples: Sample[] }): JudgeInput {
  return {
    events: WINDOW_EVENTS,
    evidence: { podsReplaced: true, k6ExitCode: 0 },
    config: { minRequestsInWindow: 100, targetRate: 100 },
    startedAt: T0 - 1000,
    endedAt: T0 + 5000,
    dropped: NO_DROPS,
    ...over,
  };
}

/** Samples of `<name>.ndjson` and events of `<events>-events.ndjson`. */
export async function loadFixture(name: string, events = name) {
  const s = await readSamples(fx(`${name}.ndjson`));
  const e = await readEvents(fx(`${events}-events.ndjson`));
  return { ...s, events: e.events, eventMalformed: e.malformedLines };
}

/** Judges a fixture as a run would (harness/pipeline/judge.ts): 80 req/s, at least 1000 requests in windows, ended 25 s after T0. */
export function judgeFixture(f: Awaited<ReturnType<typeof loadFixture>>, over: Partial<JudgeInput> = {}) {
  return judge({
    samples: f.samples,
    events: f.events,
    evidence: { podsReplaced: podsReplacedFrom(f.events), k6ExitCode: 0 },
    config: { minRequestsInWindow: 1000, targetRate: 80 },
    startedAt: T0 - 1000,
    endedAt: T0 + 25_000,
    malformedLines: f.malformedLines,
    dropped: NO_DROPS,
    ...over,
  });
}
