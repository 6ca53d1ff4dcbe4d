import { describe, expect, it } from "vitest";
import { parseScenarioParams } from "../../scenarios/lib/params.ts";
import { STREAM_CUT_CODE, streamFate, streamUrl } from "../../scenarios/lib/stream.ts";
import { parseSampleLine } from "../../harness/verdict/samples.ts";
import { probeStats } from "../../harness/verdict/probes.ts";

describe("a stream's fate", () => {
  it("ran its full length: end event", () => {
    expect(streamFate(200, 0, ": open\n\ndata: 0\n\nevent: end\ndata: done\n\n")).toEqual({ c: "stream-end", s: 200, e: 0 });
  });
  it("closed by the server with a goodbye (graceful shutdown): not a failure", () => {
    expect(streamFate(200, 0, ": open\n\ndata: 0\n\nevent: goodbye\nretry: 0\ndata: reconnect\n\n")).toEqual({ c: "stream-goodbye", s: 200, e: 0 });
  });
  it("cut: a k6 error, or a body that stopped with neither event, or a non-200", () => {
    expect(streamFate(0, 1000, "")).toEqual({ c: "stream-cut", s: 0, e: 1000 });
    expect(streamFate(200, 0, ": open\n\ndata: 0\n\ndata: 1\n\n")).toEqual({ c: "stream-cut", s: 0, e: STREAM_CUT_CODE });
    expect(streamFate(502, 1502, "Bad Gateway")).toEqual({ c: "stream-cut", s: 502, e: 1502 });
    // An error after an end event is still a cut: the client did not get the stream cleanly.
    expect(streamFate(200, 1220, "event: end\n")).toMatchObject({ c: "stream-cut" });
  });
  it("goes to the target's host only", () => {
    expect(streamUrl("http://127.0.0.1:30080/", 20)).toBe("http://127.0.0.1:30080/stream?ms=20000");
    expect(() => streamUrl("http://10.0.0.1:80/", 1)).toThrow(/127\.0\.0\.1/);
  });
  it("parameters: STREAMS and STREAM_SECONDS, bounded", () => {
    const p = parseScenarioParams({ TARGET: "http://127.0.0.1:9/", STREAMS: "20", STREAM_SECONDS: "10" });
    expect([p.streams, p.streamS]).toEqual([20, 10]);
    expect(parseScenarioParams({ TARGET: "http://127.0.0.1:9/" }).streams).toBe(0);
    expect(() => parseScenarioParams({ TARGET: "http://127.0.0.1:9/", STREAMS: "-1" })).toThrow(/STREAMS/);
  });
});

describe("stream samples in the verdict", () => {
  it("are read with their fate and counted as probes of their own; cut ones are failures", () => {
    const lines = [
      '{"t":1000,"d":10000,"s":200,"e":0,"v":"v1","p":"a","ph":"deploy","c":"stream-end"}',
      '{"t":2000,"d":4000,"s":200,"e":0,"v":"v1","p":"a","ph":"deploy","c":"stream-goodbye"}',
      '{"t":3000,"d":3000,"s":0,"e":1090,"v":"","p":"","ph":"deploy","c":"stream-cut"}',
    ];
    const samples = lines.map((l) => parseSampleLine(l)!);
    expect(samples.map((s) => s.c)).toEqual(["stream-end", "stream-goodbye", "stream-cut"]);
    const probes = probeStats(samples, () => true);
    expect(probes.map((p) => [p.conn, p.requests, p.failed])).toEqual([
      ["stream-end", 1, 0],
      ["stream-goodbye", 1, 0],
      ["stream-cut", 1, 1],
    ]);
  });
});

describe("the streams note", () => {
  it("counts each fate, and the cut ones in deploy windows", async () => {
    const { streamsNote } = await import("../../harness/verdict/probes.ts");
    const samples = [
      parseSampleLine('{"t":1,"d":1,"s":200,"e":0,"v":"v1","p":"a","ph":"deploy","c":"stream-end"}')!,
      parseSampleLine('{"t":2,"d":1,"s":0,"e":1090,"v":"","p":"","ph":"deploy","c":"stream-cut"}')!,
    ];
    expect(streamsNote(probeStats(samples, (t) => t === 2))).toBe("streams: 1 ran their full length, 0 closed by the server with a goodbye, 1 cut (1 in deploy windows)");
    expect(streamsNote(probeStats([parseSampleLine('{"t":1,"d":1,"s":200,"e":0,"v":"v1","p":"a","ph":"x","c":"new"}')!], () => true))).toBeNull();
  });
});
