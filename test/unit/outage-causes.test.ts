import { describe, expect, it } from "vitest";
import { outageCause, podExits } from "../../harness/verdict/outage-causes.ts";
import type { Outage, RunEvent } from "../../harness/verdict/types.ts";

const T = 1_700_000_000_000;
const pod = (t: number, name: string, o: { phase?: string; ready?: boolean; terminating?: boolean; type?: string } = {}): RunEvent => ({
  t: T + t,
  kind: "pod",
  type: o.type ?? "MODIFIED",
  pod: name,
  phase: o.phase ?? "Running",
  ready: o.ready ?? true,
  terminating: o.terminating ?? false,
});
const slice = (t: number, eps: [string, boolean, boolean?][], type = "MODIFIED"): RunEvent => ({
  t: T + t,
  kind: "endpoints",
  type,
  slice: "app-abcde",
  service: "app",
  endpoints: eps.map(([p, ready, terminating]) => ({ pod: p, ready, serving: ready || !!terminating, terminating: !!terminating })),
});
const outage = (start: number, end: number): Outage => ({ start: T + start, end: T + end, durationMs: end - start, failed: 10, requests: 50, histogram: { "0": 10 }, errorsByCode: [] });

// A pod of an abrupt-shutdown app: deleted at 0, marked terminating in the
// slice 30 ms later, exited at 270 ms, removed from the slice at 280 ms.
const ABRUPT: RunEvent[] = [
  slice(-5000, [["app-a", true], ["app-b", true]]),
  pod(0, "app-a", { terminating: true }),
  slice(30, [["app-a", false, true], ["app-b", true]]),
  pod(270, "app-a", { phase: "Succeeded", ready: false, terminating: true }),
  slice(280, [["app-b", true]]),
  pod(1100, "app-a", { phase: "Succeeded", ready: false, terminating: true, type: "DELETED" }),
];

describe("pod exits", () => {
  it("reads deletion, endpoint not ready, exit and endpoint removal of each deleted pod", () => {
    expect(podExits(ABRUPT)).toEqual([{ pod: "app-a", deletedAt: T, endpointNotReadyAt: T + 30, exitedAt: T + 270, endpointRemovedAt: T + 280, programmedAt: null }]);
  });

  it("takes a terminating endpoint seen before the pod's own deletion event", () => {
    const ev = [slice(-5000, [["app-a", true]]), slice(10, [["app-a", false, true]]), pod(40, "app-a", { terminating: true })];
    expect(podExits(ev)[0]).toMatchObject({ deletedAt: T + 40, endpointNotReadyAt: T + 10 });
  });

  it("leaves out pods never deleted, and a new pod starting not ready is not 'not ready after deletion'", () => {
    const ev = [pod(0, "app-new", { ready: false }), slice(10, [["app-new", false]]), slice(700, [["app-new", true]])];
    expect(podExits(ev)).toEqual([]);
  });
});

describe("outage causes", () => {
  it("names the pod that stopped before traffic to it stopped, with its times relative to its deletion", () => {
    const c = outageCause(outage(5, 1070), podExits(ABRUPT), ABRUPT, T);
    expect(c.rule).toBe("stopped-before-traffic");
    expect(c.pods).toEqual(["app-a"]);
    expect(c.text).toMatch(/app-a: deleted at \+0\.0s; endpoint not ready \+0\.03 s, removed \+0\.28 s; exited \+0\.27 s/);
    expect(c.text).toMatch(/preStop sleep longer than deletion → endpoint removal \(up to 0\.28 s here\)/);
  });

  it("blames a pod whose deletion the watch reported just after the request it broke: the kubelet had acted on it already", () => {
    // One kept-alive request sent at +28.4 s failed 12 ms later; the watch saw the pod deleted at +28.45 s.
    const ev = [slice(20_000, [["app-a", true], ["app-b", true]]), pod(28_450, "app-a", { terminating: true }), slice(28_480, [["app-a", false, true], ["app-b", true]])];
    const o = { ...outage(28_400, 28_400), doneAt: T + 28_412, failed: 1, requests: 3 };
    const c = outageCause(o, podExits(ev), ev, T);
    expect(c.rule).toBe("stopped-before-traffic");
    expect(c.pods).toEqual(["app-a"]);
    // A deletion seen more than a second after the last failure ended is not its cause.
    const late = [slice(20_000, [["app-a", true], ["app-b", true]]), pod(29_500, "app-a", { terminating: true })];
    expect(outageCause(o, podExits(late), late, T).rule).toBeNull();
  });

  it("says no ready endpoint when none was ready and no pod was being deleted", () => {
    const ev = [slice(-3000, [["app-a", false], ["app-b", false]])];
    const c = outageCause(outage(0, 2000), podExits(ev), ev, T);
    expect(c).toMatchObject({ rule: "no-ready-endpoint", pods: [] });
  });

  it("says no rule matched rather than blame a pod deleted long before, or one removed from the Service well before the outage", () => {
    const longBefore = outageCause(outage(20_000, 21_000), podExits(ABRUPT), ABRUPT, T);
    expect(longBefore.rule).toBeNull();
    expect(longBefore.text).toMatch(/^no rule matched: .* 1 endpoint\(s\) were ready/);
    const afterRemoval = outageCause(outage(2_500, 3_000), podExits(ABRUPT), ABRUPT, T);
    expect(afterRemoval.rule).toBeNull();
  });

  it("on the ingress path names the controller, which routes to pod addresses itself, not kube-proxy", () => {
    const c = outageCause(outage(5, 1070), podExits(ABRUPT), ABRUPT, T, "Traefik v3.6.12");
    expect(c.rule).toBe("stopped-before-traffic");
    expect(c.text).toMatch(/a preStop sleep longer than deletion → the ingress controller \(Traefik v3\.6\.12\) stops sending to the pod/);
  });

  it("counts ready endpoints of the user-facing Service only: the ingress controller's own endpoint serves no user", () => {
    const ingressSlice: RunEvent = { t: T - 3000, kind: "endpoints", type: "ADDED", slice: "ingress-xyz", service: "ingress", endpoints: [{ pod: "ingress-1", ready: true, serving: true, terminating: false }] };
    const ev = [slice(-3000, [["app-a", false], ["app-b", false]]), ingressSlice];
    expect(outageCause(outage(0, 2000), podExits(ev), ev, T)).toMatchObject({ rule: "no-ready-endpoint" });
  });

  it("with no events at all, says so", () => {
    const c = outageCause(outage(0, 100), [], [], T);
    expect(c.rule).toBeNull();
    expect(c.text).toMatch(/no EndpointSlice was seen/);
  });
});

