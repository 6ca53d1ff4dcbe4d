// Issue 11, part 4: the upstream keep-alive mismatch. Given the local cluster
// with Debian's nginx in front of the app (upstream keep-alive as ingress-nginx
// sets it: a pool of idle connections kept 90 s) and POST requests (a proxy
// does not resend those), when the app closes idle connections sooner than
// nginx does, then nginx reuses some the app has just closed and answers 502 —
// from the warm-up on, deploy or not — and every outage is explained by
// nginx's own log; when the app's idle timeout is longer than nginx's, the
// same rolling deploy passes.
//
// The app's 2 ms idle timeout compresses time: it makes the app close nearly
// every upstream connection between two requests, so the race that a 5 s
// timeout hits a few times an hour shows many times a minute. The live gate is
// off (analysisMaxErrorRate=1): these 502s carry no version, and a gate counts
// those against the new version from the first second of the rollout.
import { describe, expect, it } from "vitest";
import { runWithSets } from "./helpers.ts";

const BASE = ["path=ingress", "ingressController=nginx", "method=POST", "preStopSleep=5", "rollouts=1", "warmup=10", "cooldown=10", "analysisMaxErrorRate=1"];

describe("upstream keep-alive mismatch behind nginx", () => {
  it("an app that closes idle connections before the proxy does fails with the proxy's 502s, explained by its log, before any deploy too", async () => {
    const { exitCode, s, explain } = await runWithSets([...BASE, "keepAliveTimeout=0.002"]);
    expect(exitCode, explain).toBe(1);
    expect(s.verdict, explain).toBe("fail");
    // The failure is the proxy's 502s: at least 9 in 10 of the failed requests. Not all: once in CI
    // (2026-12-02) 3 of 221 failures were k6's 5 s request timeouts (1050) beside 218 × 502; in 7
    // runs here since (4 idle, 3 with a core busy; 34–207 × 502 each) there was none. Those are failures
    // too, and the verdict counts them; what they were is not known yet.
    const failed = s.requests.failed;
    const proxied = s.histogram["502"] ?? 0;
    const others = Object.entries(s.histogram).filter(([k]) => k !== "200" && k !== "502");
    if (others.length) console.log(`keep-alive mismatch: failures other than 502: ${JSON.stringify(others)}; errors ${JSON.stringify(s.errorsByCode)}`);
    expect(proxied, explain).toBeGreaterThan(0);
    expect(proxied / failed, explain).toBeGreaterThanOrEqual(0.9);
    // Every outage with the proxy's 502s is explained by its log.
    const with502 = s.outages.filter((o) => (o.histogram["502"] ?? 0) > 0);
    expect(with502.length, explain).toBeGreaterThan(0);
    for (const o of with502) expect(o.cause?.rule, `${JSON.stringify(o.cause)}\n${explain}`).toBe("proxy-upstream-closed");
    expect(with502[0]!.cause!.text, explain).toContain("the app closes a connection idle for 0.002 s while the proxy keeps idle upstream connections for 90 s");
    // Not the deploy's doing: requests failed before the rollout began.
    expect(with502[0]!.start, explain).toBeLessThan(s.windows[0]!.start);
  });

  it("with the app's idle timeout longer than the proxy's, the same deploy passes", async () => {
    const { exitCode, s, explain } = await runWithSets([...BASE, "keepAliveTimeout=120"]);
    expect(exitCode, explain).toBe(0);
    expect(s.verdict, explain).toBe("pass");
    expect(s.outages, explain).toEqual([]);
  });
});
