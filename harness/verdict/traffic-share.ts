// Traffic share by canary step (canaryBy=weight): for each step, the share of
// the answered requests (HTTP 200 naming a version) that the canary version
// answered, against the weight the route was given. Measured from the moment
// the controller served the step's weights (the "canary-step" event is
// recorded once its API shows them) to the next step, rollback or window end.
import { isFailed } from "./counting.ts";
import type { StepShare } from "./records.ts";
import type { RunEvent, Sample } from "./types.ts";

/** A step's share may differ from its weight by this many percentage points (the controller's weighted round robin is exact to within a request per cycle; the rest is timing at the step's edges). */
export const SHARE_TOLERANCE_POINTS = 5;

const ENDS = new Set(["canary-step", "rollback", "window-end", "phase-start", "route-weights"]);

export function stepShares(events: readonly RunEvent[], samples: readonly Sample[]): StepShare[] {
  const sorted = [...events].sort((a, b) => a.t - b.t);
  const out: StepShare[] = [];
  sorted.forEach((ev, i) => {
    if (ev.kind !== "canary-step" || ev["by"] !== "weight" || typeof ev["percent"] !== "number" || typeof ev["canaryVersion"] !== "string") return;
    const end = sorted.slice(i + 1).find((x) => ENDS.has(x.kind))?.t ?? Infinity;
    const canaryVersion = ev["canaryVersion"];
    let requests = 0;
    let canary = 0;
    for (const s of samples) {
      if (s.t < ev.t || s.t >= end || isFailed(s) || !s.v) continue;
      requests++;
      if (s.v === canaryVersion) canary++;
    }
    const canaryShare = requests > 0 ? (canary / requests) * 100 : NaN;
    const percent = ev["percent"];
    out.push({ percent, canaryVersion, start: ev.t, end: Number.isFinite(end) ? end : (samples.at(-1)?.t ?? ev.t), requests, canaryShare, withinTolerance: requests > 0 && Math.abs(canaryShare - percent) <= SHARE_TOLERANCE_POINTS });
  });
  return out;
}

/** "10 % → 10.3 % of 2,950" per step, for tables and notes. */
export function shareText(s: StepShare): string {
  return `${s.percent} % → ${Number.isNaN(s.canaryShare) ? "–" : s.canaryShare.toFixed(1)} % of ${s.requests.toLocaleString("en-US")}`;
}