describe("outage causes: answers from the app", () => {
  it("names the pods that answered with errors, even while other pods were being deleted", () => {
    const o = { ...outage(5, 1070), histogram: { "500": 18, "0": 2 }, failed: 20, answeredBy: { "app-v2-x": 12, "app-v2-y": 6 } };
    const c = outageCause(o, podExits(ABRUPT), ABRUPT, T);
    expect(c.rule).toBe("app-answered-errors");
    expect(c.pods).toEqual(["app-v2-x", "app-v2-y"]);
    expect(c.text).toMatch(/with answers from the app \(500×18\), from app-v2-x ×12, app-v2-y ×6/);
  });

  it("leaves mostly-connection-error outages to the other rules", () => {
    const o = { ...outage(5, 1070), histogram: { "503": 1, "0": 9 }, failed: 10, answeredBy: { "app-a": 1 } };
    expect(outageCause(o, podExits(ABRUPT), ABRUPT, T).rule).toBe("stopped-before-traffic");
  });
});

describe("outage causes: the proxy's upstream closes (keep-alive mismatch)", () => {
  const ingress = (app: number, proxy: number): RunEvent => ({ t: T - 60_000, kind: "ingress", controller: "nginx 1.22.1", keepAlive: { app, proxy } });
  const closed = (at: number, what = "upstream prematurely closed connection while reading response header from upstream"): RunEvent => ({ t: T + 90_000, kind: "proxy-upstream-closed", at: T + at, what, request: "POST / HTTP/1.1" });
  const proxied = (start: number, end: number): Outage => ({ ...outage(start, end), failed: 3, requests: 300, histogram: { "502": 3 } });

  it("names the proxy's log and the two timeouts when the app's is the shorter", () => {
    const events = [ingress(0.05, 90), closed(12_000), closed(12_000, "(104: Connection reset by peer) while reading response header from upstream"), closed(40_000)];
    const c = outageCause(proxied(12_100, 12_800), [], events, T, "nginx 1.22.1");
    expect(c.rule).toBe("proxy-upstream-closed");
    expect(c.text).toContain("3 × 502 from the proxy (nginx 1.22.1)");
    // Only the outage's own second: the close at +40 s is another outage's.
    expect(c.text).toContain('"upstream prematurely closed connection while reading response header from upstream" ×1, "(104: Connection reset by peer) while reading response header from upstream" ×1');
    expect(c.text).toContain("the app closes a connection idle for 0.05 s while the proxy keeps idle upstream connections for 90 s");
  });

  it("with the app's timeout already the longer, points elsewhere (closing idle connections at SIGTERM)", () => {
    const c = outageCause(proxied(12_100, 12_800), [], [ingress(120, 90), closed(12_000)], T, "nginx 1.22.1");
    expect(c.rule).toBe("proxy-upstream-closed");
    expect(c.text).toContain("already longer than the proxy's");
  });

  it("does not claim an outage the proxy logged nothing about in its seconds, nor one of connection errors", () => {
    expect(outageCause(proxied(20_000, 21_500), [], [ingress(0.05, 90), closed(12_000)], T, "nginx 1.22.1").rule).not.toBe("proxy-upstream-closed");
    expect(outageCause(outage(12_000, 12_500), [], [ingress(0.05, 90), closed(12_000)], T, "nginx 1.22.1").rule).not.toBe("proxy-upstream-closed");
  });
});
