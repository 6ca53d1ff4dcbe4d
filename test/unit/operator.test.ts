// load=operator (issue 13), the parts that need no cluster: the objects
// nodrop creates, reading a runner's log (timestamps, resume without loss or
// duplicates, k6's summary), tagging and merging samples, the config rules.
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { validateConfig as parseConfig } from "../../harness/config.ts";
import { describeRunner, sortSamplesByTime, unreadSamples } from "../../harness/load/operator/load.ts";
import { operatorDeployment, operatorRbac, RUNNER_ARGUMENTS, runnerSelector, scenarioConfigMap, testRun } from "../../harness/load/operator/manifests.ts";
import { compareTs, ResumePoint, splitTimestamp } from "../../harness/load/operator/pod-log.ts";
import { runnerIndex, startedRunners, tagLine, terminatedExit } from "../../harness/load/operator/runners.ts";
import { RunnerSummaryReader } from "../../harness/load/operator/runner-summary.ts";
import { dropCancelledByRunnerEnds } from "../../harness/verdict/cancelled.ts";
import { parseSampleLine } from "../../harness/verdict/samples.ts";
import type { Sample } from "../../harness/verdict/types.ts";

const params = {
  runId: "r1",
  namespace: "nodrop-r1",
  managerImage: "nodrop.local/k6-operator-manager:v1.3.2-abc",
  runnerImage: "nodrop.local/k6-operator-runner:v1.3.2-def",
  starterImage: "nodrop.local/k6-operator-starter:v1.3.2-123",
  runners: 3,
  env: { TARGET: "http://10.96.0.10:80/", TARGET_SCOPE: "cluster", RATE: "300" },
};

describe("the k6-operator's objects", () => {
  it("a TestRun of N paused runners from the scenario's ConfigMap, no image pulled, no usage report", () => {
    const tr = testRun(params);
    expect(tr.metadata).toMatchObject({ name: "load", namespace: "nodrop-r1", labels: { "nodrop.dev/run-id": "r1" } });
    expect(tr.spec).toMatchObject({ parallelism: 3, script: { configMap: { name: "nodrop-scenario", file: "scenario.js" } }, arguments: RUNNER_ARGUMENTS });
    expect(RUNNER_ARGUMENTS).toContain("--no-usage-report");
    expect(RUNNER_ARGUMENTS).not.toMatch(/ {2}/);
    for (const role of ["runner", "initializer", "starter"] as const) {
      const pod = tr.spec[role] as { image: string; imagePullPolicy: string; metadata: { labels: Record<string, string> } };
      expect(pod.imagePullPolicy).toBe("Never");
      expect(pod.metadata.labels["nodrop.dev/run-id"]).toBe("r1");
    }
    const env = (tr.spec["runner"] as { env: { name: string; value: string }[] }).env;
    expect(env).toContainEqual({ name: "TARGET", value: "http://10.96.0.10:80/" });
    expect(env).toContainEqual({ name: "K6_NO_USAGE_REPORT", value: "true" });
    expect(scenarioConfigMap(params, "export default 1").data).toEqual({ "scenario.js": "export default 1" });
    expect(runnerSelector()).toBe("app=k6,k6_cr=load,runner=true");
  });
  it("the controller watches the run's namespace only, with a namespaced Role", () => {
    const d = operatorDeployment(params);
    const c = d.spec!.template.spec!.containers[0]!;
    expect(c.image).toBe(params.managerImage);
    expect(c.imagePullPolicy).toBe("Never");
    expect(c.env).toContainEqual({ name: "WATCH_NAMESPACE", value: "nodrop-r1" });
    expect(c.args).not.toContain("--leader-elect");
    const [sa, role, binding] = operatorRbac(params);
    expect(role.kind).toBe("Role");
    expect(role.rules!.flatMap((r) => r.resources ?? [])).not.toContain("secrets");
    expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: sa.metadata!.name, namespace: "nodrop-r1" }]);
    for (const o of [sa, role, binding, d]) expect(o.metadata!.labels!["nodrop.dev/run-id"]).toBe("r1");
  });
});

