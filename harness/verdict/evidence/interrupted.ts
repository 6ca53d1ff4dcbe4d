// A run ended by a signal did not finish: what it recorded is partial.
import { formatOffset } from "../format.ts";
import { finding, type Finding } from "./finding.ts";

export function interruptedEvidence(signal: string | undefined, endedAt: number, origin: number): Finding {
  if (!signal) return finding([{ check: "run finished", ok: true, detail: "not interrupted" }]);
  const what = `interrupted by ${signal} at ${formatOffset(endedAt, origin)}`;
  return finding([{ check: "run finished", ok: false, detail: what }], [`${what}: the run did not finish`]);
}
