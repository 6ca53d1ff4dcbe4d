import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { judge } from "../../harness/verdict/analyze.ts";
import { errorsByCode, histogram, k6ErrorName } from "../../harness/verdict/counting.ts";
import { podsReplacedFrom } from "../../harness/verdict/evidence/pods.ts";
import { exitCodeFor } from "../../harness/verdict/exit-code.ts";
import { describeFailures } from "../../harness/verdict/failures.ts";
import { outages } from "../../harness/verdict/outages.ts";
import { BEFORE_FIRST_PHASE, phases, windows } from "../../harness/verdict/phases.ts";
import { timeline } from "../../harness/verdict/timeline.ts";
import { versions } from "../../harness/verdict/versions.ts";
import { parseEventLine, parseSampleLine, readEvents, readSamples } from "../../harness/verdict/samples.ts";
import type { RunEvent } from "../../harness/verdict/types.ts";
import { buildFixtures, T0 } from "../fixtures/make-fixtures.ts";
import { fx, input, judgeFixture, loadFixture, sample, steady, WINDOW_EVENTS } from "./verdict-helpers.ts";

describe("fixtures", () => {
  it("are what make-fixtures.ts generates, and small", () => {
    for (const [name, content] of Object.entries(buildFixtures())) {
      expect(readFileSync(fx(name), "utf8"), `${name} is stale: run npx tsx test/fixtures/make-fixtures.ts`).toBe(content);
      expect(content.length).toBeLessThan(300 * 1024);
    }
  });
});

describe("samples parser", () => {
  it("parses a sample line and defaults missing optional fields", () => {
    expect(parseSampleLine('{"t":1700000000000,"d":2.5,"s":200,"e":0,"v":"v1","p":"web-1","ph":"warmup"}')).toEqual({
      t: 1700000000000,
      d: 2.5,
      s: 200,
      e: 0,
      v: "v1",
      p: "web-1",
      ph: "warmup",
    });
    expect(parseSampleLine('{"t":1700000000000,"s":0,"e":1212}')).toEqual({
      t: 1700000000000,
      d: 0,
      s: 0,
      e: 1212,
      v: "",
      p: "",
      ph: "",
    });
  });

  it("recovers a sample after a log prefix", () => {
    expect(parseSampleLine('INFO[0001] {"t":5,"d":1,"s":503,"e":0,"v":"v2","p":"x","ph":""}')?.s).toBe(503);
  });

  it("returns null for junk, never throws", () => {
    for (const junk of [
      "",
      "hello",
      "{",
      '{"t":1',
      "[1,2]",
      "null",
      '{"t":"soon","s":200}',
      '{"t":1,"s":"200"}',
      '{"t":1,"s":200,"v":3}',
      '{"s":200}',
      '{"t":1,"s":2000}',
      "}{",
    ]) {
      expect(parseSampleLine(junk), junk).toBeNull();
    }
  });

  it("counts malformed lines and recovered prefixed lines in a file", async () => {
    const r = await readSamples(fx("invalid-lines.ndjson"));
    expect(r.malformedLines).toBe(8);
    expect(r.recoveredLines).toBe(2);
    expect(r.samples).toHaveLength(199);
    expect(r.missing).toBe(false);
    expect(r.totalLines).toBe(208);
  });

  it("reads the valid fixtures without malformed lines", async () => {
    const r = await readSamples(fx("valid-pass.ndjson"));
    expect(r.samples).toHaveLength(2000);
    expect(r.malformedLines).toBe(0);
  });

  it("reads a file of many chunks exactly: lines across chunk edges, CRLF ends, multi-byte text, no final newline", async () => {
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const want = Array.from({ length: 30_000 }, (_, i) => ({ t: T0 + i, d: 1.5, s: i % 97 === 0 ? 503 : 200, e: 0, v: i < 15_000 ? "v1" : "v2", p: `app-ü${i % 7}-ß`, ph: "rollout-1" }));
    const file = join(mkdtempSync(join(tmpdir(), "nodrop-read-")), "samples.ndjson");
    writeFileSync(file, want.map((x) => JSON.stringify(x)).join("\r\n"));
    const r = await readSamples(file);
    expect(r.malformedLines).toBe(0);
    expect(r.totalLines).toBe(30_000);
    expect(r.samples).toEqual(want);
  });

  it("treats a missing file as no samples", async () => {
    const r = await readSamples(fx("does-not-exist.ndjson"));
    expect(r).toMatchObject({ samples: [], malformedLines: 0, missing: true });
    expect((await readEvents(fx("does-not-exist.ndjson"))).missing).toBe(true);
  });

  it("reads events, skipping malformed ones", async () => {
    const r = await readEvents(fx("invalid-lines-events.ndjson"));
    expect(r.events).toHaveLength(8);
    expect(r.malformedLines).toBe(2);
    expect(parseEventLine('{"t":1,"kind":"pods","before":"x"}')).toBeNull();
    expect(parseEventLine('{"t":1,"kind":"rollback","reason":"5xx"}')).toEqual({ t: 1, kind: "rollback", reason: "5xx" });
  });
});

