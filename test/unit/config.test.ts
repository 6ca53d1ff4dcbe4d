import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, parseSets, resolveConfig, validateConfig, wantedNodes } from "../../harness/config.ts";

describe("RunConfig", () => {
  it("has defaults that make a sensible rolling run", () => {
    const c = validateConfig({});
    expect(c).toMatchObject({ strategy: "rolling", provider: "local", replicas: 4, maxSurge: 1, maxUnavailable: 0, rate: 300, minRequestsInWindow: 1000 });
  });

  it("coerces --set values to the field's type", () => {
    expect(parseSets(["replicas=6", "keep=true", "maxSurge=25%", "canarySteps=10,50,100", "badErrorRate=0.5", "strategy=canary"])).toEqual({
      replicas: 6,
      keep: true,
      maxSurge: "25%",
      canarySteps: [10, 50, 100],
      badErrorRate: 0.5,
      strategy: "canary",
    });
  });

  it("lets --set override the file, and the file override the base", async () => {
    const dir = await mkdtemp(join(tmpdir(), "nodrop-cfg-"));
    const file = join(dir, "c.yaml");
    await writeFile(file, "replicas: 6\nrate: 400\n");
    const c = await resolveConfig({ file, sets: ["rate=500"], base: { replicas: 2, warmup: 3 } });
    expect([c.replicas, c.rate, c.warmup]).toEqual([6, 500, 3]);
  });

  it.each([
    [{ maxSurge: 0, maxUnavailable: 0 }, "maxUnavailable"],
    [{ maxSurge: "0%", maxUnavailable: 0 }, "maxUnavailable"],
    [{ rate: -5 }, "rate"],
    [{ strategy: "teleport" }, "rolling, blue-green, canary"],
    [{ maxSurge: "150%" }, "maxSurge"],
    [{ preStopSleep: 30, terminationGracePeriod: 30 }, "preStopSleep"],
    [{ canarySteps: [10, 50] }, "canarySteps"],
  ])("rejects %j naming %s", (input, field) => {
    expect(() => validateConfig(input)).toThrow(ConfigError);
    expect(() => validateConfig(input)).toThrow(field);
  });

  it("rejects unknown fields with the list of allowed ones", () => {
    expect(() => parseSets(["teleport=1"])).toThrow(/unknown field 'teleport' \(allowed: .*replicas/);
    expect(() => validateConfig({ teleport: 1 })).toThrow(/unknown field.*'teleport'/);
  });
});

describe("RunConfig: evidence defaults", () => {
  it("sends both probes by default (half the rate on fresh connections)", () => {
    expect(validateConfig({}).newConnShare).toBe(0.5);
  });

  it("needs a cool-down at least as long as the request timeout", () => {
    expect(() => validateConfig({ cooldown: 2, requestTimeout: 5 })).toThrow(
      /cooldown: must be at least requestTimeout \(5 s\): requests sent at the end of the last deploy window need up to requestTimeout to finish before k6 is stopped/,
    );
    expect(validateConfig({ cooldown: 5, requestTimeout: 5 }).cooldown).toBe(5);
  });
});

describe("wantedNodes", () => {
  it("asks for a cluster size only when nodes was set, so a default run reuses a kind cluster of any size", () => {
    expect(wantedNodes(validateConfig({ provider: "kind" }))).toBeUndefined();
    expect(wantedNodes(validateConfig({ provider: "kind", nodes: 3 }))).toBe(3);
  });
});

describe("path", () => {
  it("defaults to the app's NodePort; ingress is allowed; anything else names the allowed values", () => {
    expect(validateConfig({}).path).toBe("nodeport");
    expect(validateConfig({ path: "ingress" }).path).toBe("ingress");
    expect(() => validateConfig({ path: "gateway" })).toThrow(/path: .*\(allowed: nodeport, ingress\)/);
  });

  it("refuses a node drain through the single ingress controller", () => {
    expect(() => validateConfig({ scenario: "drain", provider: "kind", nodes: 3, path: "ingress" })).toThrow(/path: scenario=drain drains the nodes the single ingress controller runs on too/);
  });
});
