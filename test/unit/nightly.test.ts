// Nightly regression: the suite file, the history, the baseline rules and the
// reports (no cluster).
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../harness/config.ts";
import { BASELINE_NIGHTS, disruptionLimit, judgeNight, p99 } from "../../harness/nightly/baseline.ts";
import { appendRecord, nightId, readHistory, type NightRecord, type Result } from "../../harness/nightly/history.ts";
import { nightlyJunit } from "../../harness/nightly/junit.ts";
import { numbersFrom, type NightNumbers } from "../../harness/nightly/numbers.ts";
import { nightlyMarkdown, overallExit, type NightlyEntry } from "../../harness/nightly/report.ts";
import { parseSuite } from "../../harness/nightly/suite.ts";

const numbers = (failed: number, disruptionSeconds: number, over: Partial<NightNumbers> = {}): NightNumbers => ({
  verdict: failed ? "fail" : "pass",
  exitCode: failed ? 1 : 0,
  requests: 1000,
  failed,
  disruptionSeconds,
  rollouts: [{ label: "rollout-1", failed, disruptionSeconds }],
  headline: "h",
  ...over,
});
const rec = (night: number, n: NightNumbers, result: Result = "ok"): NightRecord => ({ ...n, scenario: "web", night: `n${String(night).padStart(3, "0")}`, at: "t", runId: `r${night}`, result });

