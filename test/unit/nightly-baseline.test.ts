// The baseline rules of a nightly: which nights make the baseline, P99 and
// its grace, and the judgement of tonight (new, ok, failed, regression, inconclusive).
import { describe, expect, it } from "vitest";
import { BASELINE_NIGHTS, baselineOf, disruptionLimit, judgeNight, p99 } from "../../harness/nightly/baseline.ts";
import type { NightRecord, Result } from "../../harness/nightly/history.ts";
import { numbersFrom, type NightNumbers, type RolloutNumbers } from "../../harness/nightly/numbers.ts";

const night = (failed: number, disruptionSeconds: number, over: Partial<NightNumbers> = {}): NightNumbers => ({
  verdict: failed ? "fail" : "pass",
  exitCode: failed ? 1 : 0,
  requests: 5000,
  failed,
  disruptionSeconds,
  rollouts: [],
  headline: "",
  ...over,
});
let seq = 0;
const rec = (n: NightNumbers, result: Result = "ok"): NightRecord => {
  seq++;
  return { ...n, scenario: "web", night: `n${String(seq).padStart(4, "0")}`, at: "2026-11-22T00:00:00.000Z", runId: `r${seq}`, result };
};
const quiet = (k: number) => Array.from({ length: k }, () => rec(night(0, 0)));
const ro = (label: string, failed: number, disruptionSeconds: number): RolloutNumbers => ({ label, failed, disruptionSeconds });

describe("P99 and the disruption limit", () => {
  it("P99 is the nearest rank: the ceil(0.99 n)-th smallest", () => {
    expect(p99([])).toBe(0);
    expect(p99([7])).toBe(7);
    expect(p99([3, 1, 2])).toBe(3);
    expect(p99(Array.from({ length: 100 }, (_, i) => 100 - i))).toBe(99);
    expect(p99(Array.from({ length: 101 }, (_, i) => i + 1))).toBe(100);
  });

  it("the grace is max(5 s, 20 %): 5 s up to a P99 of 25 s, 20 % above", () => {
    expect(disruptionLimit(0)).toBe(5);
    expect(disruptionLimit(24)).toBe(29);
    expect(disruptionLimit(25)).toBe(30);
    expect(disruptionLimit(30)).toBe(36);
  });
});

describe("the baseline", () => {
  it("is the last 14 conclusive nights that neither failed nor regressed; none -> null", () => {
    expect(baselineOf([])).toBeNull();
    expect(baselineOf([rec(night(9, 9), "regression"), rec(night(3, 1), "failed"), rec(night(0, 0, { verdict: "inconclusive" }), "inconclusive")])).toBeNull();
    const good = quiet(BASELINE_NIGHTS + 3);
    const mixed = [...good.slice(0, 10), rec(night(50, 60), "regression"), rec(night(0, 0, { verdict: "inconclusive" }), "inconclusive"), ...good.slice(10)];
    const b = baselineOf(mixed)!;
    expect(b).toHaveLength(BASELINE_NIGHTS);
    expect(b.map((r) => r.night)).toEqual(good.slice(-BASELINE_NIGHTS).map((r) => r.night));
    // Idempotent: the baseline of a baseline is itself.
    expect(baselineOf(b)).toEqual(b);
  });
});

