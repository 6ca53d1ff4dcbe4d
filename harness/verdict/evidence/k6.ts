// k6 must have run to the end (or been stopped by the harness) for its record to be whole.
import type { Evidence } from "../types.ts";
import { finding, type Finding } from "./finding.ts";

/** What went wrong with k6, or null. */
export function k6Problem(ev: Evidence): string | null {
  if (ev.k6ExitCode === 0) return null;
  if (ev.k6ExitCode === null) {
    return ev.k6Error ? `k6 was stopped without an exit code and reported an error: ${ev.k6Error}` : null;
  }
  return `k6 exited with code ${ev.k6ExitCode}${ev.k6Error ? `: ${ev.k6Error}` : ""}, so the traffic record may be incomplete`;
}

export function k6Evidence(ev: Evidence): Finding {
  const problem = k6Problem(ev);
  if (problem) return finding([{ check: "k6 exit", ok: false, detail: problem }], [problem]);
  return finding([{ check: "k6 exit", ok: true, detail: ev.k6ExitCode === 0 ? "exit code 0" : "stopped by the harness" }]);
}
