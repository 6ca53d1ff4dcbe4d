// The verdict never passes on partial evidence: one describe per rule.
import { describe, expect, it } from "vitest";
import { judge } from "../../harness/verdict/analyze.ts";
import { attributeDropped } from "../../harness/verdict/evidence/dropped.ts";
import { readFileSync } from "node:fs";
import type { JudgeInput, Sample } from "../../harness/verdict/types.ts";
import { T0 } from "../fixtures/make-fixtures.ts";
import { fx, input, judgeFixture, loadFixture, sample, steady } from "./verdict-helpers.ts";

/** The pass input of verdict-helpers: 100 req/s for 5 s, a 2 s window at +1 s…+3 s. */
const base = () => steady(T0, 500, 10);
const check = (v: ReturnType<typeof judge>, name: string) => v.evidence.find((c) => c.check === name);

describe("dropped iterations", () => {
  const series = (...pts: Array<[number, number]>) => pts.map(([off, count]) => ({ t: T0 + off, count }));

  it("counts drops between two polls against a window the interval overlaps", () => {
    const d = attributeDropped(
      { total: 30, series: series([500, 0], [1500, 10], [2500, 10], [3500, 25], [4500, 25]) },
      [{ label: "rollout-1", start: T0 + 1000, end: T0 + 3000, closed: true }],
      T0 - 1000,
      T0 + 5000,
    );
    // (+0.5, +1.5]: 10 in the window; (+2.5, +3.5]: 15 overlapping its end; after +4.5: 5 outside.
    expect(d).toEqual({ total: 30, inWindows: 25, outsideWindows: 5, byWindow: { "rollout-1": 25 }, complete: true });
  });

  it("is inconclusive when k6 dropped iterations inside a deploy window, with the numbers", () => {
    const v = judge(input({ samples: base(), dropped: { total: 2237, series: series([500, 0], [1500, 1204], [4500, 1204]) } }));
    expect(v.outcome).toBe("inconclusive");
    expect(v.reasons[0]).toBe(
      "k6 could not send 2,237 planned requests (dropped_iterations), 1,204 of them inside deploy windows (rollout-1 ×1,204): " +
        "the load generator fell behind, so requests users would have sent were never judged",
    );
    expect(v.dropped).toMatchObject({ total: 2237, inWindows: 1204, outsideWindows: 1033 });
    expect(check(v, "dropped iterations")).toMatchObject({ ok: false });
  });

  it("counts drops after the last poll (total − last poll) up to endedAt", () => {
    // The last poll is before the window: the 7 drops after it may be inside.
    const v = judge(input({ samples: base(), dropped: { total: 7, series: series([500, 0]) } }));
    expect(v.outcome).toBe("inconclusive");
    expect(v.dropped.inWindows).toBe(7);
  });

  it("counts every drop against the windows when there is a total but no poll", () => {
    const v = judge(input({ samples: base(), dropped: { total: 3, series: [] } }));
    expect(v.outcome).toBe("inconclusive");
    expect(v.dropped).toMatchObject({ total: 3, inWindows: 3 });
  });

  it("only notes drops outside the windows", () => {
    const v = judge(input({ samples: base(), dropped: { total: 12, series: series([100, 0], [600, 5], [3600, 5], [4600, 12]) } }));
    expect(v.outcome).toBe("pass");
    expect(v.reasons).toContain("note: k6 could not send 12 planned requests (dropped_iterations), none inside deploy windows");
    expect(check(v, "dropped iterations")).toMatchObject({ ok: true });
  });

  it("is inconclusive when the dropped iterations are unknown", () => {
    const v = judge(input({ samples: base(), dropped: { total: null, series: [] } }));
    expect(v.outcome).toBe("inconclusive");
    expect(v.reasons[0]).toMatch(/^dropped iterations unknown/);
    expect(v.dropped.total).toBeNull();
  });

  it("is inconclusive without a final total when the last poll was before a window ended", () => {
    const v = judge(input({ samples: base(), dropped: { total: null, series: series([500, 0], [1500, 0]) } }));
    expect(v.outcome).toBe("inconclusive");
    expect(v.reasons[0]).toMatch(/^dropped iterations unknown after \+1\.5s/);
    // Polled past every window: complete enough.
    const ok = judge(input({ samples: base(), dropped: { total: null, series: series([500, 0], [3500, 0], [4500, 0]) } }));
    expect(ok.outcome).toBe("pass");
  });

  it("keeps fail: failed requests are evidence", () => {
    const s = base();
    s[150] = sample(s[150]!.t, 0, "", 1212);
    const v = judge(input({ samples: s, dropped: { total: 50, series: [] } }));
    expect(v.outcome).toBe("fail");
    expect(v.reasons.some((r) => r.startsWith("note: k6 could not send 50 planned requests"))).toBe(true);
  });
});