describe("judging tonight", () => {
  it("a first night that passed is new (no baseline, or only nights that cannot be one)", () => {
    expect(judgeNight(night(0, 0), null)).toEqual({ result: "new", problems: [], baseline: null });
    expect(judgeNight(night(0, 0), []).result).toBe("new");
    expect(judgeNight(night(0, 0), [rec(night(50, 60), "regression")]).result).toBe("new");
  });

  it("zero tolerance: a night that failed requests fails, first night or not, however often the baseline nights did", () => {
    const first = judgeNight(night(200, 12, { headline: "200 of 5000 requests failed" }), null);
    expect(first).toEqual({ result: "failed", problems: ["200 failed requests of 5000: 200 of 5000 requests failed"], baseline: null });
    // A service that drops requests every night fails every night: failed nights never make a baseline, and would not excuse it.
    const always = [rec(night(3, 1), "failed"), rec(night(4, 1), "failed")];
    expect(judgeNight(night(3, 1), always).result).toBe("failed");
    expect(judgeNight(night(1, 0.1), [rec(night(2, 1)), rec(night(5, 2))]).result).toBe("failed");
    // Per rollout too, in the problems.
    const j = judgeNight(night(5, 2, { rollouts: [ro("rollout-1", 0, 0), ro("rollout-2", 5, 2)] }), quiet(2));
    expect(j.problems).toEqual(["5 failed requests of 5000", "rollout-2: 5 failed requests"]);
    // A fail on another rule (latency) with no failed request fails too.
    expect(judgeNight(night(0, 0, { verdict: "fail", headline: "p99 latency 900 ms above 500 ms" }), quiet(2))).toMatchObject({ result: "failed", problems: ["failed: p99 latency 900 ms above 500 ms"] });
  });

  it("a declared budget (maxFailedRequests) is an accepted risk: within it the night is judged on, beyond it it fails", () => {
    expect(judgeNight(night(3, 0.2), null, 3).result).toBe("new");
    expect(judgeNight(night(3, 0.2), quiet(2), 3).result).toBe("ok");
    expect(judgeNight(night(4, 0.2, { headline: "4 of 5000 failed" }), quiet(2), 3)).toMatchObject({ result: "failed", problems: ["4 failed requests of 5000 (budget 3): 4 of 5000 failed"] });
  });

  it("an inconclusive night is never ok nor new, whatever its numbers", () => {
    const inc = night(0, 0, { verdict: "inconclusive", headline: "only 120 requests in the deploy window" });
    expect(judgeNight(inc, null)).toMatchObject({ result: "inconclusive", problems: ["inconclusive: only 120 requests in the deploy window"] });
    const j = judgeNight(inc, quiet(3));
    expect(j.result).toBe("inconclusive");
    expect(j.baseline).toMatchObject({ nights: 3 });
  });

  it("a night like the baseline is ok, with a summary of the baseline", () => {
    const base = [rec(night(2, 1)), rec(night(0, 0.5)), rec(night(4, 3, { verdict: "rolled-back" }))];
    const j = judgeNight(night(3, 2), base, 5);
    expect(j).toEqual({ result: "ok", problems: [], baseline: { nights: 3, failedMedian: 2, disruptionP99: 3, limit: 8, rolledBack: 1 } });
  });

  it("(b) the limit, both sides, where the 5 s grace applies", () => {
    const base = [rec(night(1, 1)), rec(night(1, 2))]; // P99 2 s -> limit 7 s
    expect(judgeNight(night(1, 7), base, 1).result).toBe("ok");
    const j = judgeNight(night(1, 7.001), base, 1);
    expect(j.result).toBe("regression");
    expect(j.problems).toEqual(["disruption 7.001 s above the limit 7.000 s (baseline P99 2.0 s + max(5 s, 20 %))"]);
  });

  it("(b) the limit, both sides, where the 20 % grace applies", () => {
    const base = [rec(night(1, 35)), rec(night(1, 40))]; // P99 40 s -> limit 48 s (not 45)
    expect(judgeNight(night(1, 47.9), base, 1).result).toBe("ok");
    expect(judgeNight(night(1, 48), base, 1).result).toBe("ok");
    expect(judgeNight(night(1, 48.5), base, 1).problems).toEqual(["disruption 48.5 s above the limit 48.0 s (baseline P99 40.0 s + max(5 s, 20 %))"]);
  });

  it("a regression never becomes the baseline: the same bad numbers regress again", () => {
    const history = [...quiet(3), rec(night(40, 20), "regression")];
    const j = judgeNight(night(40, 20), history, 50);
    expect(j.result).toBe("regression");
    expect(j.baseline).toMatchObject({ nights: 3, failedMedian: 0, disruptionP99: 0 });
    expect(j.problems).toEqual(["disruption 20.0 s above the limit 5.0 s (baseline P99 0.0 s + max(5 s, 20 %))"]);
  });

  it("(c) per rollout, matched by index, each against its own limit; rollouts the baseline never had are not judged", () => {
    const shape = (a: RolloutNumbers, b: RolloutNumbers, extra: RolloutNumbers[] = []) => [a, b, ...extra];
    const base = [
      rec(night(5, 10, { rollouts: shape(ro("rollout-1", 5, 10), ro("rollout-2", 0, 0)) })),
      rec(night(6, 11, { rollouts: shape(ro("rollout-1", 6, 11), ro("rollout-2", 0, 0)) })),
      rec(night(4, 0, { rollouts: [ro("rollout-1", 4, 0)] })), // only one rollout that night
    ];
    // Whole run like the baseline, but the failures moved to rollout 2, and rollout 3 is new.
    const tonight = night(5, 10, { rollouts: shape(ro("rollout-1", 0, 0), ro("rollout-2", 5, 6), [ro("rollout-3", 9, 99)]) });
    const j = judgeNight(tonight, base, 20);
    expect(j.result).toBe("regression");
    expect(j.problems).toEqual(["rollout-2: disruption 6.0 s above the limit 5.0 s (baseline P99 0.0 s + max(5 s, 20 %))"]);
    const same = night(5, 10, { rollouts: shape(ro("rollout-1", 5, 11), ro("rollout-2", 0, 4.9)) });
    expect(judgeNight(same, base, 20).result).toBe("ok");
  });

  it("(e) a rollout's p99 latency above P99 + max(50 ms, 50 %) of the baseline's is a regression; nights without the figure are left out", () => {
    const lat = (p99Ms?: number) => ({ ...ro("rollout-1", 0, 0), ...(p99Ms === undefined ? {} : { p99Ms }) });
    const base = [rec(night(0, 0, { rollouts: [lat(40)] })), rec(night(0, 0, { rollouts: [lat(60)] })), rec(night(0, 0, { rollouts: [lat()] }))];
    expect(judgeNight(night(0, 0, { rollouts: [lat(110)] }), base).result).toBe("ok");
    const slow = judgeNight(night(0, 0, { rollouts: [lat(260)] }), base);
    expect(slow.result).toBe("regression");
    expect(slow.problems).toEqual(["rollout-1: p99 latency 260 ms above the limit 110 ms (baseline P99 60 ms over 2 nights + max(50 ms, 50 %))"]);
    expect(judgeNight(night(0, 0, { rollouts: [lat(260)] }), [rec(night(0, 0, { rollouts: [lat()] }))]).result).toBe("ok");
  });

  it("(d) a rollback is a regression only when no baseline night rolled back", () => {
    const rb = night(0, 0, { verdict: "rolled-back" });
    expect(judgeNight(rb, quiet(2))).toMatchObject({ result: "regression", problems: ["rolled back; no baseline night (2) was"] });
    expect(judgeNight(rb, [...quiet(2), rec(night(0, 0, { verdict: "rolled-back" }))]).result).toBe("ok");
  });

  it("judges the numbers of a real verdict shape end to end", () => {
    const o = (start: number, durationMs: number, failed: number) => ({ start, end: start + durationMs, durationMs, failed, requests: failed, histogram: {}, errorsByCode: [] });
    const n = numbersFrom(
      {
        outcome: "fail",
        requests: { total: 900, inDeployWindow: 500, failed: 9, failedInDeployWindow: 9 },
        outages: [o(1000, 300, 3), o(3000, 700, 6)],
        windows: [{ label: "rollout-1", start: 1000, end: 3000, closed: true }, { label: "rollout-2", start: 3000, end: 5000, closed: true }],
        reasons: ["9 of 900 failed"],
      },
      1,
    );
    // An outage starting on a shared boundary counts once, for the first window.
    expect(n.rollouts).toEqual([ro("rollout-1", 9, 1), ro("rollout-2", 0, 0)]);
    expect(n.disruptionSeconds).toBe(1);
    expect(judgeNight(n, quiet(1))).toMatchObject({ result: "failed", problems: ["9 failed requests of 900: 9 of 900 failed", "rollout-1: 9 failed requests"] });
  });
});
