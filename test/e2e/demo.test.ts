// Issue: the main job. Given the local cluster, when the preStop demo runs,
// then variant A (no preStop, abrupt shutdown) drops requests and variant B
// (preStop sleep 5 s, graceful shutdown) drops none over >= 1000 requests in
// its deploy windows; and every run leaves its artifacts in its folder.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkReportPage } from "../browser/report-check.ts";
import { nodrop, reportHead, runDirsIn, summaryOf, unexplainedOutages } from "./helpers.ts";

let demo: { a: string; b: string; page: string } | undefined;

describe("preStop demo", () => {
  it("A fails with dropped requests, B passes with none, exit 0", async () => {
    const r = await nodrop(["demo"]);
    const [a, b] = runDirsIn(r.output);
    expect(a && b, r.output).toBeTruthy();
    const page = r.output.match(/A and B side by side: (\S+\.html)/)?.[1];
    demo = { a: a!, b: b!, page: page ? join(process.cwd(), page) : "" };
    const explain = `${r.output.slice(-3000)}\n--- A ---\n${await reportHead(a!)}\n--- B ---\n${await reportHead(b!)}`;
    expect(r.exitCode, explain).toBe(0);

    const A = await summaryOf(a!);
    const B = await summaryOf(b!);
    expect(A.verdict, explain).toBe("fail");
    const nonOkA = Object.entries(A.histogram).filter(([s]) => s !== "200").reduce((n, [, c]) => n + c, 0);
    expect(nonOkA).toBeGreaterThan(0);
    // Why: each outage names the pod(s) whose deletion it followed (issue 10).
    expect(A.outages.length).toBeGreaterThan(0);
    expect(unexplainedOutages(A), explain).toEqual([]);
    // The propagation lag, from new connections that deleted pods still answered, in both summaries.
    for (const s of [A, B]) {
      expect(s.lag?.requests).toBe("new");
      expect(s.lag!.pods.length).toBeGreaterThan(0);
    }
    expect(r.output).toMatch(/deleted pods answered new conns for\s+median/);
    // kube-proxy's side of it, from its metrics: every deleted pod's endpoint out of service → kube-proxy synced.
    for (const s of [A, B]) {
      expect(s.proxyLag?.pods.length, JSON.stringify(s.proxyLag)).toBeGreaterThan(0);
      expect(s.proxyLag!.programming?.count).toBeGreaterThan(0);
    }
    expect(r.output).toMatch(/endpoint out of service → kube-proxy synced\s+median/);

    expect(B.verdict, explain).toBe("pass");
    expect(Object.keys(B.histogram)).toEqual(["200"]);
    expect(B.requests.inDeployWindow).toBeGreaterThanOrEqual(1000);
    // Both probes ran side by side, and B passed on each: fresh connections too.
    for (const conn of ["new", "reuse"]) {
      const p = B.probes.find((x) => x.conn === conn);
      expect(p, `${conn} probe in ${JSON.stringify(B.probes)}`).toBeDefined();
      expect(p!.inDeployWindow).toBeGreaterThan(0);
      expect(p!.failed).toBe(0);
    }
    expect(B.evidence.every((c) => c.ok), JSON.stringify(B.evidence)).toBe(true);
    // Latency judged too, and within its limit: the new version answered about as fast as the warm-up.
    expect(B.latency!.baseline, explain).not.toBeNull();
    for (const w of B.latency!.windows) {
      expect(w.limitMs, JSON.stringify(w)).not.toBeNull();
      expect(w.over, JSON.stringify(w)).toBe(false);
    }
    expect(B.config["preStopSleep"]).toBe(5);
    expect(A.config["preStopSleep"]).toBe(0);
    for (const s of [A, B]) {
      expect(s.config["replicas"]).toBeGreaterThanOrEqual(4);
      expect(s.config["rollouts"]).toBeGreaterThanOrEqual(3);
      expect(s.rate.target).toBeGreaterThanOrEqual(300);
      expect(s.strategy).toMatch(/rolling/);
      expect(Date.parse(s.endedAt)).toBeGreaterThan(Date.parse(s.startedAt));
      expect(s.requests.total).toBeGreaterThan(s.requests.inDeployWindow);
    }
    // The table shows both variants side by side.
    expect(r.output).toMatch(/requests in deploy windows/);
    expect(r.output).toMatch(/A dropped requests, B dropped none/);
    for (const dir of [a!, b!]) {
      for (const f of ["samples.ndjson", "events.ndjson", "k6.log", "scenario.js", "manifests.yaml", "summary.json", "report.md", "junit.xml"]) {
        expect(existsSync(join(dir, f)), `${dir}/${f}`).toBe(true);
      }
    }
  });

  it("A's report and the A/B page render in headless Chromium: failures, outages and pod marks, the why on hover", async (ctx) => {
    if (!demo) return ctx.skip("the demo did not run");
    const shot = join(demo.a, "report.png");
    const A = await checkReportPage(join(demo.a, "report.html"), shot);
    const summary = await summaryOf(demo.a);
    const explain = JSON.stringify(A, null, 1);
    expect(A.errors, explain).toEqual([]);
    expect(A.charts, explain).toHaveLength(1);
    const c = A.charts[0]!;
    expect(c.error, explain).toBeNull();
    expect(c.series.some((x) => /^failed/.test(x)), explain).toBe(true);
    expect(c.series.filter((x) => /req\/s/.test(x)).length, explain).toBeGreaterThanOrEqual(2);
    expect(c.outagesDrawn, explain).toBe(summary.outages.length);
    expect(c.marksDrawn, explain).toBeGreaterThan(0);
    expect(c.marksDrawn, explain).toBe(c.marks);
    expect(c.windowsDrawn, explain).toBeGreaterThanOrEqual(3);
    // Hovering the first outage shows its explanation, naming a pod.
    expect(A.outageTip, explain).toMatch(/outage \+[\d.]+ s/);
    expect(A.outageTip!, explain).toContain(summary.outages[0]!.cause!.pods[0]!);
    expect(existsSync(shot)).toBe(true);

    expect(demo.page, "the demo printed its A/B page").toMatch(/demo-.*\.html$/);
    const AB = await checkReportPage(demo.page, join(demo.a, "demo.png"));
    expect(AB.errors, JSON.stringify(AB)).toEqual([]);
    expect(AB.charts.map((x) => x.error)).toEqual([null, null]);
    expect(AB.charts[0]!.outagesDrawn).toBeGreaterThan(0);
    expect(AB.charts[1]!.outages).toBe(0);
  });
});