describe("achieved rate inside each deploy window", () => {
  it("is inconclusive below 95 % of the target, naming the window and the numbers", () => {
    // 80 req/s inside the window for a 100 req/s target.
    const s = [...steady(T0, 100, 10), ...steady(T0 + 1000, 161, 12.5), ...steady(T0 + 3010, 199, 10)];
    const v = judge(input({ samples: s }));
    expect(v.outcome).toBe("inconclusive");
    expect(v.reasons[0]).toContain("only 161 requests were sent inside rollout-1");
    expect(v.reasons[0]).toContain("80.5 % of the 200 expected at 100 req/s");
    expect(v.windowRates).toEqual([
      { label: "rollout-1", start: T0 + 1000, end: T0 + 3000, durationMs: 2000, sent: 161, expected: 200, achieved: 80.5, ok: false },
    ]);
  });

  it("allows one request of slack in a very short window", () => {
    const events = [
      { t: T0 + 1000, kind: "window-start", label: "swap" },
      { t: T0 + 1030, kind: "window-end", label: "swap" },
    ];
    // 30 ms at 100 req/s: 3 expected, 2 sent (1000, 1020) is within 0.95 × 3 − 1.
    const s = [...steady(T0, 101, 10), sample(T0 + 1020), ...steady(T0 + 1040, 300, 10)];
    const v = judge(input({ samples: s, events, config: { minRequestsInWindow: 1, targetRate: 100 }, evidence: { podsReplaced: true, k6ExitCode: 0 } }));
    expect(v.windowRates[0]).toMatchObject({ sent: 2, expected: 3, ok: true });
    expect(v.outcome).toBe("pass");
  });
});

describe("gaps inside deploy windows", () => {
  it("is inconclusive when no request was sent for longer than max(1 s, 5000/rate ms)", () => {
    const s: Sample[] = base().filter((x) => x.t < T0 + 1500 || x.t >= T0 + 2700);
    const v = judge(input({ samples: s, config: { minRequestsInWindow: 50, targetRate: 100 } }));
    expect(v.outcome).toBe("inconclusive");
    expect(v.gaps).toEqual([{ window: "rollout-1", start: T0 + 1490, end: T0 + 2700, durationMs: 1210, limitMs: 1000 }]);
    expect(v.reasons).toContain("no request was sent for 1210 ms inside rollout-1, +1.5s…+2.7s (limit 1000 ms at 100 req/s): a gap in the evidence");
  });

  it("counts the time from the window start to its first request", () => {
    const s = base().filter((x) => x.t < T0 + 900 || x.t >= T0 + 2100);
    const v = judge(input({ samples: s, config: { minRequestsInWindow: 50, targetRate: 100 } }));
    expect(v.gaps[0]).toMatchObject({ start: T0 + 1000, end: T0 + 2100, durationMs: 1100 });
  });

  it("scales the limit with a low rate", () => {
    // 2 req/s: the limit is 2.5 s, a request every 500 ms has no gap.
    const s = steady(T0, 10, 500);
    const v = judge(input({ samples: s, config: { minRequestsInWindow: 3, targetRate: 2 } }));
    expect(v.gaps).toEqual([]);
    expect(v.outcome).toBe("pass");
  });
});