describe("a runner's log", () => {
  it("splits the kubelet's timestamp from the text", () => {
    expect(splitTimestamp('2026-12-02T01:58:11.123456789Z {"t":1}')).toEqual({ ts: "2026-12-02T01:58:11.123456789Z", text: '{"t":1}' });
    expect(splitTimestamp("2026-12-02T01:58:11Z")).toEqual({ ts: "2026-12-02T01:58:11Z", text: "" });
    expect(splitTimestamp('{"t":1}')).toBeNull();
  });
  it("compares timestamps of different fraction lengths", () => {
    expect(compareTs("2026-12-02T01:58:11.5Z", "2026-12-02T01:58:11.123456789Z")).toBe(1);
    expect(compareTs("2026-12-02T01:58:11Z", "2026-12-02T01:58:11.000000000Z")).toBe(0);
    expect(compareTs("2026-12-02T01:58:10.9Z", "2026-12-02T01:58:11Z")).toBe(-1);
  });
  it("a resumed read takes no line twice and loses none, even lines sharing a timestamp", () => {
    const p = new ResumePoint();
    const first = ["2026-12-02T00:00:01.1Z", "2026-12-02T00:00:01.2Z", "2026-12-02T00:00:01.2Z"];
    expect(first.map((t) => p.take(t))).toEqual([true, true, true]);
    // The stream broke; the next read starts at the second (sinceTime is whole seconds) and repeats them all.
    p.resume();
    const again = ["2026-12-02T00:00:01.1Z", "2026-12-02T00:00:01.2Z", "2026-12-02T00:00:01.2Z", "2026-12-02T00:00:01.2Z", "2026-12-02T00:00:01.3Z"];
    expect(again.map((t) => p.take(t))).toEqual([false, false, false, true, true]);
  });
  it("reads k6's end-of-test summary (v1.8.1) and counts an absent dropped_iterations as 0 only once a summary was seen", () => {
    const r = new RunnerSummaryReader();
    expect(r.summary).toEqual({ seen: false, httpReqs: null, iterations: null, dropped: null, failed: null });
    // The failed-requests line of a runner's log in CI (runner 3 of a demo A), and a tagged sub-metric's head, which is not it.
    expect(r.line("    http_req_failed{phase:deploy}")).toBe(false);
    expect(r.line("    http_req_failed................: 2.86%  47 out of 1638")).toBe(true);
    for (const l of ["  █ TOTAL RESULTS ", "    http_reqs............: 99      49.441724/s", "    iterations...........: 99      49.441724/s", "    vus_max..............: 1       min=1"]) r.line(l);
    expect(r.summary).toEqual({ seen: true, httpReqs: 99, iterations: 99, dropped: 0, failed: 47 });
    expect(r.line("    dropped_iterations...: 12      0.4/s")).toBe(true);
    expect(r.summary.dropped).toBe(12);
    expect(r.line('{"t":1,"s":200}')).toBe(false);
  });
});

const pod = (job: string, state: object, node = "n1"): V1Pod => ({
  metadata: { name: `${job}-x1`, labels: { "job-name": job } },
  spec: { nodeName: node, containers: [] },
  status: { containerStatuses: [{ name: "k6", state, image: "", imageID: "", ready: true, restartCount: 0 }] },
});

describe("runners", () => {
  it("are known by their Job's index once their k6 container started", () => {
    const pods = [pod("load-1", { running: {} }), pod("load-2", { waiting: { reason: "ContainerCreating" } }), pod("load-3", { terminated: { exitCode: 103 } }), pod("load-initializer", { running: {} })];
    expect(runnerIndex(pods[0]!, "load")).toBe("1");
    expect(runnerIndex(pods[3]!, "load")).toBeNull();
    expect([...startedRunners(pods, "load").keys()]).toEqual(["1", "3"]);
    expect(terminatedExit(pods[2]!)).toBe(103);
    expect(terminatedExit(pods[0]!)).toBeNull();
  });
  it("tag their samples with their index, the line otherwise as k6 wrote it", () => {
    const line = '{"t":1700000000000,"d":1.5,"s":200,"e":0,"v":"v1","p":"app-1","ph":"warmup","c":"new"}';
    const tagged = tagLine(line, "2");
    expect(tagged.startsWith('{"r":"2","t":1700000000000')).toBe(true);
    expect(parseSampleLine(tagged)).toEqual({ ...parseSampleLine(line), r: "2" });
  });
  it("a runner that ended early is named with its pod, node and exit code", () => {
    const r = { runner: "2", pod: "load-2-abc", node: "kind-worker", samples: 10, otherLines: 0, summary: { seen: false, httpReqs: null, iterations: null, dropped: null, failed: null }, exitCode: 137, resumes: 0 };
    expect(describeRunner(r, true)).toBe("runner 2 (pod load-2-abc on node kind-worker) ended with exit code 137 before it was asked to stop");
    expect(describeRunner({ ...r, exitCode: null }, false)).toBe("runner 2 (pod load-2-abc on node kind-worker) did not end after the stop request");
  });
  it("a runner whose log gave fewer samples than k6 counted requests, or no summary, makes the evidence incomplete", () => {
    const base = { runner: "1", pod: "load-1-x", node: "n", otherLines: 20, exitCode: 103, resumes: 0 };
    const shape = { onePerIteration: true, maxInFlight: 200 };
    const summary = (httpReqs: number | null, iterations = httpReqs) => ({ seen: httpReqs !== null, httpReqs, iterations, dropped: httpReqs === null ? null : 0, failed: httpReqs === null ? null : 0 });
    expect(unreadSamples({ ...base, samples: 1068, summary: summary(1067) }, shape)).toBeUndefined();
    expect(unreadSamples({ ...base, samples: 1067, summary: summary(1067) }, shape)).toBeUndefined();
    expect(unreadSamples({ ...base, samples: 1000, summary: summary(1067) }, shape)).toBe("runner 1 (pod load-1-x): k6 counted 1067 requests, 1000 sample line(s) were read for 1067 finished iterations: lines were lost (67 unread)");
    expect(unreadSamples({ ...base, samples: 1000, summary: summary(null) }, shape)).toMatch(/printed no end-of-test summary: its 1000 samples cannot be checked/);
  });
  it("a request the stop cut between k6's count and its line (CI: http_reqs 1638, iterations 1637, 1,637 samples) is not a lost line in nodrop's scenario; in a user's it is", () => {
    const r = { runner: "3", pod: "load-3-nnrkl", node: "n", otherLines: 20, exitCode: 103, resumes: 0, samples: 1637, summary: { seen: true, httpReqs: 1638, iterations: 1637, dropped: 0, failed: 47 } };
    expect(unreadSamples(r, { onePerIteration: true, maxInFlight: 200 })).toBeUndefined();
    expect(unreadSamples(r, { onePerIteration: false, maxInFlight: 200 })).toMatch(/must record\(\) every request it sends \(1 unread\)/);
  });
  it("samples from all runners are merged by send time, stable for equal times", async () => {
    const dir = await mkdtemp(join(tmpdir(), "nodrop-merge-"));
    const f = join(dir, "samples.ndjson");
    await writeFile(f, ['{"r":"1","t":3,"s":200}', '{"r":"1","t":5,"s":200}', '{"r":"2","t":1,"s":200}', '{"r":"2","t":5,"s":502}', '{"r":"3","t":4,"s":200}', ""].join("\n"));
    await sortSamplesByTime(f);
    expect((await readFile(f, "utf8")).trim().split("\n")).toEqual(['{"r":"2","t":1,"s":200}', '{"r":"1","t":3,"s":200}', '{"r":"3","t":4,"s":200}', '{"r":"1","t":5,"s":200}', '{"r":"2","t":5,"s":502}']);
  });
});

