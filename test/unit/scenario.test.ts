// The k6 scenario's pure logic (run in Node), and the bundler.
import { mkdir, mkdtemp, readdir, readFile, rm, rmdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { transform } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";
import { bundleScenario, ScenarioTypeError } from "../../harness/load/bundle.ts";
import { REPO_ROOT } from "../../harness/tools.ts";
import { parseSampleLine } from "../../harness/verdict/samples.ts";
import type { Sample } from "../../harness/verdict/types.ts";
import { splitRate, defaultPreAllocatedVUs, parseScenarioParams, SCENARIO_ENV, scenarioEnv, validateTarget } from "../../scenarios/lib/params.ts";
import { formatSample, headerValue, phaseAt, sampleRecord, type ResponseLike } from "../../scenarios/lib/sample.ts";

const res = (over: Partial<ResponseLike> = {}): ResponseLike => ({
  status: 200,
  error_code: 0,
  timings: { duration: 1.23456789 },
  headers: { "X-App-Version": "v2", "X-Pod-Name": "app-7c9-abcde" },
  ...over,
});

describe("phaseAt", () => {
  it("is warmup for the first WARMUP seconds, then deploy", () => {
    expect(phaseAt(0, 10)).toBe("warmup");
    expect(phaseAt(9_999, 10)).toBe("warmup");
    expect(phaseAt(10_000, 10)).toBe("deploy");
    expect(phaseAt(3_600_000, 10)).toBe("deploy");
  });
  it("treats a clock slightly behind the scenario start as warmup, and WARMUP=0 as deploy at once", () => {
    expect(phaseAt(-5, 10)).toBe("warmup");
    expect(phaseAt(0, 0)).toBe("deploy");
    expect(phaseAt(499, 0.5)).toBe("warmup");
  });
});

describe("sampleRecord / formatSample", () => {
  it("builds the compact line with keys in contract order", () => {
    const line = formatSample(sampleRecord(1_700_000_000_123, res(), "deploy"));
    expect(line).toBe('{"t":1700000000123,"d":1.235,"s":200,"e":0,"v":"v2","p":"app-7c9-abcde","ph":"deploy"}');
  });
  it("records a connection error as status 0 with k6's error code and empty headers", () => {
    const r = sampleRecord(5, res({ status: 0, error_code: 1212, timings: { duration: 0 }, headers: {} }), "warmup");
    expect(r).toEqual({ t: 5, d: 0, s: 0, e: 1212, v: "", p: "", ph: "warmup" });
  });
  it("keeps k6's error code for HTTP errors (1503 for a 503)", () => {
    expect(sampleRecord(5, res({ status: 503, error_code: 1503 }), "deploy")).toMatchObject({ s: 503, e: 1503, v: "v2" });
  });
  it("survives odd response objects (missing/NaN fields)", () => {
    const odd = { status: NaN, error_code: undefined, timings: undefined, headers: undefined } as unknown as ResponseLike;
    expect(sampleRecord(1, odd, "deploy")).toEqual({ t: 1, d: 0, s: 0, e: 0, v: "", p: "", ph: "deploy" });
  });
  it("reads the version and pod from the headers the app names", () => {
    const res = { status: 200, error_code: 0, timings: { duration: 1 }, headers: { "X-Build": "v2", "X-Served-By": "web-1", "X-App-Version": "no" } };
    expect(sampleRecord(1, res, "deploy", "reuse", { version: "X-Build", pod: "X-Served-By" })).toMatchObject({ v: "v2", p: "web-1" });
  });
  it("reads headers case-insensitively", () => {
    expect(headerValue({ "x-app-version": "v3" }, "X-App-Version")).toBe("v3");
    expect(headerValue({ "X-POD-NAME": "p" }, "X-Pod-Name")).toBe("p");
    expect(headerValue({}, "X-Pod-Name")).toBe("");
  });
  it("is exactly what the verdict's reader parses back", () => {
    const rec = sampleRecord(42, res({ status: 503, error_code: 1503 }), "deploy");
    const asVerdictSample: Sample = rec; // compile-time: the record satisfies the verdict's Sample
    expect(parseSampleLine(formatSample(rec))).toEqual(asVerdictSample);
  });
  it("records the app's database error (X-Db-Error) on a failed answer only, and parses it back", () => {
    const failed = sampleRecord(7, res({ status: 500, error_code: 1500, headers: { "X-App-Version": "v1", "x-db-error": 'column "title" does not exist' } }), "deploy");
    expect(failed.db).toBe('column "title" does not exist');
    expect(parseSampleLine(formatSample(failed))).toEqual(failed);
    const ok = sampleRecord(7, res({ headers: { "X-App-Version": "v1", "X-Db-Error": "stale" } }), "deploy");
    expect(ok.db).toBeUndefined();
    expect(JSON.parse(formatSample(ok)).db).toBeUndefined();
  });
});

describe("validateTarget", () => {
  it.each(["http://127.0.0.1:8080/", "http://127.0.0.1:1", "http://127.0.0.1:65535/healthz?x=1", "http://127.0.0.1:30080/a/b"])("accepts %s", (t) => {
    expect(validateTarget(t)).toBe(t);
  });
  it.each([
    undefined,
    "",
    "http://localhost:8080/",
    "https://127.0.0.1:8443/",
    "http://127.0.0.1/",
    "http://127.0.0.1:0/",
    "http://127.0.0.1:65536/",
    "http://127.0.0.1:80@example.com/",
    "http://127.0.0.1:80.example.com/",
    "http://127.0.0.10:80/",
    "http://10.0.0.1:80/",
    "http://[::1]:80/",
    " http://example.com/ http://127.0.0.1:80/",
    "http://127.0.0.1:80\\@example.com/",
  ])("refuses %j with a clear message", (t) => {
    expect(() => validateTarget(t)).toThrow(/TARGET must be a URL of the form http:\/\/127\.0\.0\.1:<port>/);
  });
});

describe("validateTarget with scope cluster (load=operator: a runner pod sends to a Service's ClusterIP)", () => {
  it.each(["http://10.96.12.7:80/", "http://172.20.0.3:8080/x", "http://192.168.1.9:30080"])("accepts %s", (t) => {
    expect(validateTarget(t, "cluster")).toBe(t);
  });
  it.each(["http://8.8.8.8:80/", "http://172.32.0.1:80/", "http://10.0.0.300:80/", "http://app.default.svc:80/", "http://10.96.0.1/", "https://10.96.0.1:443/", "http://127.0.0.1:80/"])("refuses %j", (t) => {
    expect(() => validateTarget(t, "cluster")).toThrow(/TARGET must be a URL of the form http:\/\/<private IPv4>:<port>\/<path> with TARGET_SCOPE=cluster/);
  });
  it("parses TARGET_SCOPE and refuses an unknown scope", () => {
    expect(parseScenarioParams({ TARGET: "http://10.96.0.9:80/", TARGET_SCOPE: "cluster" }).targetScope).toBe("cluster");
    expect(() => parseScenarioParams({ TARGET: "http://10.96.0.9:80/" })).toThrow(/127\.0\.0\.1/);
    expect(() => parseScenarioParams({ TARGET: "http://127.0.0.1:80/", TARGET_SCOPE: "lan" })).toThrow(/TARGET_SCOPE must be loopback or cluster, got 'lan'/);
  });
});

describe("parseScenarioParams / scenarioEnv", () => {
  it("applies defaults and derives preAllocatedVUs", () => {
    const p = parseScenarioParams({ TARGET: "http://127.0.0.1:9/" });
    expect(p).toEqual({ target: "http://127.0.0.1:9/", targetScope: "loopback", rate: 300, durationS: 1800, preAllocatedVUs: 200, maxVUs: 200, warmupS: 10, timeoutS: 5, newConnShare: 0.5, versionHeader: "X-App-Version", podHeader: "X-Pod-Name", method: "GET", streams: 0, streamS: 20 });
    // The whole pool: k6 drops an iteration whenever it must allocate a VU mid-run.
    expect(defaultPreAllocatedVUs(10, 200)).toBe(200);
    expect(defaultPreAllocatedVUs(150, 200)).toBe(200);
    expect(defaultPreAllocatedVUs(5000, 100)).toBe(100);
  });
  it("parses every variable", () => {
    const env = { TARGET: "http://127.0.0.1:9/x", RATE: "100", DURATION: "30", PRE_ALLOCATED_VUS: "10", MAX_VUS: "50", WARMUP: "1.5", TIMEOUT: "0.5", NEWCONN_SHARE: "0.25", VERSION_HEADER: "X-Build", POD_HEADER: "X-Served-By", METHOD: "POST", STREAMS: "3", STREAM_SECONDS: "7.5" };
    expect(parseScenarioParams(env)).toEqual({ target: "http://127.0.0.1:9/x", targetScope: "loopback", rate: 100, durationS: 30, preAllocatedVUs: 10, maxVUs: 50, warmupS: 1.5, timeoutS: 0.5, newConnShare: 0.25, versionHeader: "X-Build", podHeader: "X-Served-By", method: "POST", streams: 3, streamS: 7.5 });
  });
  it.each([
    [{ RATE: "0" }, /RATE must be an integer between 1 and 5000, got '0'/],
    [{ RATE: "1.5" }, /RATE must be an integer/],
    [{ RATE: "abc" }, /RATE must be/],
    [{ DURATION: "-1" }, /DURATION must be/],
    [{ DURATION: "999999" }, /DURATION must be an integer between 1 and 21600/],
    [{ TIMEOUT: "0" }, /TIMEOUT must be a number between 0.1 and 60/],
    [{ WARMUP: "1e3" }, /WARMUP must be/],
    [{ PRE_ALLOCATED_VUS: "60", MAX_VUS: "50" }, /PRE_ALLOCATED_VUS \(60\) must not exceed MAX_VUS \(50\)/],
    [{ VERSION_HEADER: "X Build" }, /VERSION_HEADER must be an HTTP header name/],
    [{ METHOD: "PUT" }, /METHOD must be GET or POST, got 'PUT'/],
  ])("refuses %j", (extra, msg) => {
    expect(() => parseScenarioParams({ TARGET: "http://127.0.0.1:9/", ...extra })).toThrow(msg);
  });
  it("splits the rate between the new-connection and the keep-alive probe", () => {
    expect(splitRate(300, 0.5)).toEqual([150, 150]);
    expect(splitRate(301, 0.5)).toEqual([151, 150]);
    expect(splitRate(300, 0)).toEqual([0, 300]);
    expect(splitRate(300, 1)).toEqual([300, 0]);
  });
  it("records the connection kind when given", () => {
    expect(JSON.parse(formatSample(sampleRecord(5, res(), "deploy", "new"))).c).toBe("new");
    expect(JSON.parse(formatSample(sampleRecord(5, res(), "deploy"))).c).toBeUndefined();
  });
  it("scenarioEnv produces the -e variables and validates them", () => {
    expect(scenarioEnv({ target: "http://127.0.0.1:9/", rate: 100, durationS: 30, warmupS: 2, timeoutS: 1.5 })).toEqual({
      TARGET: "http://127.0.0.1:9/",
      RATE: "100",
      DURATION: "30",
      WARMUP: "2",
      TIMEOUT: "1.5",
    });
    expect(() => scenarioEnv({ target: "http://example.com/" })).toThrow(/TARGET/);
    expect(() => scenarioEnv({ target: "http://127.0.0.1:9/", newConnShare: 1.5 })).toThrow(/NEWCONN_SHARE must be a number between 0 and 1/);
    expect(Object.values(SCENARIO_ENV).sort()).toEqual(["DURATION", "MAX_VUS", "METHOD", "NEWCONN_SHARE", "POD_HEADER", "PRE_ALLOCATED_VUS", "RATE", "STREAMS", "STREAM_SECONDS", "TARGET", "TARGET_SCOPE", "TIMEOUT", "VERSION_HEADER", "WARMUP"]);
  });
});

/** tsc + esbuild processes: 0.7–1.3 s measured on a 2-core machine; ~3× with a 10 s floor. */
const BUNDLE_MS = 10_000;

describe("bundleScenario", () => {
  const cleanup: string[] = [];
  afterAll(async () => {
    for (const d of cleanup) await rm(d, { recursive: true, force: true });
    // .nodrop/tmp is ours only if we created it and it is now empty.
    await rmdir(join(REPO_ROOT, ".nodrop", "tmp")).catch(() => undefined);
  });

  it("type-checks and bundles deploy-load.ts into plain JavaScript with k6 imports kept external", async () => {
    const out = await mkdtemp(join(tmpdir(), "nodrop-bundle-"));
    cleanup.push(out);
    const file = await bundleScenario(join(REPO_ROOT, "scenarios", "deploy-load.ts"), out);
    expect(file).toBe(join(out, "scenario.js"));
    expect(await readdir(out)).toEqual(["scenario.js"]);
    const code = await readFile(file, "utf8");
    // Plain JS: parsing it as JavaScript (not TypeScript) must succeed.
    await expect(transform(code, { loader: "js", format: "esm" })).resolves.toBeDefined();
    expect(code).toMatch(/^import http from "k6\/http";$/m);
    expect(code).toMatch(/^import exec from "k6\/execution";$/m);
    // Local modules are inlined, no .ts import is left.
    expect(code).not.toMatch(/from\s+["'][^"']*\.ts["']/);
    expect(code).toContain("function parseScenarioParams(");
    expect(code).toMatch(/export\s*\{[^}]*\bdefault\b[^}]*\boptions\b[^}]*\}/s);
    // The inline source map names the TypeScript sources.
    const m = /\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/.exec(code);
    expect(m).not.toBeNull();
    const map = JSON.parse(Buffer.from(m![1]!, "base64").toString("utf8")) as { sources: string[] };
    expect(map.sources.some((s) => s.endsWith("scenarios/deploy-load.ts"))).toBe(true);
    expect(map.sources.some((s) => s.endsWith("scenarios/lib/params.ts"))).toBe(true);
  }, BUNDLE_MS);

  it("throws ScenarioTypeError with the compiler output on a type error, and writes no bundle", async () => {
    // A throw-away project next to the repository's node_modules (so @types/k6
    // resolves), in the git-ignored .nodrop/ — never inside scenarios/, where
    // a concurrent `tsc -p scenarios/tsconfig.json` would see it.
    await mkdir(join(REPO_ROOT, ".nodrop", "tmp"), { recursive: true });
    const dir = await mkdtemp(join(REPO_ROOT, ".nodrop", "tmp", "bundle-test-"));
    cleanup.push(dir);
    await writeFile(
      join(dir, "tsconfig.json"),
      JSON.stringify({ extends: join(REPO_ROOT, "scenarios", "tsconfig.json"), include: ["./*.ts"] }),
    );
    await writeFile(
      join(dir, "bad.ts"),
      [
        'import http from "k6/http";',
        "export default function (): void {",
        '  const res = http.get("http://127.0.0.1:1/");',
        "  const n: number = res.status.toUpperCase();",
        "  void n;",
        "}",
        "",
      ].join("\n"),
    );
    const out = join(dir, "out");
    const err = await bundleScenario(join(dir, "bad.ts"), out, { tsconfig: join(dir, "tsconfig.json") }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScenarioTypeError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/do not type-check/);
    expect(msg).toMatch(/bad\.ts\(4,\d+\): error TS2339: Property 'toUpperCase' does not exist on type 'number'/);
    // Only the deliberate error: the k6 types resolved.
    expect(msg).not.toMatch(/TS2307/);
    await expect(readdir(out)).rejects.toThrow(/ENOENT/);
  }, BUNDLE_MS);
});
