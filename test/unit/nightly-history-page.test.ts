// history.html's data and page: each night judged against the limits of the
// nights before it, tool changes and bad nights marked, runs linked.
import { describe, expect, it } from "vitest";
import { disruptionLimit, latencyLimit } from "../../harness/nightly/baseline.ts";
import { historyChartData } from "../../harness/nightly/history-data.ts";
import { historyHtml } from "../../harness/nightly/history-html.ts";
import type { NightRecord } from "../../harness/nightly/history.ts";
import type { RunVersions } from "../../harness/run-versions.ts";

const tools = (k6: string): RunVersions => ({ nodrop: "0.1.0", kubernetes: "v1.31.0", nodes: ["kubelet v1.31.0"], k6, kind: null, app: ["app:1"] });
const rec = (i: number, over: Partial<NightRecord> = {}): NightRecord => ({
  scenario: "web",
  night: `n2026120${i}T010000Z`,
  at: `2026-12-0${i}T01:00:00.000Z`,
  runId: `r${i}`,
  result: "ok",
  verdict: "pass",
  exitCode: 0,
  requests: 3000,
  failed: 0,
  disruptionSeconds: 0,
  rollouts: [{ label: "rollout-1", failed: 0, disruptionSeconds: 0, p99Ms: 100 + i }],
  headline: "no failed requests",
  ranOn: tools("v1.8.1"),
  ...over,
});

describe("historyChartData", () => {
  const records = [
    rec(1, { result: "new", disruptionSeconds: 2 }),
    rec(2, { disruptionSeconds: 1 }),
    rec(3, { result: "failed", verdict: "fail", failed: 40, disruptionSeconds: 3.5, headline: "40 failed" }),
    rec(4, { ranOn: tools("v1.9.0") }),
  ];
  const d = historyChartData("web", records, { budget: 2, href: (id) => (id === "r1" ? null : `../runs/${id}/report.html`) });

  it("has one point per night, oldest first, with its numbers and its run's link (null once the folder is gone)", () => {
    expect(d.nights.map((n) => [n.night, n.result, n.failed, n.href])).toEqual([
      ["n20261201T010000Z", "new", 0, null],
      ["n20261202T010000Z", "ok", 0, "../runs/r2/report.html"],
      ["n20261203T010000Z", "failed", 40, "../runs/r3/report.html"],
      ["n20261204T010000Z", "ok", 0, "../runs/r4/report.html"],
    ]);
    expect(d.nights.map((n) => n.x)).toEqual(records.map((r) => Date.parse(r.at) / 1000));
    expect(d.budget).toBe(2);
    expect(d.rollouts).toEqual(["rollout-1"]);
  });

  it("bands each night with the limits of the baseline before it: none for the first, and a failed night never joins a baseline", () => {
    expect(d.nights.map((n) => n.disruptionLimit)).toEqual([null, disruptionLimit(2), disruptionLimit(2), disruptionLimit(2)]);
    expect(d.nights.map((n) => n.p99LimitMs["rollout-1"])).toEqual([null, latencyLimit(101), latencyLimit(102), latencyLimit(102)]);
    expect(d.nights[3]!.p99Ms).toEqual({ "rollout-1": 104 });
  });

  it("names the tools that changed since the night before", () => {
    expect(d.nights.map((n) => n.toolsChanged)).toEqual([[], [], [], ["k6: v1.8.1 → v1.9.0"]]);
  });
});

describe("historyHtml", () => {
  const d = historyChartData("web <a>", [rec(1, { result: "new" }), rec(2, { result: "regression", verdict: "pass" })], { href: (id) => `../runs/${id}/report.html` });
  const page = historyHtml("suite", "n20261202T010000Z", [d]);

  it("is one self-contained page: uPlot and the drawing code inlined, no external reference", () => {
    expect(page).toContain("uPlot");
    expect(page).toContain("nodropHistory");
    expect(page).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it("has three charts per scenario, data inlined safely, and a row per night linking its run, newest first", () => {
    expect(page.match(/class="nodrop-history"/g)).toHaveLength(3);
    expect(page).not.toContain("web <a>");
    expect(page).toContain("web \\u003ca>");
    const rows = [...page.matchAll(/<tr data-result="(\w+)">.*?<a href="([^"]+)">/g)].map((m) => [m[1], m[2]]);
    expect(rows).toEqual([
      ["regression", "../runs/r2/report.html"],
      ["new", "../runs/r1/report.html"],
    ]);
    expect(page).toMatch(/data-metric="failed" data-nights="2" data-bad="1"/);
  });
});
