// The nightly history folder: <dir>/<scenario>/<night>.json, written once,
// atomically; read back oldest first, skipping (and naming) what is not a record.
import { mkdir, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { appendRecord, nightId, readHistory, type NightRecord } from "../../harness/nightly/history.ts";

const tmp = () => mkdtemp(join(tmpdir(), "nodrop-history-"));
const rec = (night: string, over: Partial<NightRecord> = {}): NightRecord => ({
  scenario: "web",
  night,
  at: "2026-11-22T09:30:00.000Z",
  runId: `run-${night}`,
  result: "ok",
  verdict: "pass",
  exitCode: 0,
  requests: 3000,
  failed: 0,
  disruptionSeconds: 0,
  rollouts: [{ label: "rollout-1", failed: 0, disruptionSeconds: 0 }],
  headline: "no failed requests",
  ...over,
});

describe("night ids", () => {
  it("are UTC to the second and sort by time as text", () => {
    expect(nightId(new Date("2026-11-22T09:30:00.999Z"))).toBe("n20261122T093000Z");
    expect(nightId(new Date("2026-11-22T10:30:00+01:00"))).toBe("n20261122T093000Z");
    const dates = ["2026-12-01T00:00:00Z", "2026-11-30T23:59:59Z", "2027-01-01T00:00:00Z", "2026-11-09T05:00:00Z"].map((d) => new Date(d));
    const ids = dates.map(nightId);
    expect([...ids].sort()).toEqual([...dates].sort((a, b) => a.getTime() - b.getTime()).map(nightId));
  });
});

describe("appendRecord", () => {
  it("writes <dir>/<scenario>/<night>.json (creating folders), returns its path, leaves no temporary file", async () => {
    const dir = join(await tmp(), "deep", "history");
    const r = rec("n20261122T093000Z", { failed: 3, disruptionSeconds: 1.5, result: "regression" });
    const path = await appendRecord(dir, r);
    expect(path).toBe(join(dir, "web", "n20261122T093000Z.json"));
    expect(JSON.parse(await readFile(path, "utf8"))).toEqual(r);
    expect(await readdir(join(dir, "web"))).toEqual(["n20261122T093000Z.json"]);
  });

  it("refuses to overwrite a night already recorded, and keeps the first record", async () => {
    const dir = await tmp();
    await appendRecord(dir, rec("n1", { runId: "first" }));
    await expect(appendRecord(dir, rec("n1", { runId: "second" }))).rejects.toThrow(/n1\.json already exists/);
    const { records } = await readHistory(dir, "web");
    expect(records.map((r) => r.runId)).toEqual(["first"]);
    expect(await readdir(join(dir, "web"))).toEqual(["n1.json"]);
  });

  it("of two concurrent writers of one night, exactly one wins", async () => {
    const dir = await tmp();
    const results = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => appendRecord(dir, rec("n7", { runId: `w${i}` }))));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect((await readHistory(dir, "web")).records).toHaveLength(1);
    expect(await readdir(join(dir, "web"))).toEqual(["n7.json"]);
  });

  it("refuses names that would leave the history folder, and records that are not records", async () => {
    const dir = await tmp();
    await expect(appendRecord(dir, rec("n1", { scenario: "../evil" }))).rejects.toThrow(/scenario '\.\.\/evil' cannot name a file/);
    await expect(appendRecord(dir, rec("a/b"))).rejects.toThrow(/night 'a\/b' cannot name a file/);
    await expect(appendRecord(dir, rec("n1", { failed: -1 }))).rejects.toThrow(/not a valid night record: failed/);
    expect(await readdir(dir)).toEqual([]);
  });
});

describe("readHistory", () => {
  it("a missing folder is an empty history", async () => {
    expect(await readHistory(join(await tmp(), "nope"), "web")).toEqual({ records: [], skipped: [] });
  });

  it("returns the scenario's records oldest night first, whatever the write order; other scenarios stay apart", async () => {
    const dir = await tmp();
    for (const n of ["n20261123T000000Z", "n20261121T000000Z", "n20261122T000000Z"]) await appendRecord(dir, rec(n));
    await appendRecord(dir, rec("n20261120T000000Z", { scenario: "api" }));
    // Sorted by the record's night, not by its file name.
    await writeFile(join(dir, "web", "zz-copied.json"), JSON.stringify(rec("n20261101T000000Z")));
    const h = await readHistory(dir, "web");
    expect(h.records.map((r) => r.night)).toEqual(["n20261101T000000Z", "n20261121T000000Z", "n20261122T000000Z", "n20261123T000000Z"]);
    expect(h.skipped).toEqual([]);
    expect((await readHistory(dir, "api")).records.map((r) => r.night)).toEqual(["n20261120T000000Z"]);
  });

  it("skips and names files that are not valid records of the scenario; ignores files that are not .json", async () => {
    const dir = await tmp();
    await appendRecord(dir, rec("n2"));
    const folder = join(dir, "web");
    await writeFile(join(folder, "broken.json"), "{not json");
    await writeFile(join(folder, "n3.json"), JSON.stringify({ ...rec("n3"), verdict: "maybe" }));
    await writeFile(join(folder, "n4.json"), JSON.stringify(rec("n4", { scenario: "api" })));
    await writeFile(join(folder, "notes.txt"), "hello");
    await mkdir(join(folder, "sub"));
    const h = await readHistory(dir, "web");
    expect(h.records.map((r) => r.night)).toEqual(["n2"]);
    expect(h.skipped).toHaveLength(3);
    expect(h.skipped[0]).toContain(join(folder, "broken.json"));
    expect(h.skipped[1]).toMatch(/n3\.json: not a night record \(verdict: /);
    expect(h.skipped[2]).toMatch(/n4\.json: a record of scenario 'api', not 'web'/);
  });
});

describe("versioned records (schemaVersion, ranOn)", () => {
  const ranOn = (k6: string) => ({ nodrop: "0.1.0+abc", kubernetes: "v1.34.4", nodes: ["kubelet v1.34.4, containerd://1.6.20, Debian GNU/Linux 12 (bookworm)"], k6, kind: null, app: ["nodrop.local/sample-app:1"] });

  it("reads records with them and records written before them side by side", async () => {
    const dir = await tmp();
    await appendRecord(dir, rec("n20261120T000000Z"));
    await appendRecord(dir, rec("n20261121T000000Z", { schemaVersion: 1, ranOn: ranOn("v1.8.1") }));
    const h = await readHistory(dir, "web");
    expect(h.skipped).toEqual([]);
    expect(h.records.map((r) => r.ranOn?.k6 ?? null)).toEqual([null, "v1.8.1"]);
    expect(h.records[1]!.schemaVersion).toBe(1);
  });

  it("names the tools tonight ran on that no baseline night did; app images and unknown nights are not a change", async () => {
    const { toolChanges } = await import("../../harness/run-versions.ts");
    expect(toolChanges(ranOn("v1.9.0"), [ranOn("v1.8.1"), undefined, ranOn("v1.8.1")])).toEqual(["k6: v1.8.1 → v1.9.0"]);
    expect(toolChanges({ ...ranOn("v1.8.1"), app: ["other:2"] }, [ranOn("v1.8.1")])).toEqual([]);
    expect(toolChanges(ranOn("v1.9.0"), [undefined])).toEqual([]);
    expect(toolChanges(undefined, [ranOn("v1.8.1")])).toEqual([]);
  });
});
