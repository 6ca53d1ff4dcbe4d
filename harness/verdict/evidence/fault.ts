// A cluster component that died mid-run (the watchdog saw it): the run's
// evidence ends there. Failures sent from just before the detection on may be
// the fault's doing rather than the deploy's, so they alone never make a
// `fail`; failures before it still do.
import { formatOffset } from "../format.ts";
import type { Sample } from "../types.ts";
import { finding, type Finding } from "./finding.ts";

/** The watchdog polls every 0.5 s: a component may have died up to this long before it was seen. */
export const FAULT_DETECTION_SLACK_MS = 1000;

export interface FaultInput {
  at: number;
  component: string;
  message: string;
}

export interface FaultFinding extends Finding {
  /** Failed requests sent before the fault could have started (the deploy's, not the fault's). */
  failedBefore: number;
  failedAfter: number;
}

export function faultEvidence(fault: FaultInput | undefined, failedSamples: readonly Sample[], origin: number): FaultFinding {
  if (!fault) return { ...finding([{ check: "cluster healthy", ok: true, detail: "no component died during the run" }]), failedBefore: failedSamples.length, failedAfter: 0 };
  const from = fault.at - FAULT_DETECTION_SLACK_MS;
  const failedAfter = failedSamples.filter((s) => s.t >= from).length;
  const failedBefore = failedSamples.length - failedAfter;
  const first = fault.message.split("\n")[0] ?? fault.message;
  const what = `infrastructure fault: ${first} (seen at ${formatOffset(fault.at, origin)})`;
  const problems = [what];
  if (failedAfter > 0) {
    problems.push(`${failedAfter} failed request${failedAfter === 1 ? " was" : "s were"} sent from ${formatOffset(from, origin)} on, when ${fault.component} may already have been down: counted as the fault's, not the deploy's`);
  }
  return { ...finding([{ check: "cluster healthy", ok: false, detail: what }], problems), failedBefore, failedAfter };
}
