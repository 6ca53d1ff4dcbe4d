// The nightly suite file: defaults under each scenario, every problem collected
// and reported once, naming the file, the scenario and the field.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../harness/config.ts";
import { loadSuite, parseSuite, parseSuiteText, SCENARIO_NAME } from "../../harness/nightly/suite.ts";

/** The ConfigError message parseSuite throws (fails the test when it does not throw one). */
function problemsOf(doc: unknown, source = "suites/s.yaml"): string {
  try {
    parseSuite(doc, source);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error("parseSuite accepted the suite");
}

describe("a valid suite", () => {
  const text = `
defaults: { rate: 200, preStopSleep: 5 }
scenarios:
  - name: web-rolling
    config: { strategy: rolling, preStopSleep: 2 }
  - name: web-bg
    config: { strategy: blue-green }
  - name: plain
`;

  it("applies the defaults under each scenario's own config, keeps the file order and the overrides as written", () => {
    const s = parseSuiteText(text, "suites/nightly-web.yaml");
    expect(s.name).toBe("nightly-web");
    expect(s.source).toBe("suites/nightly-web.yaml");
    expect(s.scenarios.map((x) => x.name)).toEqual(["web-rolling", "web-bg", "plain"]);
    expect(s.scenarios.map((x) => [x.config.strategy, x.config.rate, x.config.preStopSleep])).toEqual([
      ["rolling", 200, 2],
      ["blue-green", 200, 5],
      ["rolling", 200, 5],
    ]);
    expect(s.scenarios[0]!.overrides).toEqual({ strategy: "rolling", preStopSleep: 2 });
    expect(s.scenarios[2]!.overrides).toEqual({});
    // Untouched fields get RunConfig's defaults.
    expect(s.scenarios[1]!.config.replicas).toBe(4);
  });

  it("reads JSON as well, and an explicit name wins over the file name", () => {
    const s = parseSuiteText(JSON.stringify({ name: "nightly", scenarios: [{ name: "a", config: { rate: 50 } }] }), "x/other.json");
    expect(s.name).toBe("nightly");
    expect(s.scenarios[0]!.config.rate).toBe(50);
  });

  it("loads a file; a missing file is a ConfigError naming it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "nodrop-suite-"));
    await writeFile(join(dir, "nightly.yml"), text);
    expect((await loadSuite(join(dir, "nightly.yml"))).scenarios).toHaveLength(3);
    await expect(loadSuite(join(dir, "nope.yaml"))).rejects.toThrow(/suite file '.*nope\.yaml' cannot be read/);
  });

  it("scenario names: the pattern, up to 63 characters", () => {
    expect(SCENARIO_NAME.test("a".repeat(63))).toBe(true);
    expect(SCENARIO_NAME.test("a".repeat(64))).toBe(false);
    expect(() => parseSuite({ scenarios: [{ name: `a${"-b".repeat(31)}` }] }, "s.yaml")).not.toThrow();
  });
});

