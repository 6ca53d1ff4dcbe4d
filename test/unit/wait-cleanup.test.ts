import { describe, expect, it } from "vitest";
import { Cleanup } from "../../harness/cleanup.ts";
import { CommandError, run, shellLine } from "../../harness/exec.ts";
import { waitFor, WaitTimeoutError, type Clock } from "../../harness/wait.ts";

function fakeClock(): Clock & { t: number } {
  const c = { t: 0, now: () => c.t, sleep: async (ms: number) => void (c.t += ms) };
  return c;
}

describe("waitFor", () => {
  it("returns as soon as the condition holds", async () => {
    const clock = fakeClock();
    let n = 0;
    await expect(waitFor("three checks", () => ++n >= 3 && "done", { timeoutMs: 10_000, intervalMs: 100, clock })).resolves.toBe("done");
    expect(clock.t).toBe(200);
  });

  it("times out with what it waited for, how long, the last error and the diagnostics", async () => {
    const clock = fakeClock();
    const err = await waitFor("the kubelet to be healthy", () => {
      throw new Error("connection refused");
    }, { timeoutMs: 5_000, intervalMs: 500, clock, diagnose: () => "---- last lines of kubelet.log ----\nE0101 boom" }).catch((e) => e);
    expect(err).toBeInstanceOf(WaitTimeoutError);
    expect(err.message).toMatch(/timed out after 5.0 s waiting for the kubelet to be healthy/);
    expect(err.message).toMatch(/last check error: connection refused/);
    expect(err.message).toMatch(/E0101 boom/);
  });

  it("stops at once when a fatal condition appears (a component died)", async () => {
    const clock = fakeClock();
    let round = 0;
    const err = await waitFor("etcd", () => false, { timeoutMs: 60_000, clock, fatal: () => (++round === 2 ? "etcd exited" : undefined), diagnose: () => "tail" }).catch((e) => e);
    expect(err.message).toBe("etcd: etcd exited\ntail");
    expect(clock.t).toBeLessThan(1_000);
  });
});

describe("Cleanup", () => {
  it("runs in reverse order, once, and keeps going after a failing step", async () => {
    const c = new Cleanup();
    const order: string[] = [];
    c.defer("a", () => void order.push("a"));
    c.defer("b", () => {
      order.push("b");
      throw new Error("b failed");
    });
    c.defer("c", async () => void order.push("c"));
    await Promise.all([c.run(), c.run()]);
    await c.run();
    expect(order).toEqual(["c", "b", "a"]);
    expect(c.errors.map((e) => e.message)).toEqual(["b failed"]);
  });
});

describe("Cleanup with keep", () => {
  it("runs only the cleanups marked always", async () => {
    const c = new Cleanup();
    const done: string[] = [];
    c.defer("delete namespace", () => void done.push("namespace"));
    c.defer("stop k6", () => void done.push("k6"), { always: true });
    await c.run({ keep: true });
    expect(done).toEqual(["k6"]);
  });
});

describe("run (the command wrapper)", () => {
  it("names the command as a shell line, the exit code and the output on failure", async () => {
    const err = await run(["sh", "-c", "echo to-stderr >&2; exit 3", "arg with space"]).catch((e) => e);
    expect(err).toBeInstanceOf(CommandError);
    expect(err.message).toMatch(/command failed \(exit 3\): sh -c 'echo to-stderr >&2; exit 3' 'arg with space'/);
    expect(err.message).toMatch(/to-stderr/);
  });
  it("returns output and exit code when asked not to reject", async () => {
    const r = await run(["sh", "-c", "echo hi; exit 4"], { reject: false });
    expect([r.stdout, r.exitCode]).toEqual(["hi", 4]);
    expect(shellLine(["a", "b c", "it's"])).toBe(`a 'b c' 'it'\\''s'`);
  });
});
