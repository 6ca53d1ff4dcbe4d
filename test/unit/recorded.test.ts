// Every request k6 sent must be a sample (issue 24: a user's own scenario
// that forgets record() must not pass on the requests it did record).
import { describe, expect, it } from "vitest";
import { recordedEvidence } from "../../harness/verdict/evidence/recorded.ts";
import { judge } from "../../harness/verdict/analyze.ts";
import type { JudgeInput, Sample } from "../../harness/verdict/types.ts";

describe("recordedEvidence", () => {
  it("holds when the samples cover k6's count (more is normal: a request cut at the stop)", () => {
    expect(recordedEvidence(100, 100).problems).toEqual([]);
    expect(recordedEvidence(100, 101).problems).toEqual([]);
    expect(recordedEvidence(null, 5).checks[0]!.ok).toBe(true);
  });
  it("fails with the numbers when k6 sent more than was recorded", () => {
    const f = recordedEvidence(120, 100);
    expect(f.checks[0]).toEqual({ check: "every request recorded", ok: false, detail: "100 sample(s) for 120 request(s) k6 counted" });
    expect(f.problems[0]).toBe("k6 sent 120 requests but only 100 were recorded: 20 requests never judged (a scenario must record() every request it sends)");
  });
});

describe("judge with unrecorded requests", () => {
  it("a run that would pass is inconclusive when requests went unrecorded", () => {
    const t0 = 1_000_000;
    const samples: Sample[] = Array.from({ length: 3000 }, (_, i) => ({ t: t0 + i * 10, d: 5, s: 200, e: 0, v: i < 1500 ? "v1" : "v2", p: "p", ph: "deploy" }));
    const events = [
      { t: t0 + 5000, kind: "window-start", label: "rollout-1" },
      { t: t0 + 25000, kind: "window-end", label: "rollout-1" },
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
    expect(judge(input).outcome).toBe("pass");
    const v = judge({ ...input, recorded: { sent: 3500, lines: 3000 } });
    expect(v.outcome).toBe("inconclusive");
    expect(v.reasons.join("\n")).toMatch(/k6 sent 3500 requests but only 3000 were recorded/);
  });
});
