// Every request k6 sent must be a sample: a scenario (above all a user's own,
// nodrop-app.yaml `scenario`) that sends a request without record() leaves a
// request nobody judged. k6's own count (http_reqs in its summary) is the
// check (verdict/unlogged.ts): fewer sample lines than that is never a pass,
// except for requests the harness's own stop cut between k6's count and the
// line (nodrop's scenario only, at most one per VU), and only when k6's own
// count of failed requests shows they all succeeded, or every one of them was
// sent after the last deploy window ended; those are counted in
// `unloggedAtStop`. (More lines than requests is normal: a request the stop
// cancelled is logged but not counted by k6.)
import { plural } from "../format.ts";
import type { RecordedInput } from "../types.ts";
import { unloggedRequests } from "../unlogged.ts";
import { finding, type Finding } from "./finding.ts";

const CHECK = "every request recorded";

/** `lastWindowEnd`: when the last deploy window ended (null: no window). */
export function recordedEvidence(r: RecordedInput, lastWindowEnd: number | null): { finding: Finding; unloggedAtStop: number } {
  const u = unloggedRequests(r, r);
  const ok = (detail: string, unloggedAtStop = 0) => ({ finding: finding([{ check: CHECK, ok: true, detail }]), unloggedAtStop });
  const bad = (detail: string, problem: string) => ({ finding: finding([{ check: CHECK, ok: false, detail }], [problem]), unloggedAtStop: 0 });
  if (u.kind === "unknown") return ok(`${u.why}: not compared`);
  if (u.kind === "none") return ok(`${r.lines} sample(s) for ${r.httpReqs} request(s) k6 counted`);
  if (u.kind === "lost") return bad(u.why, `${u.why}: ${plural(u.count, "request")} never judged`);
  // Cut by the stop: harmless if k6 counted no failure beyond the lines' …
  if (r.failed !== null && r.failed <= r.loggedFailed) return ok(`${u.detail}; k6 counted ${r.failed} failed request(s), as the lines show: the cut one(s) succeeded`, u.count);
  // … or if none of them can have been sent in a deploy window.
  const sentAfter = r.stopAt === null ? null : r.stopAt - r.inFlightMs;
  if (sentAfter !== null && (lastWindowEnd === null || sentAfter >= lastWindowEnd)) return ok(`${u.detail}, sent after the last deploy window`, u.count);
  const when = r.stopAt === null ? "with no stop time recorded" : `and the last deploy window ended less than the request timeout (${r.inFlightMs / 1000} s) before the stop`;
  const failed = r.failed === null ? "k6's count of failed requests is unknown" : `k6 counted ${r.failed} failed request(s), the lines show ${r.loggedFailed}`;
  return bad(u.detail, `${plural(u.count, "request")} k6 counted ${u.count === 1 ? "was" : "were"} cut by the stop before ${u.count === 1 ? "its" : "their"} line was written; ${failed}, ${when}: never judged`);
}
