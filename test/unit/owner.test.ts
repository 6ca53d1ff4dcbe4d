// A run's namespace names its owner (host/pid/start time); the next run reaps
// namespaces whose owner died on this machine, never kept ones or other hosts'.
import { describe, expect, it } from "vitest";
import type { Kube } from "../../harness/kube.ts";
import { formatOwner, ownerIsGone, parseOwner, processStart, selfOwner } from "../../harness/owner.ts";
import { reapOrphans } from "../../harness/reap.ts";

describe("run owner", () => {
  it("round-trips and recognises this process as alive", () => {
    const me = selfOwner();
    expect(parseOwner(formatOwner(me))).toEqual(me);
    expect(me.start).toMatch(/^\d+$/);
    expect(ownerIsGone(me)).toBe(false);
  });

  it("is gone when the pid does not exist or was recycled (other start time)", () => {
    const me = selfOwner();
    expect(ownerIsGone({ ...me, pid: 999_999_999 })).toBe(true);
    expect(ownerIsGone({ ...me, start: String(Number(me.start) + 1) })).toBe(true);
    expect(processStart(process.pid)).toBe(me.start);
  });

  it("never judges an owner on another machine", () => {
    expect(ownerIsGone({ host: "some-other-host", pid: 999_999_999, start: "1" })).toBe(false);
  });
});

describe("reapOrphans", () => {
  it("deletes only namespaces of dead owners that were not kept and are not being deleted already", async () => {
    const deleted: string[] = [];
    const me = selfOwner();
    const dead = formatOwner({ ...me, pid: 999_999_999 });
    const kube = {
      runNamespaces: async () => [
        { name: "nodrop-dead", annotations: { "nodrop.dev/owner": dead }, terminating: false },
        { name: "nodrop-dead-kept", annotations: { "nodrop.dev/owner": dead, "nodrop.dev/keep": "true" }, terminating: false },
        // A finished run's namespace, emptied and Terminating: the namespace controller's job.
        { name: "nodrop-dead-terminating", annotations: { "nodrop.dev/owner": dead }, terminating: true },
        { name: "nodrop-alive", annotations: { "nodrop.dev/owner": formatOwner(me) }, terminating: false },
        { name: "nodrop-no-owner", annotations: {}, terminating: false },
      ],
      deleteNamespace: async (n: string) => void deleted.push(n),
    } as unknown as Kube;
    const reaped = await reapOrphans(kube, undefined, async () => ["GatewayClass/nodrop-r0"]);
    expect(deleted).toEqual(["nodrop-dead"]);
    expect(reaped).toEqual([
      { name: "nodrop-dead", owner: dead },
      { name: "GatewayClass/nodrop-r0", owner: "(its run's namespace is gone)" },
    ]);
  });
});