describe("counting", () => {
  it('histogram uses "0" for connection errors', () => {
    const h = histogram([sample(1), sample(2, 0, "", 1212), sample(3, 503), sample(4, 0, "", 1220)]);
    expect(h).toEqual({ "0": 2, "200": 1, "503": 1 });
  });

  it("breaks connection errors down by k6 error code", async () => {
    const f = await loadFixture("valid-fail");
    expect(errorsByCode(f.samples)).toEqual([
      { code: 1212, name: "connection refused", count: 30 },
      { code: 1220, name: "connection reset by peer", count: 6 },
    ]);
    expect(histogram(f.samples)).toEqual({ "0": 36, "200": 1963, "503": 1 });
  });

  it("names k6 error codes", () => {
    expect(k6ErrorName(1211)).toBe("dial timeout");
    expect(k6ErrorName(1050)).toBe("request timeout");
    expect(k6ErrorName(1000)).toBe("generic error");
    expect(k6ErrorName(1503)).toBe("HTTP 503");
    expect(k6ErrorName(1639)).toBe("HTTP/2 stream error CANCEL");
    expect(k6ErrorName(1299)).toBe("TCP error");
    expect(k6ErrorName(4242)).toBe("unknown error");
  });

  it("describes failures with the numbers", () => {
    const s = [sample(1), sample(2, 0, "", 1212), sample(3, 0, "", 1212), sample(4, 503)];
    expect(describeFailures(s)).toBe("3 of 4 requests failed (2 connection errors: 1212 connection refused ×2; 1 × HTTP 503)");
  });
});

describe("windows and phases", () => {
  it("pairs window events per label and closes an open window at the last sample", () => {
    const ev: RunEvent[] = [
      { t: 100, kind: "window-start", label: "rollout-1" },
      { t: 200, kind: "window-end", label: "rollout-1" },
      { t: 250, kind: "window-end", label: "stray" },
      { t: 300, kind: "window-start", label: "rollout-2" },
    ];
    expect(windows(ev, [sample(50), sample(900)])).toEqual([
      { label: "rollout-1", start: 100, end: 200, closed: true },
      { label: "rollout-2", start: 300, end: 900, closed: false },
    ]);
    // Without samples, the last event ends it.
    expect(windows(ev)[1]).toMatchObject({ end: 300, closed: false });
  });

  it("assigns samples to phases, including requests before the first phase", () => {
    const s = [sample(T0 - 500), ...steady(T0, 50, 100), sample(T0 + 1500, 0, "", 1212)];
    const ph = phases(WINDOW_EVENTS, s, T0 + 6000);
    expect(ph.map((p) => [p.name, p.requests, p.failed])).toEqual([
      [BEFORE_FIRST_PHASE, 1, 0],
      ["warmup", 10, 0],
      ["rollout-1", 21, 1],
      ["cooldown", 20, 0],
    ]);
    expect(ph[2]!.histogram).toEqual({ "0": 1, "200": 20 });
    expect(ph[3]).toMatchObject({ start: T0 + 3000, end: T0 + 6000 });
  });

  it("reports versions in order of appearance with first/last", () => {
    const s = [...steady(T0, 10, 100, "v1"), ...steady(T0 + 500, 10, 100, "v2"), sample(T0 + 700, 0, "", 1212)];
    const v = versions(s);
    expect(v.map((x) => x.version)).toEqual(["v1", "v2", ""]);
    expect(v[1]).toMatchObject({ requests: 10, ok: 10, failed: 0, first: T0 + 500, last: T0 + 1400 });
    expect(v[2]).toMatchObject({ requests: 1, failed: 1, histogram: { "0": 1 } });
  });
});

