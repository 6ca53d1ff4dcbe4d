import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { validateConfig } from "../../harness/config.ts";
import { judge } from "../../harness/verdict/analyze.ts";
import { podsReplacedFrom } from "../../harness/verdict/evidence/pods.ts";
import { readEvents, readSamples } from "../../harness/verdict/samples.ts";
import type { Verdict } from "../../harness/verdict/types.ts";
import { compareTable, wrapCell } from "../../reports/compare.ts";
import { htmlReport } from "../../reports/html.ts";
import { chartData } from "../../reports/chart/data.ts";
import { writeReports, type ReportInput } from "../../reports/index.ts";
import { buildSummary, summaryJson } from "../../reports/json.ts";
import { junitXml, xmlEscape } from "../../reports/junit.ts";
import { markdownReport } from "../../reports/markdown.ts";
import { bar, textTimeline } from "../../reports/timeline-text.ts";
import { FIXTURE_DIR, T0 } from "../fixtures/make-fixtures.ts";
import { Ajv } from "ajv";
import { PROJECT_ROOT } from "../../harness/cluster/provider.ts";

const config = validateConfig({ rate: 80 });

async function verdictOf(name: "valid-pass" | "valid-fail", over: Partial<Parameters<typeof judge>[0]> = {}): Promise<Verdict> {
  const s = await readSamples(join(FIXTURE_DIR, `${name}.ndjson`));
  const e = await readEvents(join(FIXTURE_DIR, `${name}-events.ndjson`));
  return judge({
    samples: s.samples,
    events: e.events,
    evidence: { podsReplaced: podsReplacedFrom(e.events), k6ExitCode: 0 },
    config: { minRequestsInWindow: 1000, targetRate: 80 },
    startedAt: T0 - 1000,
    endedAt: T0 + 25_000,
    dropped: { total: 0, series: [] },
    ...over,
  });
}

const pass = await verdictOf("valid-pass");
const fail = await verdictOf("valid-fail");
const inconclusive = await verdictOf("valid-pass", { config: { minRequestsInWindow: 5000, targetRate: 80 } });
const rolledBack = await verdictOf("valid-fail", {
  evidence: { podsReplaced: true, k6ExitCode: 0, rolledBack: { at: T0 + 16_000, reason: "error rate > 0" } },
});

/** valid-fail with half the requests on fresh connections, drops in the window and requests cancelled at the stop. */
const probed = await (async () => {
  const s = await readSamples(join(FIXTURE_DIR, "valid-fail.ndjson"));
  const e = await readEvents(join(FIXTURE_DIR, "valid-fail-events.ndjson"));
  return judge({
    samples: s.samples.map((x, i) => ({ ...x, c: i % 2 === 0 ? ("new" as const) : ("reuse" as const) })),
    events: e.events,
    evidence: { podsReplaced: true, k6ExitCode: 0 },
    config: { minRequestsInWindow: 1000, targetRate: 80 },
    startedAt: T0 - 1000,
    endedAt: T0 + 25_000,
    dropped: { total: 40, series: [{ t: T0 + 9_500, count: 0 }, { t: T0 + 10_500, count: 30 }, { t: T0 + 24_500, count: 30 }] },
    cancelledAtStop: { "1000": 3 },
  });
})();

// valid-fail with its samples named alternately: the failures fall on both names.
const mixed = await (async () => {
  const s = await readSamples(join(FIXTURE_DIR, "valid-fail.ndjson"));
  const e = await readEvents(join(FIXTURE_DIR, "valid-fail-events.ndjson"));
  return judge({
    samples: s.samples.map((x, i) => ({ ...x, q: i % 3 === 0 ? "POST /api/orders" : "home" })),
    events: e.events,
    evidence: { podsReplaced: true, k6ExitCode: 0 },
    config: { minRequestsInWindow: 1000, targetRate: 80 },
    startedAt: T0 - 1000,
    endedAt: T0 + 25_000,
    dropped: { total: 0, series: [] },
  });
})();
const run = (verdict: Verdict
, over: Partial<ReportInput> = {}): ReportInput => ({ runId: "r1", config, verdict, ...over });

/**
 * A DOM-less well-formedness check: balanced tags, quoted attributes, no raw
 * `<` or stray `&` in text. Returns the element names in document order.
 */
