// Issue 11, part 5: long-lived connections. Given the local cluster and 20
// server-sent-event streams held open beside the requests, when a rolling
// update replaces every pod (preStop 5 s, so no request fails), then an app
// that exits abruptly cuts every stream its pods held and the run fails on
// them alone; an app that shuts down gracefully ends each with a goodbye, the
// clients reconnect to a new pod, and the run passes.
import { describe, expect, it } from "vitest";
import { runWithSets } from "./helpers.ts";

const BASE = ["streams=20", "streamSeconds=10", "preStopSleep=5", "rollouts=1", "warmup=5", "cooldown=10"];

async function runWith(sets: string[]) {
  const run = await runWithSets([...BASE, ...sets]);
  const probe = (conn: string) => run.s.probes.find((p) => p.conn === conn);
  return { ...run, probe };
}

describe("long-lived streams through a deploy", () => {
  it("abrupt shutdown cuts the streams and fails, although every request got 200", async () => {
    const { exitCode, s, probe, explain } = await runWith(["shutdown=abrupt"]);
    expect(exitCode, explain).toBe(1);
    expect(s.verdict, explain).toBe("fail");
    expect(probe("stream-cut")?.failed ?? 0, explain).toBeGreaterThan(0);
    expect(probe("stream-cut")!.inDeployWindow, explain).toBeGreaterThan(0);
    // The requests themselves were fine: preStop covered them.
    for (const conn of ["new", "reuse"]) expect(probe(conn)?.failed, explain).toBe(0);
  });

  it("graceful shutdown closes every stream with a goodbye, clients reconnect, and the run passes", async () => {
    const { exitCode, s, probe, explain } = await runWith(["shutdown=graceful"]);
    expect(exitCode, explain).toBe(0);
    expect(s.verdict, explain).toBe("pass");
    expect(probe("stream-cut"), explain).toBeUndefined();
    // The old pods said goodbye to the streams they held at SIGTERM.
    expect(probe("stream-goodbye")?.requests ?? 0, explain).toBeGreaterThan(0);
    expect(probe("stream-end")?.requests ?? 0, explain).toBeGreaterThan(0);
  });
});
