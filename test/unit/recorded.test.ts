// Every request k6 sent must be a sample (issue 24: a user's own scenario
// that forgets record() must not pass on the requests it did record), except
// one the harness's own stop cut between k6's count and its line (issue 25:
// a runner with http_reqs 1638, iterations 1637 and 1,637 samples made a
// good run's evidence incomplete) — and only when it cannot have been sent
// in a deploy window.
import { describe, expect, it } from "vitest";
import { recordedEvidence } from "../../harness/verdict/evidence/recorded.ts";
import { judge } from "../../harness/verdict/analyze.ts";
import { unloggedRequests } from "../../harness/verdict/unlogged.ts";
import type { JudgeInput, RecordedInput, Sample } from "../../harness/verdict/types.ts";

const OURS = { onePerIteration: true, maxInFlight: 200 };
const THEIRS = { onePerIteration: false, maxInFlight: 200 };
// k6's failed count unknown unless a test gives it: the window rule decides.
const rec = (httpReqs: number | null, iterations: number | null, lines: number, o: Partial<RecordedInput> = {}): RecordedInput => ({ httpReqs, iterations, lines, failed: null, loggedFailed: 0, ...OURS, stopAt: 100_000, inFlightMs: 10_000, ...o });

describe("unloggedRequests", () => {
  it("nothing unlogged when the lines cover k6's count (more is normal: a request the stop cancelled is logged, not counted)", () => {
    expect(unloggedRequests({ httpReqs: 100, iterations: 100, lines: 100 }, OURS)).toEqual({ kind: "none" });
    expect(unloggedRequests({ httpReqs: 100, iterations: 99, lines: 101 }, THEIRS)).toEqual({ kind: "none" });
    expect(unloggedRequests({ httpReqs: null, iterations: null, lines: 5 }, OURS).kind).toBe("unknown");
  });
  it("nodrop's scenario: a request counted in an iteration cut before its line is the stop's, not lost", () => {
    expect(unloggedRequests({ httpReqs: 1638, iterations: 1637, lines: 1637 }, OURS)).toMatchObject({ kind: "cut", count: 1 });
    expect(unloggedRequests({ httpReqs: 1840, iterations: 1637, lines: 1640 }, OURS)).toMatchObject({ kind: "cut", count: 200 });
  });
  it("lost: a finished iteration without its line, more cut than VUs, unknown iterations, or a scenario of the user's own", () => {
    expect(unloggedRequests({ httpReqs: 1638, iterations: 1638, lines: 1637 }, OURS)).toMatchObject({ kind: "lost", count: 1, why: expect.stringMatching(/1638 finished iterations: lines were lost/) });
    expect(unloggedRequests({ httpReqs: 1841, iterations: 1637, lines: 1640 }, OURS)).toMatchObject({ kind: "lost", count: 201, why: expect.stringMatching(/more than the 200 iterations/) });
    expect(unloggedRequests({ httpReqs: 1638, iterations: null, lines: 1637 }, OURS).kind).toBe("lost");
    expect(unloggedRequests({ httpReqs: 1638, iterations: 1637, lines: 1637 }, THEIRS)).toMatchObject({ kind: "lost", why: expect.stringMatching(/must record\(\) every request/) });
  });
});

describe("recordedEvidence", () => {
  it("holds when the samples cover k6's count", () => {
    expect(recordedEvidence(rec(100, 100, 100), null).finding.problems).toEqual([]);
    expect(recordedEvidence(rec(100, 100, 101), null).finding.problems).toEqual([]);
    expect(recordedEvidence(rec(null, null, 5), null).finding.checks[0]!.ok).toBe(true);
  });
  it("a user's scenario: fails with the numbers when k6 sent more than was recorded", () => {
    const r = recordedEvidence(rec(120, 60, 100, THEIRS), 50_000);
    expect(r.finding.checks[0]).toMatchObject({ check: "every request recorded", ok: false });
    expect(r.finding.problems[0]).toBe("k6 counted 120 requests, 100 sample line(s) were read: a scenario must record() every request it sends: 20 requests never judged");
    expect(r.unloggedAtStop).toBe(0);
  });
  it("nodrop's scenario: a request the stop cut is counted apart when it was sent after the last window", () => {
    // Stop at 100 s, requests time out after 10 s: anything in flight was sent after 90 s.
    const r = recordedEvidence(rec(1638, 1637, 1637), 90_000);
    expect(r.finding.problems).toEqual([]);
    expect(r.finding.checks[0]).toMatchObject({ ok: true, detail: expect.stringMatching(/1 request\(s\) k6 counted in iteration\(s\) the stop cut before their line was written, sent after the last deploy window/) });
    expect(r.unloggedAtStop).toBe(1);
  });
  it("…or when k6's own count of failed requests is what the lines show (the cut one succeeded), wherever the window ended", () => {
    const r = recordedEvidence(rec(1638, 1637, 1637, { failed: 47, loggedFailed: 47 }), 99_000);
    expect(r.finding.problems).toEqual([]);
    expect(r.finding.checks[0]!.detail).toMatch(/k6 counted 47 failed request\(s\), as the lines show: the cut one\(s\) succeeded/);
    expect(r.unloggedAtStop).toBe(1);
  });
  it("…and never judged (a problem) when it may have failed and may have been sent inside a window", () => {
    const r = recordedEvidence(rec(1638, 1637, 1637, { failed: 48, loggedFailed: 47 }), 90_001);
    expect(r.finding.problems[0]).toMatch(/1 request k6 counted was cut by the stop before its line was written; k6 counted 48 failed request\(s\), the lines show 47, and the last deploy window ended less than the request timeout \(10 s\) before the stop: never judged/);
    expect(r.unloggedAtStop).toBe(0);
    expect(recordedEvidence(rec(1638, 1637, 1637, { stopAt: null }), null).finding.problems[0]).toMatch(/with no stop time recorded/);
  });
});

describe("judge with unrecorded requests", () => {
  const t0 = 1_000_000;
  const samples: Sample[] = Array.from({ length: 3000 }, (_, i) => ({ t: t0 + i * 10, d: 5, s: 200, e: 0, v: i < 1500 ? "v1" : "v2", p: "p", ph: "deploy" }));
  const events = [
    { t: t0 + 5000, kind: "window-start", label: "rollout-1" },
    { t: t0 + 15000, kind: "window-end", label: "rollout-1" },
  ];
  const input: JudgeInput = {
    samples,
    events,
    evidence: { podsReplaced: true, k6ExitCode: 0 },
    config: { minRequestsInWindow: 100, targetRate: 100 },
    startedAt: t0,
    endedAt: t0 + 30_000,
    dropped: { total: 0, series: [] },
  };
  it("a run that would pass is inconclusive when requests went unrecorded", () => {
    expect(judge(input).outcome).toBe("pass");
    const v = judge({ ...input, recorded: rec(3500, 3500, 3000, { stopAt: t0 + 30_000 }) });
    expect(v.outcome).toBe("inconclusive");
    expect(v.reasons.join("\n")).toMatch(/k6 counted 3500 requests, 3000 sample line\(s\) were read for 3500 finished iterations: lines were lost: 500 requests never judged/);
  });
  it("passes with the stop's cut requests counted in unloggedAtStop (stop 15 s after the window, 10 s timeout)", () => {
    const v = judge({ ...input, recorded: rec(3002, 3000, 3000, { stopAt: t0 + 30_000 }) });
    expect(v.outcome).toBe("pass");
    expect(v.unloggedAtStop).toBe(2);
    expect(judge(input).unloggedAtStop).toBe(0);
  });
});
