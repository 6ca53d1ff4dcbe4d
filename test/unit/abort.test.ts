// A run's abort (signal, dead component, dead k6) ends every wait inside the
// run at its next round, but never a wait outside it (the cleanup's).
import { describe, expect, it } from "vitest";
import { RunAbort, RunAbortedError, withAbortScope } from "../../harness/abort.ts";
import { waitFor } from "../../harness/wait.ts";
import { faultAfterFailure, watchRun } from "../../harness/watchdog.ts";
import type { Clock } from "../../harness/wait.ts";

describe("run abort scope", () => {
  it("ends a wait inside the scope within a round, naming the cause", async () => {
    const abort = new RunAbort();
    const t0 = Date.now();
    const waiting = withAbortScope(abort, () => waitFor("something that never happens", () => false, { timeoutMs: 60_000, intervalMs: 20 }));
    setTimeout(() => abort.abort({ kind: "signal", signal: "SIGINT", at: Date.now() }), 50);
    await expect(waiting).rejects.toThrow(RunAbortedError);
    await expect(waiting).rejects.toThrow(/interrupted by SIGINT/);
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  it("does not end a wait outside the scope (cleanups must finish)", async () => {
    const abort = new RunAbort();
    abort.abort({ kind: "signal", signal: "SIGTERM", at: Date.now() });
    let n = 0;
    await expect(waitFor("three rounds", () => ++n >= 3, { timeoutMs: 5_000, intervalMs: 1 })).resolves.toBe(true);
  });

  it("keeps the first cause", () => {
    const abort = new RunAbort();
    abort.abort({ kind: "fault", component: "kube-apiserver", message: "kube-apiserver (pid 1) is not running", at: 1 });
    abort.abort({ kind: "signal", signal: "SIGINT", at: 2 });
    expect(abort.cause).toMatchObject({ kind: "fault", component: "kube-apiserver" });
    expect(() => abort.throwIfAborted()).toThrow(/infrastructure fault: kube-apiserver \(pid 1\) is not running/);
  });
});

describe("run watchdog", () => {
  it("aborts the run naming the component that died", async () => {
    const abort = new RunAbort();
    let dead = false;
    const w = watchRun({ abort, intervalMs: 10, k6Exited: () => undefined, faults: async () => (dead ? [{ component: "kube-apiserver", message: "kube-apiserver (pid 42) is not running" }] : []) });
    try {
      await new Promise((r) => setTimeout(r, 50));
      expect(abort.cause).toBeUndefined();
      dead = true;
      await expect(abort.aborted).rejects.toThrow(/kube-apiserver \(pid 42\) is not running/);
      expect(abort.cause).toMatchObject({ kind: "fault", component: "kube-apiserver" });
    } finally {
      w.stop();
    }
  });

  it("aborts the run when k6 exits on its own", async () => {
    const abort = new RunAbort();
    let k6: string | undefined;
    const w = watchRun({ abort, intervalMs: 10, k6Exited: () => k6 });
    try {
      k6 = "exit code null, signal SIGKILL";
      await expect(abort.aborted).rejects.toThrow(/k6 exited while the run was going on \(exit code null, signal SIGKILL\)/);
    } finally {
      w.stop();
    }
  });
});

describe("the cause of a failed step", () => {
  const clock = (): Clock & { t: number } => {
    const c = { t: 0, now: () => c.t, sleep: async (ms: number) => void (c.t += ms) };
    return c;
  };
  const apiserverDead = [{ component: "kube-apiserver", message: "kube-apiserver (pid 42) is not running" }];

  it("names a component that shows up dead a moment after the failure (its sockets closed before /proc showed it gone)", async () => {
    let looks = 0;
    const c = clock();
    const cause = await faultAfterFailure(async () => (++looks >= 3 ? apiserverDead : []), { clock: c });
    expect(cause).toMatchObject({ kind: "fault", component: "kube-apiserver" });
    expect(looks).toBe(3);
    expect(c.t).toBe(200);
  });

  it("gives up after the settle time when every component is alive", async () => {
    const c = clock();
    expect(await faultAfterFailure(async () => [], { clock: c, settleMs: 2000 })).toBeUndefined();
    expect(c.t).toBe(2000);
  });

  it("treats a failing look as no fault", async () => {
    const c = clock();
    expect(await faultAfterFailure(async () => Promise.reject(new Error("no /proc")), { clock: c, settleMs: 300 })).toBeUndefined();
  });
});