describe("timeline", () => {
  it("shows traffic moving from the old to the new version", async () => {
    const f = await loadFixture("valid-pass");
    const tl = timeline(f.samples);
    expect(tl).toHaveLength(25);
    expect(tl[0]).toMatchObject({ t: T0, total: 80, ok: 80, failed: 0, byVersion: { v1: 80 } });
    expect(tl[24]!.byVersion).toEqual({ v2: 80 });
    const v2share = tl.map((b) => (b.byVersion["v2"] ?? 0) / b.total);
    expect(v2share[4]).toBe(0);
    expect(v2share[12]).toBeGreaterThan(0.3);
    expect(v2share[12]).toBeLessThan(0.8);
    expect(v2share[20]).toBe(1);
  });

  it("keeps empty buckets and counts failures apart", () => {
    const tl = timeline([sample(T0), sample(T0 + 2500, 0, "", 1212), sample(T0 + 2600, 200, "v2")], 1000);
    expect(tl.map((b) => b.total)).toEqual([1, 0, 2]);
    expect(tl[2]).toMatchObject({ ok: 1, failed: 1, byVersion: { v2: 1 } });
    expect(timeline([])).toEqual([]);
  });
});

describe("outages", () => {
  it("merges failures less than 1 s apart and counts the requests in between", () => {
    const s = [
      ...steady(T0, 60, 100), // 6 s of 10 req/s
    ];
    for (const i of [5, 10, 14]) s[i] = sample(T0 + i * 100, 0, "", 1212); // 500 ms, 400 ms gaps: one outage
    s[24] = sample(T0 + 2400, 503); // exactly 1 s later: a new outage
    s[50] = sample(T0 + 5000, 0, "", 1220);
    const o = outages(s);
    expect(o).toHaveLength(3);
    expect(o[0]).toMatchObject({ start: T0 + 500, end: T0 + 1400, durationMs: 900, failed: 3, requests: 10 });
    expect(o[0]!.errorsByCode).toEqual([{ code: 1212, name: "connection refused", count: 3 }]);
    expect(o[1]).toMatchObject({ start: T0 + 2400, end: T0 + 2400, failed: 1, requests: 1, histogram: { "503": 1 } });
    expect(o[2]).toMatchObject({ failed: 1, histogram: { "0": 1 } });
  });

  it("works on unsorted samples", () => {
    const o = outages([sample(T0 + 900, 0, "", 1212), sample(T0 + 100, 0, "", 1212), sample(T0 + 500)]);
    expect(o).toEqual([
      expect.objectContaining({ start: T0 + 100, end: T0 + 900, failed: 2, requests: 3 }),
    ]);
  });
});

