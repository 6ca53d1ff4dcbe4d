import { describe, expect, it } from "vitest";
import { pass } from "../../harness/verdict/rules/pass.ts";
import { facts } from "./rule-facts.ts";

describe("rule: pass", () => {
  it("gives the evidence as its reasons: no failure, the requests in deploy windows, pods, k6 and the rate", () => {
    expect(pass(facts())).toEqual({
      outcome: "pass",
      reasons: [
        "0 of 1000 requests failed: every request got HTTP 200",
        "200 requests inside deploy windows (minimum 100): rollout-1 ×200",
        "all pods were replaced; k6 exited with code 0; achieved 99.5 req/s (target 100)",
      ],
    });
  });

  it("names the requests' own success rule when they carry one, and a k6 the harness stopped", () => {
    const r = pass(facts({ successByRequest: true, k6ExitCode: null, inWindow: 300, inWindowByLabel: { "rollout-1": 100, "rollout-2": 200 } })).reasons;
    expect(r[0]).toBe("0 of 1000 requests failed: every request got a status its request counts as success");
    expect(r[1]).toBe("300 requests inside deploy windows (minimum 100): rollout-2 ×200, rollout-1 ×100");
    expect(r[2]).toMatch(/^all pods were replaced; k6 was stopped by the harness; /);
  });
});
