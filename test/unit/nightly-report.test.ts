// The night's reports: report.md (CI step summary) and junit.xml, and the
// overall exit code.
import { describe, expect, it } from "vitest";
import { judgeNight } from "../../harness/nightly/baseline.ts";
import type { NightRecord } from "../../harness/nightly/history.ts";
import { nightlyJunit } from "../../harness/nightly/junit.ts";
import type { NightNumbers } from "../../harness/nightly/numbers.ts";
import { nightlyMarkdown, overallExit, type NightlyEntry } from "../../harness/nightly/report.ts";

const two = (f1: number, d1: number, f2: number, d2: number) => [
  { label: "rollout-1", failed: f1, disruptionSeconds: d1 },
  { label: "rollout-2", failed: f2, disruptionSeconds: d2 },
];
const night = (f1: number, d1: number, f2: number, d2: number, over: Partial<NightNumbers> = {}): NightNumbers => ({
  verdict: f1 + f2 ? "fail" : "pass",
  exitCode: f1 + f2 ? 1 : 0,
  requests: 4000,
  failed: f1 + f2,
  disruptionSeconds: d1 + d2,
  rollouts: two(f1, d1, f2, d2),
  headline: "the headline",
  ...over,
});
const rec = (i: number, n: NightNumbers): NightRecord => ({ ...n, scenario: "s", night: `n${i}`, at: "t", runId: `r${i}`, result: "ok" });
const history = (k: number, make: () => NightNumbers) => Array.from({ length: k }, (_, i) => rec(i, make()));
const entry = (scenario: string, n: NightNumbers, h: NightRecord[], budget = 0): NightlyEntry => ({
  scenario,
  runId: `run-${scenario}`,
  runDir: `reports/runs/run-${scenario}`,
  numbers: n,
  judgement: judgeNight(n, h, budget),
  ...(budget ? { budget } : {}),
});

// web: tonight rollout-2 fails 3 requests over 4.1 s -> failed (whole run and rollout-2 only), whatever the baseline.
const web = entry("web", night(0, 0, 3, 4.1), history(5, () => night(0, 0, 0, 1.2)));
// api: a budget of 5 failed requests a night; tonight 1, better than the baseline -> ok.
const api = entry("api", night(1, 0.5, 0, 0), history(3, () => night(2, 1, 1, 1)), 5);
// slow: within its budget of 10, but rollout-2's disruption (7 s) is above the baseline's limit -> regression.
const slow = entry("slow", night(0, 0, 2, 7), history(4, () => night(0, 0, 1, 1)), 10);
// db: the first night.
const db = entry("db", night(0, 0, 0, 0), []);
// queue: inconclusive.
const queue = entry("queue", night(0, 0, 0, 0, { verdict: "inconclusive", headline: "only 80 requests in rollout-2" }), history(2, () => night(0, 0, 0, 0)));

describe("overallExit", () => {
  it("1 on any failed or regressed scenario, else 3 on any inconclusive, else 0", () => {
    expect(overallExit([api, queue, web])).toBe(1);
    expect(overallExit([api, queue, slow])).toBe(1);
    expect(overallExit([api, queue, db])).toBe(3);
    expect(overallExit([api, db])).toBe(0);
  });
});

describe("report.md", () => {
  const md = nightlyMarkdown("nightly", "n20261122T093000Z", [web, api, db, queue, slow]);

  it("opens with the suite, the night and the overall result", () => {
    expect(md.split("\n")[0]).toBe("# nodrop nightly: nightly (n20261122T093000Z)");
    expect(md).toContain("**FAILED**: 1 failed, 1 regressed of 5 scenarios; 1 inconclusive");
    expect(nightlyMarkdown("n", "n1", [api, slow])).toContain("**REGRESSION**: 1 regressed of 2 scenarios");
    expect(nightlyMarkdown("n", "n1", [api, queue])).toContain("**INCONCLUSIVE**: 1 of 2 scenarios (no regression)");
    expect(nightlyMarkdown("n", "n1", [api, db])).toContain("**OK**: no regression in 2 scenarios (1 new)");
  });

  it("has one table row per scenario: result, verdict, failed, disruption, baseline, change", () => {
    expect(md).toContain("| scenario | result | verdict | failed | disruption | baseline | change vs baseline |");
    expect(md).toContain("| web | ❌ failed | fail | 3 | 4.1 s | 5 nights: median 0 failed, P99 1.2 s (limit 6.2 s) | +3 failed, +2.9 s |");
    expect(md).toContain("| slow | ❌ regression | fail | 2 | 7.0 s | 4 nights: median 1 failed, P99 1.0 s (limit 6.0 s) | +1 failed, +6.0 s |");
    expect(md).toContain("| api | ✅ ok | fail | 1 | 0.5 s | 3 nights: median 3 failed, P99 2.0 s (limit 7.0 s) | −2 failed, −1.5 s |");
    expect(md).toContain("| db | 🆕 new | pass | 0 | 0.0 s | – | new |");
    expect(md).toContain("| queue | ⚠️ inconclusive | inconclusive | 0 | 0.0 s | 2 nights: median 0 failed, P99 0.0 s (limit 5.0 s) | +0 failed, +0.0 s |");
    const rows = md.split("\n").filter((l) => /^\| (web|api|db|queue|slow) \|/.test(l));
    expect(rows).toHaveLength(5);
  });

  it("has a section per scenario with its problems bulleted and its report path", () => {
    const webSection = md.slice(md.indexOf("### web: failed"), md.indexOf("### api"));
    expect(webSection).toContain("- **3 failed requests of 4000: the headline**");
    expect(webSection).toContain("- **rollout-2: 3 failed requests**");
    expect(webSection).toContain("- rollout-2: 3 failed, disruption 4.1 s");
    expect(webSection).toContain("Run run-web: `reports/runs/run-web/report.md`");
    expect(md).toContain("- **inconclusive: only 80 requests in rollout-2**");
    const apiSection = md.slice(md.indexOf("### api: ok"), md.indexOf("### db"));
    expect(apiSection).not.toContain("- **");
    expect(apiSection).toContain("Accepted risk: up to 5 failed requests a night (maxFailedRequests in the suite)");
    expect(md.slice(md.indexOf("### slow: regression"))).toContain("- **rollout-2: disruption 7.0 s above the limit 6.0 s (baseline P99 1.0 s + max(5 s, 20 %))**");
  });

  it("escapes table cells and text, and is deterministic", () => {
    const odd = entry("a|b", night(0, 0, 0, 0, { verdict: "inconclusive", headline: "<script>x</script>" }), []);
    const out = nightlyMarkdown("s", "n1", [odd]);
    expect(out).toContain("| a\\|b | ⚠️ inconclusive |");
    expect(out).toContain("- **inconclusive: &lt;script&gt;x&lt;/script&gt;**");
    expect(out).not.toContain("<script>");
    expect(nightlyMarkdown("nightly", "n20261122T093000Z", [web, api, db, queue, slow])).toBe(md);
  });
});

