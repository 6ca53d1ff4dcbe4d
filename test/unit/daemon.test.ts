import { mkdtemp } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { spawnDetached, waitDaemon } from "../../harness/cluster/daemon.ts";
import { isAlive } from "../../harness/cluster/procs.ts";

const ENV = { PATH: "/usr/bin:/bin" };

describe("a daemon nodrop starts for itself", () => {
  it("runs detached, its output in its log, and is waited on until it answers", async () => {
    const dir = await mkdtemp(join(tmpdir(), "nodrop-daemon-"));
    const log = join(dir, "d.log");
    const ready = join(dir, "ready");
    const pid = spawnDetached(["/bin/sh", "-c", `echo starting; sleep 0.3; touch ${ready}; exec sleep 30`], log, ENV);
    await waitDaemon("the daemon to answer", async () => existsSync(ready), { pid, name: "d", logFile: log, timeoutMs: 10_000, intervalMs: 50 });
    expect(isAlive(pid)).toBe(true);
    process.kill(pid, "SIGKILL");
  });

  it("a daemon that exits fails the wait at once, naming it, with its log's tail", async () => {
    const dir = await mkdtemp(join(tmpdir(), "nodrop-daemon-"));
    const log = join(dir, "d.log");
    const pid = spawnDetached(["/bin/sh", "-c", "echo 'listen tcp 127.0.0.1:2375: address already in use'; exit 1"], log, ENV);
    const err = await waitDaemon("dockerd to answer", async () => false, { pid, name: "dockerd", logFile: log, timeoutMs: 60_000, intervalMs: 50 }).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    // Not the 60 s timeout: the wait ended because the daemon was gone.
    expect((err as Error).message).toMatch(/dockerd exited/);
    expect((err as Error).message).toMatch(/address already in use/);
  });
});
