// Issue 8 (nightly regression). Given a suite of two scenarios and an empty
// history, when the suite runs twice, then the first night records the
// baseline and the second passes against it; when a third night runs with
// preStop removed from one scenario (and an abrupt shutdown), then it exits 1
// and report.md and junit.xml name that scenario and its numbers: any failed
// request fails a night (zero tolerance, issue 25), whatever the baseline.
//
// Both probes (new connection per request and keep-alive), as the product
// runs by default.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../harness/cluster/provider.ts";
import { nodrop } from "./helpers.ts";
import { checkHistoryPage } from "../browser/history-check.ts";
import { fileURLToPath } from "node:url";

const DEFAULTS = `defaults:
  strategy: rolling
  replicas: 3
  rollouts: 1
  rate: 150
  workMs: 20
  warmup: 3
  cooldown: 3
  requestTimeout: 3
  maxSurge: 1
  maxUnavailable: 0
  analysisMaxErrorRate: 1
  minRequestsInWindow: 500
`;

function suiteFile(dir: string, webConfig: string): string {
  const file = join(dir, "e2e-nightly.yaml");
  writeFileSync(
    file,
    `name: e2e-nightly
${DEFAULTS}scenarios:
  - name: web
    config: ${webConfig}
  - name: api
    config: { preStopSleep: 5, shutdown: graceful, rate: 100 }
`,
  );
  return file;
}

/** The night's folder named in the output ("reports: <dir>/report.md, ..."). */
function nightDir(output: string): string {
  const m = /report: (\S+)\/report\.md, /.exec(output);
  if (!m) throw new Error(`no nightly report in the output:\n${output.slice(-2000)}`);
  return join(PROJECT_ROOT, m[1]!);
}

describe("nodrop nightly", () => {
  it("night 1 records the baseline, night 2 passes, night 3 without preStop on 'web' exits 1 naming web and its numbers", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nodrop-nightly-"));
    const history = join(dir, "history");
    const good = suiteFile(dir, "{ preStopSleep: 5, shutdown: graceful }");

    const n1 = await nodrop(["nightly", good, "--history", history]);
    expect(n1.exitCode, n1.output.slice(-4000)).toBe(0);
    expect(n1.output).toMatch(/web: new/);
    expect(n1.output).toMatch(/api: new/);
    expect(readdirSync(join(history, "web"))).toHaveLength(1);

    const n2 = await nodrop(["nightly", good, "--history", history]);
    expect(n2.exitCode, n2.output.slice(-4000)).toBe(0);
    expect(n2.output).toMatch(/web: ok/);
    expect(n2.output).toMatch(/api: ok/);
    expect(readdirSync(join(history, "api"))).toHaveLength(2);

    const bad = suiteFile(dir, "{ preStopSleep: 0, shutdown: abrupt }");
    const n3 = await nodrop(["nightly", bad, "--history", history]);
    const explain = n3.output.slice(-4000);
    expect(n3.exitCode, explain).toBe(1);
    expect(n3.output).toMatch(/web: failed — \d+ failed requests? of \d+/);
    expect(n3.output).toMatch(/api: ok/);

    const out = nightDir(n3.output);
    const md = readFileSync(join(out, "report.md"), "utf8");
    const webRow = md.split("\n").find((l) => l.startsWith("| web "));
    expect(webRow, md).toMatch(/❌ failed/);
    expect(md).toMatch(/\*\*FAILED\*\*: 1 failed of 2 scenarios/);
    expect(webRow, md).toMatch(/\| \d+ \|/);
    const junit = readFileSync(join(out, "junit.xml"), "utf8");
    expect(junit).toMatch(/<testsuite name="web"[^>]*failures="[1-9]/);
    expect(junit).toMatch(/<testsuite name="api"[^>]*failures="0"/);
    expect(junit).toMatch(/<failure message="[^"]*\d+ failed request/);
    // The failed night is recorded, and never becomes the baseline.
    const web = readdirSync(join(history, "web")).sort();
    expect(web).toHaveLength(3);
    const night3 = JSON.parse(readFileSync(join(history, "web", web[2]!), "utf8"));
    expect(night3.result).toBe("failed");
    // Versioned: what the night ran on, so a tool upgrade is told from a regression.
    expect(night3.schemaVersion).toBe(1);
    expect(night3.ranOn.kubernetes).toMatch(/^v1\.\d+\.\d+/);
    expect(night3.ranOn.nodes[0]).toMatch(/^kubelet v1\./);
    expect(JSON.parse(readFileSync(join(out, "nightly.json"), "utf8")).schemaVersion).toBe(1);

    // history.html: a point per night in each chart, night 3 of 'web' marked, every night linked to its run's report.
    const page = await checkHistoryPage(join(out, "history.html"), join(out, "history.png"));
    expect(page.errors, "console errors of history.html").toEqual([]);
    const pageFacts = JSON.stringify(page, null, 1);
    for (const scenario of ["web", "api"]) {
      const charts = page.charts.filter((c) => c.scenario === scenario);
      expect(charts.map((c) => c.metric), pageFacts).toEqual(["failed", "disruption", "p99"]);
      for (const c of charts) {
        expect(c.error, pageFacts).toBeNull();
        expect(c.nights, pageFacts).toBe(3);
        expect(c.badDrawn, pageFacts).toBe(scenario === "web" ? 1 : 0);
      }
      expect(charts.slice(0, 2).map((c) => c.pointsDrawn), pageFacts).toEqual([3, 3]);
      expect(page.links[scenario], pageFacts).toHaveLength(3);
      for (const link of page.links[scenario]!) expect(existsSync(fileURLToPath(link)), link).toBe(true);
    }
    expect(page.tip, pageFacts).toMatch(/failed, verdict fail/);
  });
});
