// scenario=drain: the drain of one node (cordon, evictions a PDB may refuse,
// pods gone) against a fake cluster and clock; what the report makes of the
// events; and the config it needs.
import { describe, expect, it } from "vitest";
import { RunAbort, withAbortScope } from "../../harness/abort.ts";
import { validateConfig } from "../../harness/config.ts";
import { drainNode, type NodeDrainApi } from "../../harness/deploy/evict.ts";
import { renderDeployment } from "../../harness/deploy/manifests.ts";
import { isWorker } from "../../harness/deploy/nodes.ts";
import { drainSummary, explainDrain } from "../../harness/verdict/drain.ts";
import type { RunEvent, Sample } from "../../harness/verdict/types.ts";
import type { Clock } from "../../harness/wait.ts";

function fakeClock(): Clock & { t: number } {
  const c = { t: 0, now: () => c.t, sleep: async (ms: number) => void (c.t += ms) };
  return c;
}

/** A node with `pods`; the budget lets `allowed(t)` evictions through at clock time t; evicted pods are gone 1 s later. */
function fakeCluster(clock: Clock, pods: string[], allowed: (t: number) => number) {
  const calls: string[] = [];
  const evictedAt = new Map<string, number>();
  const api: NodeDrainApi = {
    cordon: async (n) => void calls.push(`cordon ${n}`),
    uncordon: async (n) => void calls.push(`uncordon ${n}`),
    podsOn: async () => pods.filter((p) => !evictedAt.has(p)),
    evict: async (p) => {
      if (evictedAt.size >= allowed(clock.now())) return { ok: false, refused: "Cannot evict pod as it would violate the pod's disruption budget." };
      evictedAt.set(p, clock.now());
      calls.push(`evict ${p}`);
      return { ok: true };
    },
    gone: async (p) => clock.now() - (evictedAt.get(p) ?? Infinity) >= 1_000,
  };
  return { api, calls };
}