describe("a runner that ended unasked", () => {
  it("takes with it only its own requests k6 cancelled at its end (s=0, e=1000, ending then); other runners' and real failures stay", () => {
    const x = (r: string, t: number, d: number, s: number, e: number): Sample => ({ r, t, d, s, e, v: "", p: "", ph: "warmup" });
    const samples = [
      x("2", 1000, 5, 200, 0),
      x("2", 1990, 10, 0, 1000), // cancelled by runner 2's end at 2000
      x("2", 1995, 5, 0, 1000), // same
      x("2", 1500, 1, 0, 1212), // a refused connection before: real
      x("2", 1200, 1, 0, 1000), // a generic error long before its end: real
      x("1", 1995, 5, 0, 1000), // runner 1 went on: real
    ];
    const r = dropCancelledByRunnerEnds(samples, { "2": 2000 }, 5000);
    expect(r.cancelled).toBe(2);
    expect(r.byCode).toEqual({ "1000": 2 });
    expect(r.kept.map((s) => `${s.r}@${s.t}`)).toEqual(["2@1000", "2@1500", "2@1200", "1@1995"]);
  });
});

describe("config", () => {
  it("runners needs load=operator; the operator sends requests only (no streams)", () => {
    expect(() => parseConfig({ runners: 3 })).toThrow(/runners.*load=operator/);
    expect(() => parseConfig({ load: "operator", streams: 2 })).toThrow(/streams.*load=operator sends requests only/);
    expect(() => parseConfig({ load: "cloud" })).toThrow(/load.*local.*operator/);
    expect(parseConfig({ load: "operator", runners: 3 })).toMatchObject({ load: "operator", runners: 3 });
  });

  it("maxVUs unset: each runner gets the 200 VUs of one local k6 (k6 splits maxVUs between runners), at most 2000; a set maxVUs is kept", () => {
    expect(parseConfig({}).maxVUs).toBe(200);
    expect(parseConfig({ load: "operator" }).maxVUs).toBe(200);
    expect(parseConfig({ load: "operator", runners: 3 }).maxVUs).toBe(600);
    expect(parseConfig({ load: "operator", runners: 10 }).maxVUs).toBe(2000);
    expect(parseConfig({ load: "operator", runners: 3, maxVUs: 150 }).maxVUs).toBe(150);
    expect(parseConfig({ load: "operator", runners: 3 }).explicit).not.toContain("maxVUs");
    // A bad runners value is still the schema's error, naming the field.
    expect(() => parseConfig({ load: "operator", runners: 11 })).toThrow(/runners/);
  });
});
