// Deploy windows and phases, from the run's events: when each began and
// ended, and how many requests each phase sent and lost.
import { isFailed } from "./counting.ts";
import { inc } from "./format.ts";
import { observedEnd, sortedEvents } from "./run-span.ts";
import { upperBound } from "./sorted.ts";
import type { DeployWindow, PhaseStats, RunEvent, Sample } from "./types.ts";

/**
 * Deploy windows from window-start/window-end events, paired per label in
 * order. A window without an end ends at the last sample or last event.
 */
export function windows(events: readonly RunEvent[], samples: readonly Sample[] = []): DeployWindow[] {
  const open = new Map<string, number[]>();
  const out: DeployWindow[] = [];
  for (const ev of sortedEvents(events)) {
    const label = typeof ev.label === "string" && ev.label !== "" ? ev.label : "deploy";
    if (ev.kind === "window-start") {
      const q = open.get(label) ?? [];
      q.push(ev.t);
      open.set(label, q);
    } else if (ev.kind === "window-end") {
      const start = open.get(label)?.shift();
      if (start !== undefined) out.push({ label, start, end: ev.t, closed: true });
    }
  }
  const end = observedEnd(events, samples);
  for (const [label, starts] of open) {
    for (const start of starts) out.push({ label, start, end: Math.max(end, start), closed: false });
  }
  return out.sort((a, b) => a.start - b.start);
}

export const BEFORE_FIRST_PHASE = "(before first phase)";

/**
 * Phases from phase-start events: each lasts until the next phase-start or the
 * run end (`runEnd`, default: the last sample or event). Requests sent before
 * the first phase-start are reported as a phase named "(before first phase)".
 */
export function phases(events: readonly RunEvent[], samples: readonly Sample[], runEnd?: number): PhaseStats[] {
  const starts = sortedEvents(events).filter((e) => e.kind === "phase-start");
  if (starts.length === 0) return [];
  const end = Math.max(runEnd ?? observedEnd(events, samples), starts[starts.length - 1]!.t);
  const out: PhaseStats[] = starts.map((ev, i) => ({
    name: typeof ev.name === "string" && ev.name !== "" ? ev.name : `phase-${i + 1}`,
    start: ev.t,
    end: i + 1 < starts.length ? starts[i + 1]!.t : end,
    requests: 0,
    failed: 0,
    histogram: {},
  }));
  const startTs = out.map((p) => p.start);
  let pre: PhaseStats | null = null;
  for (const s of samples) {
    const idx = upperBound(startTs, s.t) - 1;
    let ph: PhaseStats;
    if (idx < 0) {
      pre ??= { name: BEFORE_FIRST_PHASE, start: s.t, end: out[0]!.start, requests: 0, failed: 0, histogram: {} };
      if (s.t < pre.start) pre.start = s.t;
      ph = pre;
    } else {
      ph = out[idx]!;
      if (idx === out.length - 1 && s.t > ph.end) continue; // sent after the run end
    }
    ph.requests++;
    if (isFailed(s)) ph.failed++;
    inc(ph.histogram, String(s.s));
  }
  return pre ? [pre, ...out] : out;
}

/** Name of the phase a send time falls in, or null. */
export function phaseAt(t: number, ph: readonly PhaseStats[]): string | null {
  let found: string | null = null;
  for (const p of ph) if (t >= p.start && (t < p.end || (t === p.end && p === ph[ph.length - 1]))) found = p.name;
  return found;
}