describe("drainNode", () => {
  it("with no budget evicts every pod on the node at once, then waits until they are gone", async () => {
    const clock = fakeClock();
    const { api, calls } = fakeCluster(clock, ["a", "b"], () => Infinity);
    const kinds: string[] = [];
    const out = await drainNode(api, "w1", { timeoutMs: 60_000, goneTimeoutMs: 60_000, clock, record: (k) => kinds.push(k) });
    expect(calls).toEqual(["cordon w1", "evict a", "evict b"]);
    expect(out).toEqual({ node: "w1", evicted: ["a", "b"], refusals: {} });
    expect(kinds).toEqual(["cordon", "eviction", "eviction", "node-drained"]);
    expect(clock.t).toBe(1_000);
  });

  it("asks again every 5 s (like kubectl drain) while a disruption budget refuses, and counts the refusals", async () => {
    const clock = fakeClock();
    // One eviction allowed at first, the second once a replacement is ready at t = 12 s.
    const { api } = fakeCluster(clock, ["a", "b"], (t) => (t >= 12_000 ? 2 : 1));
    const refused: unknown[] = [];
    const out = await drainNode(api, "w1", {
      timeoutMs: 60_000,
      goneTimeoutMs: 60_000,
      clock,
      record: (k, f) => k === "eviction-refused" && refused.push(f),
    });
    expect(out.evicted).toEqual(["a", "b"]);
    expect(out.refusals).toEqual({ b: 3 }); // at 0, 5 and 10 s; evicted at 15 s
    expect(refused[0]).toMatchObject({ node: "w1", pod: "b", message: expect.stringMatching(/disruption budget/) });
  });

  it("fails after timeoutMs of refusals, naming the pods and the budget's answer", async () => {
    const clock = fakeClock();
    const { api } = fakeCluster(clock, ["a", "b"], () => 0);
    await expect(drainNode(api, "w1", { timeoutMs: 20_000, goneTimeoutMs: 60_000, clock, record: () => {} })).rejects.toThrow(
      /drain of node w1: eviction of a, b still refused after 20 s \(last refusal: Cannot evict pod as it would violate the pod's disruption budget\.\)/,
    );
  });

  it("stops evicting as soon as the run is aborted (Ctrl-C)", async () => {
    const clock = fakeClock();
    const { api, calls } = fakeCluster(clock, ["a", "b"], () => 0);
    const abort = new RunAbort();
    abort.abort({ kind: "signal", signal: "SIGINT", at: 0 });
    await expect(withAbortScope(abort, () => drainNode(api, "w1", { timeoutMs: 60_000, goneTimeoutMs: 60_000, clock, record: () => {} }))).rejects.toThrow();
    expect(calls.filter((c) => c.startsWith("evict"))).toEqual([]);
  });
});

describe("drain report", () => {
  const ev = (t: number, kind: string, f: Record<string, unknown> = {}): RunEvent => ({ t, kind, ...f });
  const pod = (t: number, name: string, ready: boolean, terminating = false, type = "MODIFIED") => ev(t, "pod", { type, pod: name, ready, terminating });
  const sample = (t: number, s = 200): Sample => ({ t, d: 1, s, e: s === 200 ? 0 : 1212, v: s === 200 ? "v1" : "", p: "", ph: "deploy" });
  // Two pods, one per worker; w1 drained (a evicted), then w2 (b evicted) before a's replacement c is ready.
  const events: RunEvent[] = [
    pod(0, "a", true, false, "ADDED"),
    pod(0, "b", true, false, "ADDED"),
    ev(1_000, "window-start", { label: "drain-1" }),
    ev(1_000, "cordon", { label: "drain-1", node: "w1", pods: ["a"] }),
    ev(1_100, "eviction", { label: "drain-1", node: "w1", pod: "a" }),
    pod(1_100, "a", false, true),
    pod(1_200, "c", false, false, "ADDED"),
    pod(3_000, "a", false, true, "DELETED"),
    ev(3_000, "node-drained", { label: "drain-1", node: "w1" }),
    ev(3_000, "uncordon", { label: "drain-1", node: "w1" }),
    ev(3_100, "cordon", { label: "drain-1", node: "w2", pods: ["b"] }),
    ev(3_200, "eviction-refused", { label: "drain-1", node: "w2", pod: "b" }),
    ev(8_200, "eviction", { label: "drain-1", node: "w2", pod: "b" }),
    pod(8_200, "b", false, true),
    pod(9_000, "c", true),
    ev(10_000, "node-drained", { label: "drain-1", node: "w2" }),
    ev(10_000, "uncordon", { label: "drain-1", node: "w2" }),
    ev(12_000, "window-end", { label: "drain-1" }),
  ];
  const samples = [sample(500), sample(2_000), sample(8_500, 0), sample(8_600, 0), sample(11_000), sample(13_000, 0)];

  it("gives each drained node its evictions, refusals and the requests sent while it was drained", () => {
    const d = drainSummary(events, samples)!;
    expect(d.nodes.map((r) => [r.node, r.evictions.map((e) => e.pod), r.refusals, r.requests, r.failed, r.drainedAt, r.uncordonAt])).toEqual([
      ["w1", ["a"], 0, 1, 0, 3_000, 3_000],
      ["w2", ["b"], 1, 3, 2, 10_000, 10_000],
    ]);
  });

  it("finds the moment no pod was ready, and says so", () => {
    const d = drainSummary(events, samples)!;
    expect([d.minReadyPods, d.minReadyAt]).toEqual([0, 8_200]);
    expect(explainDrain(d, false)).toMatch(/^2 request\(s\) failed: with no disruption budget .* the fewest ready pods at any time was 0 .*\(pdb=true\)/);
  });

  it("says why a drain with no budget dropped nothing, rather than only that it passed", () => {
    const ok = drainSummary(events, samples.filter((s) => s.s === 200))!;
    expect(explainDrain({ ...ok, minReadyPods: 1 }, false)).toMatch(/no request failed although no disruption budget .* fewest ready pods at any time was 1/);
    expect(explainDrain({ ...ok, minReadyPods: 1 }, true)).toMatch(/the disruption budget refused 1 eviction\(s\) until replacements were ready/);
  });

  it("is absent from runs that drained nothing", () => {
    expect(drainSummary([ev(0, "window-start", { label: "rollout-1" })], samples)).toBeNull();
  });
});

describe("scenario=drain configuration", () => {
  it("is refused before any cluster work where there are not 2 workers, naming the field", () => {
    expect(() => validateConfig({ scenario: "drain" })).toThrow(/provider: scenario=drain needs at least 2 worker nodes: the local cluster has one/);
    expect(() => validateConfig({ scenario: "drain", provider: "kind", nodes: 2 })).toThrow(/nodes: scenario=drain needs at least 2 worker nodes: with provider kind, nodes >= 3/);
    expect(() => validateConfig({ scenario: "drain", provider: "kind", nodes: 3, strategy: "canary" })).toThrow(/strategy: .* must be rolling/);
    expect(() => validateConfig({ scenario: "nope" })).toThrow(/scenario: .*allowed: deploy, drain|scenario: Invalid option: expected one of "deploy"\|"drain"/);
    expect(validateConfig({ scenario: "drain", provider: "kind", nodes: 3 }).scenario).toBe("drain");
  });

  it("spreads the pods over the nodes, leaving tainted and cordoned nodes out of the count", () => {
    const p = { runId: "r1", namespace: "ns", name: "app", version: "v1", image: "img", replicas: 4 };
    const drain = renderDeployment(validateConfig({ scenario: "drain", provider: "kind", nodes: 3 }), p);
    expect(drain.spec!.template.spec!.topologySpreadConstraints).toEqual([
      expect.objectContaining({ topologyKey: "kubernetes.io/hostname", maxSkew: 1, whenUnsatisfiable: "DoNotSchedule", nodeTaintsPolicy: "Honor" }),
    ]);
    expect(renderDeployment(validateConfig({}), p).spec!.template.spec!.topologySpreadConstraints).toBeUndefined();
  });

  it("drains only workers: not the control plane (NoSchedule taint), not a cordoned node", () => {
    expect(isWorker({ metadata: { name: "w" } })).toBe(true);
    expect(isWorker({ spec: { taints: [{ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" }] } })).toBe(false);
    expect(isWorker({ spec: { unschedulable: true } })).toBe(false);
    expect(isWorker({ spec: { taints: [{ key: "x", effect: "PreferNoSchedule" }] } })).toBe(true);
  });
});
