// A run's samples and events in time order, and the span they cover: first
// and last send time, and where the observed run ends.
import type { RunEvent, Sample } from "./types.ts";

function isSortedByT(samples: readonly Sample[]): boolean {
  for (let i = 1; i < samples.length; i++) if (samples[i]!.t < samples[i - 1]!.t) return false;
  return true;
}

/** The samples sorted by send time (the same array when already sorted). */
export function byTime(samples: readonly Sample[]): readonly Sample[] {
  return isSortedByT(samples) ? samples : [...samples].sort((a, b) => a.t - b.t);
}

export function sortedEvents(events: readonly RunEvent[]): RunEvent[] {
  return [...events].sort((a, b) => a.t - b.t);
}

export function minMaxT(samples: readonly Sample[]): { min: number; max: number } | null {
  if (samples.length === 0) return null;
  let min = Infinity;
  let max = -Infinity;
  for (const s of samples) {
    if (s.t < min) min = s.t;
    if (s.t > max) max = s.t;
  }
  return { min, max };
}

function lastEventT(events: readonly RunEvent[]): number | null {
  let max: number | null = null;
  for (const e of events) if (max === null || e.t > max) max = e.t;
  return max;
}

/** End of the observed run: the later of the last sample and the last event. */
export function observedEnd(events: readonly RunEvent[], samples: readonly Sample[]): number {
  const mm = minMaxT(samples);
  const le = lastEventT(events);
  return Math.max(mm ? mm.max : -Infinity, le ?? -Infinity, 0);
}