describe("judge", () => {
  it("passes the rolling-update fixture", async () => {
    const v = judgeFixture(await loadFixture("valid-pass"));
    expect(v.outcome).toBe("pass");
    expect(v.requests).toEqual({ total: 2000, inDeployWindow: 1201, failed: 0, failedInDeployWindow: 0 });
    expect(v.rate.target).toBe(80);
    expect(v.rate.achieved).toBeCloseTo(80, 0);
    expect(v.reasons[0]).toContain("0 of 2000 requests failed");
    expect(v.histogram).toEqual({ "200": 2000 });
    expect(v.rollback).toEqual({ happened: false, at: null, reason: null });
  });

  it("fails the fixture with connection errors and a 503, with the numbers", async () => {
    const v = judgeFixture(await loadFixture("valid-fail"));
    expect(v.outcome).toBe("fail");
    expect(v.reasons[0]).toBe(
      "37 of 2000 requests failed (36 connection errors: 1212 connection refused ×30, 1220 connection reset by peer ×6; " +
        "1 × HTTP 503); 37 inside deploy windows (rollout-1 ×37), 0 outside",
    );
    expect(v.requests.failed).toBe(37);
    expect(v.outages).toHaveLength(3);
    expect(v.reasons[1]).toMatch(/^3 outages: \+8\.0s…\+8\.4s/);
  });

  it("fails on a failure outside the deploy windows and says where it was", () => {
    const s = steady(T0, 500, 10);
    s[10] = sample(T0 + 100, 0, "", 1211);
    const v = judge(input({ samples: s }));
    expect(v.outcome).toBe("fail");
    expect(v.reasons[0]).toContain("0 inside deploy windows, 1 outside (warmup ×1)");
    expect(v.requests.failedInDeployWindow).toBe(0);
  });

  it("fails even when the evidence is incomplete: a dropped request is a dropped request", () => {
    const s = steady(T0, 500, 10);
    s[200] = sample(T0 + 2000, 0, "", 1212);
    const v = judge(input({ samples: s, evidence: { podsReplaced: false, k6ExitCode: 107, k6Error: "killed" } }));
    expect(v.outcome).toBe("fail");
    expect(v.reasons.some((r) => r.includes("k6 exited with code 107"))).toBe(true);
  });

  it("is inconclusive with too few requests inside the deploy window", async () => {
    const v = judgeFixture(await loadFixture("valid-pass"), { config: { minRequestsInWindow: 5000, targetRate: 80 } });
    expect(v.outcome).toBe("inconclusive");
    expect(v.reasons[0]).toContain("only 1201 requests were sent inside deploy windows (minimum 5000)");
  });

  it("is inconclusive when no deploy window was recorded", () => {
    const v = judge(input({ samples: steady(T0, 500, 10), events: [] }));
    expect(v.outcome).toBe("inconclusive");
    expect(v.reasons[0]).toContain("no deploy window was recorded");
  });

  it("is inconclusive when the pods were not replaced", () => {
    const v = judge(input({ samples: steady(T0, 500, 10), evidence: { podsReplaced: false, k6ExitCode: 0 } }));
    expect(v.outcome).toBe("inconclusive");
    expect(v.reasons[0]).toContain("pods were not replaced");
  });

  it("is inconclusive when k6 died", () => {
    const v = judge(
      input({ samples: steady(T0, 500, 10), evidence: { podsReplaced: true, k6ExitCode: 107, k6Error: "script exception" } }),
    );
    expect(v.outcome).toBe("inconclusive");
    expect(v.reasons[0]).toContain("k6 exited with code 107: script exception");
    const stoppedWithError = judge(
      input({ samples: steady(T0, 500, 10), evidence: { podsReplaced: true, k6ExitCode: null, k6Error: "OOM" } }),
    );
    expect(stoppedWithError.outcome).toBe("inconclusive");
  });

  it("accepts k6 stopped by the harness (null exit code, no error)", () => {
    const v = judge(input({ samples: steady(T0, 500, 10), evidence: { podsReplaced: true, k6ExitCode: null } }));
    expect(v.outcome).toBe("pass");
  });

  it("is inconclusive without samples", () => {
    const v = judge(input({ samples: [] }));
    expect(v.outcome).toBe("inconclusive");
    expect(v.reasons[0]).toBe("no samples: k6 recorded no requests");
    expect(v.rate.achieved).toBe(0);
    expect(v.timeline).toEqual([]);
  });

  it("reports a rollback with its blast radius", () => {
    const s = [...steady(T0, 100, 10, "v1"), ...steady(T0 + 1000, 200, 10, "v1")];
    for (const i of [120, 130, 140]) s[i] = sample(s[i]!.t, 503, "v2");
    s[150] = sample(s[150]!.t, 0, "", 1212);
    const v = judge(
      input({
        samples: s,
        evidence: { podsReplaced: false, k6ExitCode: 0, rolledBack: { at: T0 + 2600, reason: "error rate 4% > 0%" } },
      }),
    );
    expect(v.outcome).toBe("rolled-back");
    expect(v.rollback).toEqual({ happened: true, at: T0 + 2600, reason: "error rate 4% > 0%" });
    expect(v.blastRadius).toEqual({
      failed: 4,
      byVersion: { v2: 3, "": 1 },
      byPhase: { "rollout-1": 4 },
      firstFailure: T0 + 1200,
      lastFailure: T0 + 1500,
      durationMs: 300,
    });
    expect(v.reasons[0]).toBe("rolled back at +2.6s: error rate 4% > 0%");
    expect(v.reasons[1]).toContain("blast radius: 4 of 300 requests failed");
    expect(v.reasons[1]).toContain("by version: v2 ×3, (no version) ×1");
    expect(v.reasons[1]).toContain("first failure at +1.2s, last at +1.5s (0.3 s)");
  });

  it("takes a rollback from the events too", () => {
    const v = judge(
      input({ samples: steady(T0, 500, 10), events: [...WINDOW_EVENTS, { t: T0 + 2000, kind: "rollback", reason: "never ready" }] }),
    );
    expect(v.outcome).toBe("rolled-back");
    expect(v.reasons[1]).toBe("blast radius: none, 0 of 500 requests failed");
  });

  it("does not depend on input order", () => {
    const s = steady(T0, 500, 10);
    s[150] = sample(s[150]!.t, 0, "", 1212);
    const a = judge(input({ samples: s }));
    const b = judge(input({ samples: [...s].reverse(), events: [...WINDOW_EVENTS].reverse() }));
    expect(b).toEqual(a);
  });

  it("is inconclusive with malformed sample lines: those requests were never judged", () => {
    const v = judge(input({ samples: steady(T0, 500, 10), malformedLines: 3 }));
    expect(v.outcome).toBe("inconclusive");
    expect(v.reasons[0]).toMatch(/^3 malformed sample lines/);
    expect(v.malformedLines).toBe(3);
    expect(v.evidence.find((c) => c.check === "sample lines")).toMatchObject({ ok: false });
  });

  it("notes a low achieved rate outside the deploy windows without changing the outcome", () => {
    // 100 req/s in the window, 20 req/s outside it: the window has its evidence.
    const s = [...steady(T0, 20, 50), ...steady(T0 + 1000, 201, 10), ...steady(T0 + 3050, 40, 50)];
    const v = judge(input({ samples: s }));
    expect(v.outcome).toBe("pass");
    expect(v.reasons.some((r) => r.startsWith("note: achieved"))).toBe(true);
  });
});

describe("helpers", () => {
  it("maps outcomes to exit codes", () => {
    expect(exitCodeFor("pass")).toBe(0);
    expect(exitCodeFor("fail")).toBe(1);
    expect(exitCodeFor("inconclusive")).toBe(3);
    expect(exitCodeFor("rolled-back")).toBe(4);
  });

  it("derives podsReplaced from pods events", async () => {
    const f = await loadFixture("valid-pass");
    expect(podsReplacedFrom(f.events)).toBe(true);
    expect(podsReplacedFrom([])).toBe(false);
    expect(podsReplacedFrom([{ t: 1, kind: "pods", before: ["a", "b"], after: ["b", "c"] }])).toBe(false);
    expect(podsReplacedFrom([{ t: 1, kind: "pods", before: ["a"], after: [] }])).toBe(false);
  });
});