describe("interrupted", () => {
  it("is inconclusive when the harness was interrupted", () => {
    const v = judge(input({ samples: base(), evidence: { podsReplaced: true, k6ExitCode: 0, interrupted: "SIGINT" } }));
    expect(v.outcome).toBe("inconclusive");
    expect(v.reasons[0]).toBe("interrupted by SIGINT at +5.0s: the run did not finish");
    expect(v.interrupted).toBe("SIGINT");
  });

  it("keeps fail when requests already failed", () => {
    const s = base();
    s[150] = sample(s[150]!.t, 0, "", 1212);
    const v = judge(input({ samples: s, evidence: { podsReplaced: true, k6ExitCode: 0, interrupted: "SIGTERM" } }));
    expect(v.outcome).toBe("fail");
    expect(v.reasons).toContain("note: interrupted by SIGTERM at +5.0s: the run did not finish");
  });

  it("is null when not interrupted", () => {
    expect(judge(input({ samples: base() })).interrupted).toBeNull();
  });
});

describe("cancelled at stop", () => {
  it("carries the count per k6 error code into the verdict and a note", () => {
    const v = judge(input({ samples: base(), cancelledAtStop: { "1000": 12 } }));
    expect(v.outcome).toBe("pass");
    expect(v.cancelledAtStop).toEqual({ "1000": 12 });
    expect(v.reasons).toContain("note: 12 requests in flight when the harness stopped k6 were cancelled by the stop and left out (1000 generic error ×12)");
    expect(judge(input({ samples: base() })).cancelledAtStop).toEqual({});
  });
});

describe("probes side by side", () => {
  it("has one ProbeStats per connection kind present", () => {
    const s: Sample[] = base().map((x, i) => (i % 2 === 0 ? { ...x, c: "new" as const } : { ...x, c: "reuse" as const }));
    s[150] = { ...sample(s[150]!.t, 0, "", 1212), c: "new" };
    s[401] = { ...sample(s[401]!.t, 503), c: "reuse" };
    s.push(sample(T0 + 4995));
    const v = judge(input({ samples: s }));
    expect(v.probes.map((p) => p.conn)).toEqual(["new", "reuse", ""]);
    expect(v.probes[0]).toEqual({
      conn: "new",
      requests: 250,
      failed: 1,
      inDeployWindow: 101,
      failedInDeployWindow: 1,
      histogram: { "0": 1, "200": 249 },
      errorsByCode: [{ code: 1212, name: "connection refused", count: 1 }],
    });
    expect(v.probes[1]).toMatchObject({ conn: "reuse", requests: 250, failed: 1, inDeployWindow: 100, failedInDeployWindow: 0, histogram: { "200": 249, "503": 1 } });
    expect(v.probes[2]).toMatchObject({ conn: "", requests: 1 });
  });

  it("is empty without samples", () => {
    expect(judge(input({ samples: [] })).probes).toEqual([]);
  });
});

describe("evidence checklist", () => {
  it("lists every check with its numbers, all ok on a pass", () => {
    const v = judge(input({ samples: base() }));
    expect(v.evidence.map((c) => c.check)).toEqual([
      "run finished",
      "cluster healthy",
      "samples",
      "deploy windows",
      "requests in deploy windows",
      "pods replaced",
      "k6 exit",
      "sample lines",
      "dropped iterations",
      "rate in rollout-1",
      "gaps in deploy windows",
    ]);
    expect(v.evidence.every((c) => c.ok)).toBe(true);
    expect(check(v, "requests in deploy windows")!.detail).toBe("201 (minimum 100)");
  });

  it("marks missing evidence", () => {
    const v = judge(input({ samples: base(), evidence: { podsReplaced: false, k6ExitCode: 0 } }));
    expect(check(v, "pods replaced")).toMatchObject({ ok: false });
  });
});

