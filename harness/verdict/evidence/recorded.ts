// Every request k6 sent must be a sample: a scenario (above all a user's own,
// nodrop-app.yaml `scenario`) that sends a request without record() leaves a
// request nobody judged. k6's own count (http_reqs in k6-summary.json) is the
// check: fewer sample lines than that is never a pass. (More is normal: a
// request cut by the harness's stop is recorded but not counted by k6.)
import { plural } from "../format.ts";
import { finding, type Finding } from "./finding.ts";

/** `sent`: k6's http_reqs count (null: unknown, e.g. no summary); `recorded`: sample lines read, requests only. */
export function recordedEvidence(sent: number | null | undefined, recorded: number): Finding {
  if (sent === null || sent === undefined) return finding([{ check: "every request recorded", ok: true, detail: "k6's own count unknown (no summary): not compared" }]);
  if (recorded >= sent) return finding([{ check: "every request recorded", ok: true, detail: `${recorded} sample(s) for ${sent} request(s) k6 counted` }]);
  const missing = sent - recorded;
  return finding(
    [{ check: "every request recorded", ok: false, detail: `${recorded} sample(s) for ${sent} request(s) k6 counted` }],
    [`k6 sent ${sent} requests but only ${recorded} were recorded: ${plural(missing, "request")} never judged (a scenario must record() every request it sends)`],
  );
}
