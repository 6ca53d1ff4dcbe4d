// Enough traffic, during a recorded deploy, to prove anything.
import { plural, seconds } from "../format.ts";
import type { DeployWindow } from "../types.ts";
import { finding, type Finding } from "./finding.ts";

export function coverageEvidence(total: number, wins: readonly DeployWindow[], inWindow: number, minRequestsInWindow: number): Finding {
  const problems: string[] = [];
  if (total === 0) problems.push("no samples: k6 recorded no requests");
  if (wins.length === 0) {
    problems.push(`no deploy window was recorded, so 0 requests were sent during a deploy (minimum ${minRequestsInWindow})`);
  } else if (inWindow < minRequestsInWindow) {
    problems.push(
      `only ${inWindow} requests were sent inside deploy windows (minimum ${minRequestsInWindow}): ` +
        `too little traffic during the deploy to prove anything`,
    );
  }
  return finding(
    [
      { check: "samples", ok: total > 0, detail: total > 0 ? `${total} requests recorded` : "none: k6 recorded no requests" },
      {
        check: "deploy windows",
        ok: wins.length > 0,
        detail: wins.length > 0 ? `${plural(wins.length, "window")}: ${wins.map((w) => `${w.label} (${seconds(w.end - w.start)})`).join(", ")}` : "none recorded",
      },
      { check: "requests in deploy windows", ok: wins.length > 0 && inWindow >= minRequestsInWindow, detail: `${inWindow} (minimum ${minRequestsInWindow})` },
    ],
    problems,
  );
}