describe("fixtures", () => {
  it("k6 killed: a non-zero exit code or an error without one is inconclusive", async () => {
    const f = await loadFixture("valid-pass");
    const killed = judgeFixture(f, { evidence: { podsReplaced: true, k6ExitCode: 137, k6Error: "killed (SIGKILL)" } });
    expect(killed.outcome).toBe("inconclusive");
    expect(killed.reasons[0]).toBe("k6 exited with code 137: killed (SIGKILL), so the traffic record may be incomplete");
    const noCode = judgeFixture(f, { evidence: { podsReplaced: true, k6ExitCode: null, k6Error: "k6 ended with exit code ? (signal SIGKILL, via sigkill)" } });
    expect(noCode.outcome).toBe("inconclusive");
    expect(check(noCode, "k6 exit")).toMatchObject({ ok: false });
  });

  it("an empty samples file is inconclusive", async () => {
    const f = await loadFixture("empty", "valid-pass");
    expect(f).toMatchObject({ samples: [], malformedLines: 0, missing: false });
    const v = judgeFixture(f);
    expect(v.outcome).toBe("inconclusive");
    expect(v.reasons[0]).toBe("no samples: k6 recorded no requests");
  });

  it("a truncated last line is malformed, so inconclusive", async () => {
    expect(readFileSync(fx("truncated.ndjson"), "utf8").endsWith("\n")).toBe(false);
    const f = await loadFixture("truncated");
    expect(f.malformedLines).toBe(1);
    const v = judgeFixture(f, { config: { minRequestsInWindow: 100, targetRate: 80 } });
    expect(v.outcome).toBe("inconclusive");
    expect(v.reasons[0]).toMatch(/^1 malformed sample line /);
  });

  it("a second with no requests inside the window is inconclusive", async () => {
    const f = await loadFixture("quiet-second");
    const v = judgeFixture(f, { config: { minRequestsInWindow: 100, targetRate: 80 } });
    expect(v.outcome).toBe("inconclusive");
    expect(v.gaps).toHaveLength(1);
    expect(v.gaps[0]).toMatchObject({ window: "rollout-1", end: T0 + 3000 });
    expect(v.windowRates[0]).toMatchObject({ label: "rollout-1", ok: false });
  });

  it("dropped iterations inside the window are inconclusive", async () => {
    const dropped = JSON.parse(readFileSync(fx("valid-pass-dropped.json"), "utf8")) as JudgeInput["dropped"];
    const v = judgeFixture(await loadFixture("valid-pass"), { dropped });
    expect(v.outcome).toBe("inconclusive");
    expect(v.reasons[0]).toBe(
      "k6 could not send 1,237 planned requests (dropped_iterations), 1,200 of them inside deploy windows (rollout-1 ×1,200): " +
        "the load generator fell behind, so requests users would have sent were never judged",
    );
  });
});

describe("a cluster component that died mid-run", () => {
  const fault = { at: T0 + 2000, component: "kube-apiserver", message: "kube-apiserver (pid 4242) is not running\nlast lines of its log" };
  const full = () => steady(T0, 500, 10);

  it("is never a pass: inconclusive naming the component", () => {
    const v = judge(input({ samples: full(), evidence: { podsReplaced: true, k6ExitCode: 0, fault } }));
    expect(v.outcome).toBe("inconclusive");
    expect(v.reasons[0]).toMatch(/infrastructure fault: kube-apiserver \(pid 4242\) is not running \(seen at \+2\.0s\)/);
    expect(v.evidence.find((c) => c.check === "cluster healthy")?.ok).toBe(false);
  });

  it("counts failures sent after the fault (or just before its detection) as the fault's: inconclusive, not fail", () => {
    const samples = full().map((s) => (s.t >= T0 + 1500 && s.t < T0 + 1600 ? sample(s.t, 0, "", 1212) : s));
    const v = judge(input({ samples, evidence: { podsReplaced: true, k6ExitCode: 0, fault } }));
    expect(v.outcome).toBe("inconclusive");
    expect(v.reasons.join("\n")).toMatch(/10 failed requests were sent from \+1\.0s on, when kube-apiserver may already have been down: counted as the fault's/);
  });

  it("keeps fail when requests failed before the fault", () => {
    const samples = full().map((s) => (s.t === T0 + 200 ? sample(s.t, 0, "", 1212) : s));
    const v = judge(input({ samples, evidence: { podsReplaced: true, k6ExitCode: 0, fault } }));
    expect(v.outcome).toBe("fail");
  });
});