describe("an invalid suite", () => {
  it("collects every problem into one error: file, scenario and field named", () => {
    const m = problemsOf({
      extra: 1,
      defaults: { runId: "x" },
      scenarios: [
        { name: "Web_1", config: {} },
        { name: "api", config: { strategy: "teleport", replicas: 0 } },
        { name: "api", config: { runId: "r1" } },
        { name: "db", config: { colour: "blue" } },
      ],
    });
    expect(m).toMatch(/^suite file 'suites\/s\.yaml':\n/);
    expect(m).toMatch(/unknown key\(s\) extra \(allowed: name, defaults, scenarios/);
    expect(m).toMatch(/defaults\.runId: not allowed/);
    expect(m).toContain(`scenarios[0] 'Web_1': name must match ${SCENARIO_NAME}`);
    expect(m).toMatch(/scenarios\[1\] 'api' is invalid:\n\s+strategy: .*\(allowed: rolling, blue-green, canary\)/);
    expect(m).toMatch(/scenarios\[1\] 'api' is invalid:[\s\S]*\n\s+replicas: /);
    expect(m).toMatch(/scenarios\[2\] 'api': the name is used twice/);
    expect(m).toMatch(/scenarios\[2\] 'api': config\.runId: not allowed/);
    expect(m).toMatch(/scenarios\[3\] 'db' is invalid:\n\s+unknown field\(s\) 'colour'/);
  });

  it("one cluster per nightly: provider, kubeconfig and context must agree, and the message says who has what", () => {
    const m = problemsOf({
      scenarios: [
        { name: "a", config: { provider: "existing", kubeconfig: "/k1" } },
        { name: "b", config: { provider: "existing", kubeconfig: "/k2", context: "ctx" } },
      ],
    });
    expect(m).toMatch(/kubeconfig: every scenario of a suite runs on one cluster, so all must agree \(got \/k1 in a; \/k2 in b\)/);
    expect(m).toMatch(/context: .*\(got \(unset\) in a; ctx in b\)/);
    expect(m).not.toMatch(/provider:/);
    const same = { provider: "existing", kubeconfig: "/k", context: "c" };
    expect(() => parseSuite({ defaults: same, scenarios: [{ name: "a" }, { name: "b", config: { rate: 9 } }] }, "s.yaml")).not.toThrow();
  });

  it("rejects an empty or missing scenario list, a non-mapping, a broken scenario entry and bad YAML", () => {
    expect(problemsOf({ scenarios: [] })).toMatch(/scenarios: at least one scenario/);
    expect(problemsOf({ defaults: {} })).toMatch(/scenarios: a list of \{ name, config \}/);
    expect(problemsOf([1, 2])).toMatch(/must hold a mapping with name, defaults, scenarios \(got a list\)/);
    expect(problemsOf(null)).toMatch(/got nothing/);
    const entry = problemsOf({ scenarios: [{ config: {} }, { name: "b", settings: {} }, { name: "c", config: [1] }] });
    expect(entry).toMatch(/scenarios\[0\]: name: a name/);
    expect(entry).toMatch(/scenarios\[1\]: unknown key\(s\) settings/);
    expect(entry).toMatch(/scenarios\[2\]: config: a mapping/);
    expect(() => parseSuiteText("scenarios: [ {name: a", "bad.yaml")).toThrow(/suite file 'bad\.yaml': not valid YAML or JSON/);
  });

  it("maxFailedRequests: an explicit budget per scenario, 0 unless declared; a bad value names the key", () => {
    const suite = parseSuite({ scenarios: [{ name: "a" }, { name: "b", maxFailedRequests: 3 }] }, "s.yaml");
    expect(suite.scenarios.map((x) => x.maxFailedRequests)).toEqual([0, 3]);
    const m = problemsOf({ scenarios: [{ name: "a", maxFailedRequests: -1 }, { name: "b", maxFailedRequests: "some" }, { name: "c", maxFailedRequests: 1.5 }] });
    expect(m).toMatch(/scenarios\[0\]: maxFailedRequests: a whole number ≥ 0/);
    expect(m).toMatch(/scenarios\[1\]: maxFailedRequests: a whole number ≥ 0 \(failed requests a night may have: an accepted risk\)/);
    expect(m).toMatch(/scenarios\[2\]: maxFailedRequests: a whole number ≥ 0/);
  });

  it("an invalid default is reported for the scenarios it reaches, a cross-field rule too", () => {
    const m = problemsOf({ defaults: { terminationGracePeriod: 3 }, scenarios: [{ name: "a", config: { preStopSleep: 5 } }, { name: "b" }] });
    expect(m).toMatch(/^suite file 'suites\/s\.yaml': scenarios\[0\] 'a' is invalid:\n/);
    expect(m).toMatch(/preStopSleep: must be shorter than terminationGracePeriod \(3 s\)/);
    expect(m).not.toMatch(/'b'/);
  });
});