describe("junit.xml", () => {
  const xml = nightlyJunit("nightly", "n1", [web, api, db, queue]);
  const suiteOf = (name: string) => xml.slice(xml.indexOf(`<testsuite name="${name}"`), xml.indexOf("</testsuite>", xml.indexOf(`<testsuite name="${name}"`)));

  it("one testsuite per scenario, one testcase per rollout plus the whole run", () => {
    expect(xml.match(/<testsuite /g)).toHaveLength(4);
    expect(xml.match(/<testcase /g)).toHaveLength(12);
    expect(suiteOf("web")).toContain('<testcase name="web · rollout-1" classname="nodrop.nightly.nightly"/>');
    expect(suiteOf("web")).toContain('<testcase name="web · whole run" classname="nodrop.nightly.nightly">\n      <failure message="3 failed requests of 4000: the headline">');
  });

  it("fails only the rollouts that failed requests, and the whole run with every problem", () => {
    const w = suiteOf("web");
    expect(w).toMatch(/<testsuite name="web" tests="3" failures="2" errors="0" skipped="0">/);
    expect(w).toMatch(/<testcase name="web · rollout-2" [^>]*>\s*<failure message="rollout-2: 3 failed requests">/);
    expect(w).toMatch(/whole run[\s\S]*3 failed requests of 4000: the headline\nrollout-2: 3 failed requests/);
    expect(suiteOf("api")).toMatch(/tests="3" failures="0" errors="0"/);
    expect(suiteOf("db")).toMatch(/tests="3" failures="0" errors="0"/);
    expect(suiteOf("api")).not.toContain("<failure");
  });

  it("an inconclusive scenario is an error in every case, never a pass", () => {
    const q = suiteOf("queue");
    expect(q).toMatch(/<testsuite name="queue" tests="3" failures="0" errors="3" skipped="0">/);
    expect(q.match(/<error message="inconclusive: only 80 requests in rollout-2">/g)).toHaveLength(3);
  });

  it("counts on the top level agree with the cases", () => {
    expect(xml).toMatch(/<testsuites name="nodrop nightly nightly n1" tests="12" failures="2" errors="3">/);
    expect(xml.match(/<failure /g)).toHaveLength(2);
    expect(xml.match(/<error /g)).toHaveLength(3);
  });

  it("escapes names, messages and bodies", () => {
    const odd = entry(`a<b&"c'`, night(0, 0, 5, 9, { headline: "x" }), history(1, () => night(0, 0, 0, 0)));
    const out = nightlyJunit("s&t", "n1", [odd]);
    expect(out).toContain('<testsuite name="a&lt;b&amp;&quot;c&apos;" tests="3" failures="2" errors="0" skipped="0">');
    expect(out).toContain('classname="nodrop.nightly.s&amp;t"');
    expect(out).toContain('name="a&lt;b&amp;&quot;c&apos; · whole run"');
    expect(out).not.toMatch(/name="[^"]*<[^"]*"/);
    const ctl = nightlyJunit("s", "n1", [entry("q", night(0, 0, 0, 0, { verdict: "inconclusive", headline: "bad\u0001byte <here>" }), [])]);
    expect(ctl).toContain('<error message="inconclusive: bad\uFFFDbyte &lt;here&gt;">');
  });
});
