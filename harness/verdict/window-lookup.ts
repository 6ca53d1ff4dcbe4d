// Which deploy window a send time falls in, for every sample of a run: a
// binary search over the windows' starts when the windows do not overlap (as
// rollouts, swaps and canary steps do not), else the first window in list
// order that holds t, as a plain scan would answer.
import type { DeployWindow } from "./types.ts";
import { upperBound } from "./sorted.ts";

export type WindowLookup = (t: number) => DeployWindow | null;

export function windowLookup(wins: readonly DeployWindow[]): WindowLookup {
  const sorted = [...wins].sort((a, b) => a.start - b.start);
  const overlap = sorted.some((w, i) => i > 0 && w.start <= sorted[i - 1]!.end);
  if (overlap || wins.length < 4) {
    return (t) => {
      for (const w of wins) if (t >= w.start && t <= w.end) return w;
      return null;
    };
  }
  const starts = Float64Array.from(sorted, (w) => w.start);
  return (t) => {
    const i = upperBound(starts, t) - 1;
    if (i < 0) return null;
    const w = sorted[i]!;
    return t <= w.end ? w : null;
  };
}