function checkXml(xml: string): string[] {
  const names: string[] = [];
  const stack: string[] = [];
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, "");
  const re = /<(\/?)([A-Za-z][\w.:-]*)((?:\s+[\w.:-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  for (let m = re.exec(body); m; m = re.exec(body)) {
    const text = body.slice(last, m.index);
    expect(text, "raw < in text").not.toMatch(/</);
    expect(text.replace(/&(amp|lt|gt|quot|apos|#\d+);/g, ""), "stray & in text").not.toMatch(/&/);
    last = re.lastIndex;
    const [, close, name, attrs, selfClose] = m;
    expect(attrs!.replace(/&(amp|lt|gt|quot|apos|#\d+);/g, ""), "stray & in attribute").not.toMatch(/&/);
    if (close) {
      expect(stack.pop(), `unbalanced </${name}>`).toBe(name);
    } else {
      names.push(name!);
      if (!selfClose) stack.push(name!);
    }
  }
  expect(body.slice(last).trim(), "trailing junk").toBe("");
  expect(stack, "unclosed tags").toEqual([]);
  return names;
}

describe("summary.json", () => {
  it("has the verdict, numbers, config and ISO times", () => {
    const s = buildSummary(run(fail, { strategy: "rolling (no preStop)" }));
    expect(s.verdict).toBe("fail");
    expect(s.exitCode).toBe(1);
    expect(s.strategy).toBe("rolling (no preStop)");
    expect(s.runId).toBe("r1");
    expect(s.config.rate).toBe(80);
    expect(s.histogram).toEqual({ "0": 36, "200": 1963, "503": 1 });
    expect(s.errorsByCode.map((e) => e.code)).toEqual([1212, 1220]);
    expect(s.requests).toMatchObject({ total: 2000, inDeployWindow: 1201, failed: 37 });
    expect(s.rate).toEqual(fail.rate);
    expect(s.startedAt).toBe("2023-11-14T22:13:19.000Z");
    expect(s.endedAt).toBe("2023-11-14T22:13:45.000Z");
    expect(s.rollback).toEqual({ happened: false, at: null, reason: null });
    expect(s.timeline).toHaveLength(25);
    for (const k of ["windows", "phases", "versions", "outages", "reasons"] as const) expect(Array.isArray(s[k])).toBe(true);
    expect(JSON.parse(summaryJson(run(fail)))).toEqual(JSON.parse(JSON.stringify(buildSummary(run(fail)))));
  });

  it("is valid against docs/schema/summary.schema.json (pass, fail, rolled back, probes, a config)", () => {
    const validate = new Ajv({ strict: false, allErrors: true }).compile(JSON.parse(readFileSync(join(PROJECT_ROOT, "docs", "schema", "summary.schema.json"), "utf8")));
    for (const r of [run(pass), run(fail), run(rolledBack, { expectRollback: true }), run(probed), run(inconclusive)]) {
      const ok = validate(JSON.parse(summaryJson(r)));
      expect(ok, JSON.stringify(validate.errors?.slice(0, 5))).toBe(true);
    }
    // And it can fail: a field of the wrong type is refused.
    expect(validate({ ...JSON.parse(summaryJson(run(pass))), requests: { total: "many" } })).toBe(false);
  });

  it("records the rollback", () => {
    const s = buildSummary(run(rolledBack, { expectRollback: true }));
    expect(s.verdict).toBe("rolled-back");
    expect(s.rollback).toEqual({ happened: true, at: "2023-11-14T22:13:36.000Z", reason: "error rate > 0" });
    expect(s.blastRadius?.failed).toBe(37);
  });
});

describe("report.md", () => {
  const md = markdownReport(run(fail));

  it("starts with the verdict line and its numbers", () => {
    expect(md.split("\n")[0]).toBe("# nodrop FAIL: 37 of 2000 requests failed, 1201 sent during deploy windows (rolling, run r1)");
  });

  it("contains the histogram and the error codes", () => {
    expect(md).toContain("## HTTP status histogram");
    expect(md).toContain("| 0 (connection error) | 36 | 1.80% |");
    expect(md).toContain("| 200 | 1963 | 98.15% |");
    expect(md).toContain("| 503 | 1 | 0.05% |");
    expect(md).toContain("| 1212 | connection refused | 30 |");
    expect(md).toContain("| 1220 | connection reset by peer | 6 |");
  });

  it("contains config, phases, versions, outages and the raw artifact names", () => {
    expect(md).toContain("| maxUnavailable | 0 |");
    expect(md).toContain("| rollout-1 | +5.0s | 15.0 s | 1200 | 37 |");
    expect(md).toMatch(/\| v2 \| 1007 \| 1007 \| 0 \|/);
    expect(md).toContain("| +8.0s | +8.4s | 0.4 s | 30 | 30 |");
    expect(md).toContain("- `samples.ndjson`");
    expect(md).toContain("- `events.ndjson`");
  });

  it("has a per-second text timeline with the version split", () => {
    const tl = textTimeline(pass).split("\n");
    expect(tl).toHaveLength(26); // header + 25 s
    expect(tl[1]).toMatch(/^\s+\+0\.0s\s+80\s+0\s+v1 █+\s+← warmup$/);
    expect(tl[13]).toMatch(/ W v1 █+[▏▎▍▌▋▊▉]? v2 █+/);
    expect(tl[25]).toMatch(/v2 █{40}$/);
    expect(textTimeline(fail)).toContain("FAIL ");
    expect(md).toContain("```text");
  });

  it("draws bars with eighth blocks", () => {
    expect(bar(10, 1)).toBe("██████████");
    expect(bar(2.5, 1)).toBe("██▌");
    expect(bar(0.01, 1)).toBe("▏");
    expect(bar(0, 1)).toBe("");
  });

  it("escapes table cells", () => {
    const v: Verdict = { ...fail, reasons: ["a | b <script>"] };
    const out = markdownReport(run(v, { runId: "x|y" }));
    expect(out).toContain("- a | b &lt;script&gt;");
    expect(out).not.toContain("<script>");
  });
});

describe("a mixed load (requests:) in the reports", () => {
  it("summary.json names its schema and what the run ran on (null when judged from files alone)", () => {
    const ranOn = { nodrop: "0.1.0+abc", kubernetes: "v1.34.4", nodes: ["kubelet v1.34.4, containerd://1.6.20, Debian GNU/Linux 12 (bookworm)"], k6: "v1.8.1", kind: null, app: ["nodrop.local/sample-app:1"] };
    expect(buildSummary(run(mixed, { ranOn }))).toMatchObject({ schemaVersion: 1, ranOn });
    expect(buildSummary(run(mixed)).ranOn).toBeNull();
  });

  it("summary.json counts each request name, the two adding up to the run", () => {
    const byRequest = buildSummary(run(mixed)).byRequest;
    expect(byRequest.map((r) => r.name)).toEqual(["home", "POST /api/orders"]);
    expect(byRequest.reduce((a, r) => a + r.requests, 0)).toBe(mixed.requests.total);
    expect(byRequest.reduce((a, r) => a + r.failed, 0)).toBe(mixed.requests.failed);
    expect(byRequest.every((r) => r.failed > 0 && r.firstFailure !== null)).toBe(true);
    expect(buildSummary(run(fail)).byRequest).toEqual([]);
  });

  it("report.md and report.html have a Requests table only when the load mixed several", () => {
    const md = markdownReport(run(mixed));
    expect(md).toMatch(/## Requests\n\n\| request \| sent \| ok \| failed \| statuses \| first failure \|/);
    expect(md).toMatch(/\| POST \/api\/orders \| \d+ \| \d+ \| [1-9]\d* \|/);
    expect(markdownReport(run(fail))).not.toContain("## Requests");
    expect(htmlReport(run(mixed))).toContain("<h2>Requests</h2>");
    expect(htmlReport(run(fail))).not.toContain("<h2>Requests</h2>");
  });
});

describe("junit.xml", () => {
  it("is well-formed with one testsuite nodrop and one testcase per run", () => {
    const xml = junitXml([run(pass), run(fail, { runId: "r2" }), run(inconclusive, { runId: "r3" })]);
    const names = checkXml(xml);
    expect(names.filter((n) => n === "testsuite")).toHaveLength(1);
    expect(names.filter((n) => n === "testcase")).toHaveLength(3);
    // A fail is a <failure>; an inconclusive run could not be judged: an <error>, as JUnit means them.
    expect(xml).toMatch(/<testsuites name="nodrop" tests="3" failures="1" errors="1"/);
    expect(xml).toMatch(/<testsuite name="nodrop" tests="3" failures="1" errors="1"/);
    expect(xml).toMatch(/<failure message="[^"]*" type="fail">/);
    expect(xml).toMatch(/<error message="[^"]*" type="inconclusive">/);
  });

  it("passes a passing run", () => {
    const xml = junitXml(run(pass));
    checkXml(xml);
    expect(xml).not.toContain("<failure");
    expect(xml).toContain('failures="0"');
  });

  it("passes a rollback only when one was expected", () => {
    expect(junitXml(run(rolledBack, { expectRollback: true }))).not.toContain("<failure");
    const unexpected = junitXml(run(rolledBack));
    checkXml(unexpected);
    expect(unexpected).toContain('type="unexpected-rollback"');
    expect(junitXml(run(pass, { expectRollback: true }))).toContain('type="missing-rollback"');
  });

  it("escapes everything", () => {
    const nasty = `<"it's" & done>\u0001`;
    const xml = junitXml(run({ ...fail, reasons: [nasty] }, { runId: nasty, strategy: nasty }));
    checkXml(xml);
    expect(xml).toContain("&lt;&quot;it&apos;s&quot; &amp; done&gt;");
    expect(xml).not.toContain("\u0001");
    expect(xmlEscape("a\u0000b")).toBe("a\uFFFDb");
  });
});

describe("report.html", () => {
  const html = htmlReport(run(fail));

  it("is self-contained: uPlot and the drawing code inlined, nothing loaded from elsewhere", () => {
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(html).not.toMatch(/<link|<img|<iframe|\bsrc=|url\(|import\(|fetch\(/i);
    expect(html).toContain("uPlot");
    // The only absolute URL is in uPlot's licence comment.
    expect(html.match(/https?:\/\/[^\s"')]+/g)).toEqual(["https://github.com/leeoniya/uPlot"]);
    // Every <script> is closed where it should be: the chart data cannot end it early.
    expect(html.match(/<script/g)!.length).toBe(html.match(/<\/script>/g)!.length);
  });

  it("embeds the chart's data: versions, failures, the deploy window and the outages with their why", () => {
    const json = html.match(/<script type="application\/json">(.*?)<\/script>/s)![1]!;
    const d = JSON.parse(json) as ReturnType<typeof chartData>;
    expect(d.versions).toEqual(["v1", "v2"]);
    expect(d.failed.reduce((a, b) => a + b, 0)).toBe(37);
    expect(d.windows.map((w) => w.label)).toEqual(["rollout-1"]);
    expect(d.outages.length).toBe(fail.outages.length);
    expect(html).toContain("<td>0 (connection error)</td><td>36</td>");
  });

  it("escapes user text", () => {
    const out = htmlReport(run({ ...fail, reasons: ["<b>x</b>"] }, { runId: "<i>" }));
    expect(out).toContain("&lt;b&gt;x&lt;/b&gt;");
    expect(out).not.toContain("<b>x</b>");
    expect(out).not.toContain("<i>");
  });

  it("renders an empty run", () => {
    const empty = judge({
      samples: [],
      events: [],
      evidence: { podsReplaced: false, k6ExitCode: null },
      config: { minRequestsInWindow: 1, targetRate: 1 },
      startedAt: T0,
      endedAt: T0,
      dropped: { total: null, series: [] },
    });
    expect(chartData(empty).x).toEqual([]);
    expect(htmlReport(run(empty))).toContain('class="nodrop-chart"');
    expect(markdownReport(run(empty))).toContain("(no samples)");
    checkXml(junitXml(run(empty)));
  });
});

describe("probes and evidence in the reports", () => {
  it("summary.json has probes, dropped iterations, cancelled at stop, window rates and the evidence checklist", () => {
    const s = buildSummary(run(probed));
    expect(s.probes.map((p) => [p.conn, p.requests, p.failed])).toEqual([
      ["new", 1000, probed.probes[0]!.failed],
      ["reuse", 1000, probed.probes[1]!.failed],
    ]);
    expect(s.probes[0]!.failed + s.probes[1]!.failed).toBe(37);
    expect(s.dropped).toEqual({ total: 40, inWindows: 30, outsideWindows: 10, byWindow: { "rollout-1": 30 }, complete: true });
    expect(s.cancelledAtStop).toEqual({ "1000": 3 });
    expect(s.windowRates).toEqual([expect.objectContaining({ label: "rollout-1", sent: 1201, expected: 1200, ok: true })]);
    expect(s.evidence.find((c) => c.check === "dropped iterations")).toMatchObject({ ok: false });
    expect(s.gaps).toEqual([]);
    expect(s.interrupted).toBeNull();
  });

  it("report.md puts the probes side by side and lists the evidence", () => {
    const md = markdownReport(run(probed));
    expect(md).toContain("## Probes");
    expect(md).toContain("| probe | new connection per request | keep-alive |");
    expect(md).toMatch(/\| requests \| 1000 \| 1000 \|/);
    expect(md).toContain("## Evidence");
    expect(md).toMatch(/\| dropped iterations \| missing \| 40 dropped, 30 inside deploy windows/);
    expect(md).toContain("| rollout-1 | 15.0 s | 1201 | 1200 | 80.07 | ok |");
    expect(md).toContain("Dropped iterations: 40 (30 inside deploy windows: rollout-1 ×30).");
    expect(md).toContain("Cancelled at stop: 1000 generic error ×3.");
  });

  it("report.html has a small probes table and the evidence", () => {
    const html = htmlReport(run(probed));
    expect(html).toContain("<th>new connection per request</th><th>keep-alive</th>");
    expect(html).toContain("<td>requests</td><td>1000</td><td>1000</td>");
    expect(html).toContain("<td>dropped iterations</td><td>missing</td>");
  });

  it("junit.xml has a property per probe", () => {
    const xml = junitXml(run(probed));
    checkXml(xml);
    expect(xml).toContain('<property name="probe.new.requests" value="1000"/>');
    expect(xml).toContain('<property name="probe.reuse.failed"');
    expect(xml).toContain('<property name="dropped.inWindows" value="30"/>');
  });
});

describe("compareTable", () => {
  it("puts variants side by side", () => {
    const t = compareTable([
      { label: "A: no preStop", verdict: fail, reportPath: "reports/runs/a/report.md" },
      { label: "B: preStop 5s", verdict: pass, reportPath: "reports/runs/b/report.md" },
    ]);
    const lines = t.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^\s+A: no preStop\s+B: preStop 5s$/);
    const row = (name: string) => lines.find((l) => l.trimStart().startsWith(name))!.trim().split(/\s{3,}/);
    expect(row("requests in deploy windows")).toEqual(["requests in deploy windows", "1201", "1201"]);
    expect(row("requests")).toEqual(["requests", "2000", "2000"]);
    expect(row("non-200")).toEqual(["non-200", "37", "0"]);
    expect(row("conn 1212")).toEqual(["conn 1212 connection refused", "30", "0"]);
    expect(row("conn 1220")).toEqual(["conn 1220 connection reset by peer", "6", "0"]);
    expect(row("HTTP 503")).toEqual(["HTTP 503", "1", "0"]);
    expect(row("verdict")).toEqual(["verdict", "FAIL", "PASS"]);
    expect(row("report")).toEqual(["report", "reports/runs/a/report.md", "reports/runs/b/report.md"]);
  });
  it("fits 100 columns: long cells (lag sentences, absolute report paths) wrap inside their column", () => {
    const long = "/var/tmp/ci-8NCM/reports/runs/r20261207164518-5118/report.md";
    const t = compareTable([
      { label: "A: no preStop, abrupt shutdown", verdict: fail, reportPath: long },
      { label: "B: preStop sleep 5 s, graceful shutdown", verdict: pass, reportPath: long.replace("5118", "fd6e") },
    ]);
    const lines = t.trimEnd().split("\n");
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(100);
    // Nothing lost: the path's pieces, in order, make the whole path again.
    const [label, a] = lines.find((l) => /^-+ {3}-+/.test(l))!.split("   ").map((d) => d.length);
    const at = lines.findIndex((l) => l.startsWith("report "));
    const pieces = lines.slice(at).map((l) => l.slice(label! + 3, label! + 3 + a!).trim());
    expect(pieces.join("")).toBe(long);
    expect(lines.length - at).toBeGreaterThan(1);
  });
  it("wraps at spaces, then after slashes, else anywhere, keeping an indent", () => {
    expect(wrapCell("median 0.20 s, min 0.03 s, max 1.03 s over 12 pods", 20)).toEqual(["median 0.20 s, min", "0.03 s, max 1.03 s", "over 12 pods"]);
    expect(wrapCell("/var/tmp/ci/reports/runs/r1/report.md", 16)).toEqual(["/var/tmp/ci/", "reports/runs/r1/", "report.md"]);
    expect(wrapCell("  conn 1220 connection reset by peer", 20)).toEqual(["  conn 1220", "connection reset by", "peer"]);
    expect(wrapCell("x".repeat(25), 10)).toEqual(["xxxxxxxxxx", "xxxxxxxxxx", "xxxxx"]);
    // A figure stays with its unit (the demo's table once split "1.53" from "s").
    expect(wrapCell("(kube-proxy's own mean: 1.53 s over 99 changes)", 29)).toEqual(["(kube-proxy's own mean:", "1.53 s over 99 changes)"]);
  });
});

describe("writeReports", () => {
  const dir = mkdtempSync(join(tmpdir(), "nodrop-reports-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("writes summary.json, report.md, junit.xml and report.html", async () => {
    const paths = await writeReports(join(dir, "run"), run(fail));
    expect(JSON.parse(readFileSync(paths.summary, "utf8")).verdict).toBe("fail");
    expect(readFileSync(paths.markdown, "utf8")).toContain("| 503 | 1 | 0.05% |");
    checkXml(readFileSync(paths.junit, "utf8"));
    expect(readFileSync(paths.html, "utf8")).toContain(`class="nodrop-chart"`);
  });
});

describe("the A/B page", () => {
  it("has the comparison table, then a chart and an outage table per run, with uPlot once", async () => {
    const { compareHtml } = await import("../../reports/compare-html.ts");
    const page = compareHtml("demo <x>", [
      { label: "A", verdict: fail, reportPath: "a/report.md", reportHref: "a/report.html" },
      { label: "B", verdict: pass, reportPath: "b/report.md", reportHref: "b/report.html" },
    ], "A dropped requests, B dropped none.");
    expect(page.match(/class="nodrop-chart"/g)).toHaveLength(2);
    expect(page.match(/uPlot=/g)?.length ?? page.match(/var uPlot/g)?.length).toBe(1);
    expect(page).toContain("<td>non-200</td><td>37</td><td>0</td>");
    expect(page).toContain('href="a/report.html"');
    expect(page).toContain("<h1>demo &lt;x&gt;</h1>");
    expect(page).toContain("<p>No outages.</p>");
  });
});

describe("the ingress path in the reports", () => {
  const withIngress: Verdict = {
    ...pass,
    ingressLag: { controller: "Traefik v3.6.12", pods: [{ pod: "p", ms: 1950 }], minMs: 1950, medianMs: 1950, maxMs: 1950, cutShort: 0 },
    trafficShares: [
      { percent: 10, canaryVersion: "v2", start: T0, end: T0 + 3000, requests: 900, canaryShare: 10.1, withinTolerance: true },
      { percent: 50, canaryVersion: "v2", start: T0 + 3000, end: T0 + 6000, requests: 900, canaryShare: 61, withinTolerance: false },
    ],
  };
  it("markdown and html give the controller's lag and the traffic share per step against its weight", () => {
    const md = markdownReport(run(withIngress));
    expect(md).toMatch(/The ingress controller \(Traefik v3\.6\.12\) still sent requests to a deleted pod median 1\.95 s/);
    expect(md).toMatch(/## Traffic share by canary step/);
    expect(md).toMatch(/\| 10 % \| v2 \| 900 \| 10\.1 % \| yes \|/);
    expect(md).toMatch(/\| 50 % \| v2 \| 900 \| 61\.0 % \| \*\*no\*\* \|/);
    const html = htmlReport(run(withIngress));
    expect(html).toMatch(/<h2>Traffic share by canary step<\/h2>/);
    expect(html).toMatch(/The ingress controller \(Traefik v3\.6\.12\) still sent requests/);
    expect(buildSummary(run(withIngress)).trafficShares).toHaveLength(2);
  });
  it("the NodePort path has neither", () => {
    expect(markdownReport(run(pass))).not.toMatch(/ingress controller|Traffic share/);
    expect(buildSummary(run(pass))).toMatchObject({ ingressLag: null, trafficShares: null });
  });
});