describe("the suite file", () => {
  it("applies defaults under each scenario's config and keeps the order", () => {
    const s = parseSuite({ defaults: { rate: 120 }, scenarios: [{ name: "a", config: { rate: 50 } }, { name: "b" }] }, "suites/n.yaml");
    expect(s.name).toBe("n");
    expect(s.scenarios.map((x) => [x.name, x.config.rate])).toEqual([["a", 50], ["b", 120]]);
  });

  it("collects every problem: bad and duplicate names, an invalid field, two clusters, unknown keys", () => {
    const bad = () =>
      parseSuite(
        {
          scenarios: [
            { name: "Web", config: {} },
            { name: "a", config: { strategy: "teleport" } },
            { name: "a", config: { provider: "existing", kubeconfig: "/k" } },
          ],
        },
        "s.yaml",
      );
    expect(bad).toThrow(ConfigError);
    try {
      bad();
    } catch (e) {
      const m = (e as Error).message;
      expect(m).toMatch(/scenarios\[0\] 'Web': name must match/);
      expect(m).toMatch(/scenarios\[1\] 'a' is invalid:\n\s+strategy: .*allowed: rolling, blue-green, canary/);
      expect(m).toMatch(/scenarios\[2\] 'a': the name is used twice/);
      expect(m).toMatch(/provider: every scenario of a suite runs on one cluster/);
    }
    expect(() => parseSuite({ scenarios: [{ name: "a" }], extra: 1 }, "s.yaml")).toThrow(/unknown key\(s\) extra \(allowed: name, defaults, scenarios/);
    expect(() => parseSuite({ scenarios: [] }, "s.yaml")).toThrow(/scenarios: at least one scenario/);
  });
});

describe("numbers of a night", () => {
  it("sums outages for the run and gives each rollout the outages that start in its window", () => {
    const o = (start: number, durationMs: number, failed: number) => ({ start, end: start + durationMs, durationMs, failed, requests: failed, histogram: {}, errorsByCode: [] });
    const n = numbersFrom(
      {
        outcome: "fail",
        requests: { total: 900, inDeployWindow: 500, failed: 7, failedInDeployWindow: 6 },
        outages: [o(1500, 1200, 5), o(4500, 0, 1), o(9000, 0, 1)],
        windows: [{ label: "rollout-1", start: 1000, end: 3000, closed: true }, { label: "rollout-2", start: 4000, end: 6000, closed: true }],
        reasons: ["7 of 900 failed"],
      },
      1,
    );
    expect(n).toMatchObject({ failed: 7, disruptionSeconds: 1.2, headline: "7 of 900 failed" });
    expect(n.rollouts).toEqual([
      { label: "rollout-1", failed: 5, disruptionSeconds: 1.2 },
      { label: "rollout-2", failed: 1, disruptionSeconds: 0 },
    ]);
  });
});

describe("the baseline rules", () => {
  it("P99 by nearest rank; the grace is max(5 s, 20 %)", () => {
    expect(p99([1, 2, 3])).toBe(3);
    expect(p99(Array.from({ length: 200 }, (_, i) => i + 1))).toBe(198);
    expect(disruptionLimit(10)).toBe(15);
    expect(disruptionLimit(50)).toBe(60);
  });

  it("the first night is new; a quiet night after quiet nights is ok", () => {
    expect(judgeNight(numbers(0, 0), []).result).toBe("new");
    expect(judgeNight(numbers(0, 0), [rec(1, numbers(0, 0)), rec(2, numbers(0, 0))])).toMatchObject({ result: "ok", problems: [] });
  });

  it("failed requests fail the night, named with the numbers, also per rollout, whatever the baseline", () => {
    const j = judgeNight(numbers(3, 0.4), [rec(1, numbers(0, 0)), rec(2, numbers(0, 0))]);
    expect(j.result).toBe("failed");
    expect(j.problems).toEqual(["3 failed requests of 1000: h", "rollout-1: 3 failed requests"]);
    expect(judgeNight(numbers(3, 0.4), [rec(1, numbers(4, 1)), rec(2, numbers(3, 1))]).result).toBe("failed");
    expect(judgeNight(numbers(3, 0.4), []).result).toBe("failed");
  });

  it("within a declared budget, failures are judged by disruption only: limit P99 + max(5 s, 20 %), both sides of it", () => {
    const base = [rec(1, numbers(4, 10)), rec(2, numbers(6, 20)), rec(3, numbers(5, 30))];
    expect(judgeNight(numbers(9, 36), base, 9).result).toBe("ok"); // limit 30 + 6 = 36
    const j = judgeNight(numbers(9, 36.1), base, 9);
    expect(j.result).toBe("regression");
    expect(j.problems[0]).toBe("disruption 36.1 s above the limit 36.0 s (baseline P99 30.0 s + max(5 s, 20 %))");
    expect(judgeNight(numbers(1, 4.9), [rec(1, numbers(1, 0))], 1).result).toBe("ok"); // limit 0 + 5
  });

  it("regressions, failed and inconclusive nights never join the baseline; an inconclusive night is never ok", () => {
    const history = [rec(1, numbers(0, 0)), rec(2, numbers(50, 20), "regression"), rec(4, numbers(2, 1), "failed"), rec(3, numbers(0, 0, { verdict: "inconclusive" }), "inconclusive")];
    const j = judgeNight(numbers(30, 10), history, 30);
    expect(j.baseline).toMatchObject({ nights: 1, failedMedian: 0 });
    expect(j.result).toBe("regression");
    expect(judgeNight(numbers(0, 0, { verdict: "inconclusive", headline: "too few requests" }), history)).toMatchObject({ result: "inconclusive", problems: ["inconclusive: too few requests"] });
  });

  it(`uses the last ${BASELINE_NIGHTS} good nights`, () => {
    const old = Array.from({ length: 5 }, (_, i) => rec(i, numbers(0, 100)));
    const recent = Array.from({ length: BASELINE_NIGHTS }, (_, i) => rec(10 + i, numbers(0, 1)));
    const j = judgeNight(numbers(0, 7), [...old, ...recent]);
    expect(j.baseline).toMatchObject({ nights: BASELINE_NIGHTS, disruptionP99: 1, limit: 6 });
    expect(j.result).toBe("regression");
  });

  it("a rollback is a regression when no baseline night rolled back", () => {
    expect(judgeNight(numbers(0, 0, { verdict: "rolled-back" }), [rec(1, numbers(0, 0))]).problems).toEqual(["rolled back; no baseline night (1) was"]);
  });
});

describe("the history folder", () => {
  it("appends one record per scenario per night, reads them back oldest first, refuses a second write of a night, skips junk", async () => {
    const dir = await mkdtemp(join(tmpdir(), "nodrop-history-"));
    expect(nightId(new Date("2026-11-22T09:30:05.123Z"))).toBe("n20261122T093005Z");
    await appendRecord(dir, rec(2, numbers(0, 0)));
    await appendRecord(dir, rec(1, numbers(1, 0.5)));
    await expect(appendRecord(dir, rec(1, numbers(0, 0)))).rejects.toThrow(/already exists/);
    await writeFile(join(dir, "web", "zzz.json"), "{not json");
    const h = await readHistory(dir, "web");
    expect(h.records.map((r) => r.night)).toEqual(["n001", "n002"]);
    expect(h.skipped).toHaveLength(1);
    expect((await readHistory(dir, "api")).records).toEqual([]);
  });
});

describe("the night's reports", () => {
  const entry = (scenario: string, n: NightNumbers, history: NightRecord[], budget = 0): NightlyEntry => ({ scenario, runId: `r-${scenario}`, runDir: `reports/runs/r-${scenario}`, numbers: n, judgement: judgeNight(n, history, budget) });
  const quiet = [rec(1, numbers(0, 0)), rec(2, numbers(0, 0))];
  const entries = [entry("web", numbers(12, 2.5), quiet), entry("api", numbers(0, 0), quiet), entry("a<b", numbers(0, 0), [])];

  it("exit 1 on a failed or regressed scenario, else 3 on an inconclusive scenario, else 0", () => {
    expect(overallExit(entries)).toBe(1);
    expect(overallExit([entry("slow", numbers(2, 9), quiet, 5)])).toBe(1);
    expect(overallExit([entries[1]!, entry("x", numbers(0, 0, { verdict: "inconclusive" }), quiet)])).toBe(3);
    expect(overallExit([entries[1]!, entries[2]!])).toBe(0);
  });

  it("report.md: a table row per scenario with result, failures, disruption, baseline and change", () => {
    const md = nightlyMarkdown("nightly", "n1", entries);
    expect(md).toMatch(/\*\*FAILED\*\*: 1 failed of 3 scenarios/);
    expect(md).toContain("| web | ❌ failed | fail | 12 | 2.5 s | 2 nights: median 0 failed, P99 0.0 s (limit 5.0 s) | +12 failed, +2.5 s |");
    expect(md).toContain("| api | ✅ ok | pass | 0 | 0.0 s |");
    expect(md).toMatch(/- \*\*12 failed requests of 1000: h\*\*/);
  });

  it("junit.xml: a suite per scenario, a case per rollout + the whole run, counts on both levels, escaped", () => {
    const xml = nightlyJunit("nightly", "n1", entries);
    expect(xml).toMatch(/<testsuites name="nodrop nightly nightly n1" tests="6" failures="2" errors="0">/);
    expect(xml).toMatch(/<testsuite name="web" tests="2" failures="2" errors="0" skipped="0">/);
    expect(xml).toMatch(/<testcase name="web · rollout-1" classname="nodrop.nightly.nightly">\s*<failure message="rollout-1: 12 failed requests">/);
    expect(xml).toMatch(/<testsuite name="api" tests="2" failures="0" errors="0" skipped="0">/);
    expect(xml).toContain('<testsuite name="a&lt;b"');
    const inc = nightlyJunit("n", "n1", [entry("x", numbers(0, 0, { verdict: "inconclusive", headline: "k6 died" }), quiet)]);
    expect(inc).toMatch(/<error message="inconclusive: k6 died">/);
  });
});
