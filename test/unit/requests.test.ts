// Requests as users send them (issue 24): the app file's `requests` is
// checked before any cluster work (exit 2 naming the key), handed to the
// scenario as JSON, mixed by weight, and each judged by its own statuses.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, validateConfig } from "../../harness/config.ts";
import { redacted } from "../../harness/deploy/apply.ts";
import { packBinary } from "../../harness/images/pack.ts";
import { addSample, emptyCounts } from "../../harness/load/sample-feed.ts";
import { appConfig, loadUserApp, requestEnv } from "../../harness/userapp/load.ts";
import { isFailed } from "../../harness/verdict/counting.ts";
import { describeFailures } from "../../harness/verdict/failures.ts";
import type { Sample } from "../../harness/verdict/types.ts";
import { okField, parseRequests, pickRequest, type RequestSpec, statusesFrom } from "../../scenarios/lib/requests.ts";

const DEPLOYMENT = "apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web }\nspec:\n  selector: { matchLabels: { app: web } }\n  template:\n    metadata: { labels: { app: web } }\n    spec:\n      containers: [{ name: web, image: example.com/web:1, ports: [{ containerPort: 80 }] }]\n";

async function appWith(appFile: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "nodrop-requests-"));
  await writeFile(join(dir, "deployment.yaml"), DEPLOYMENT);
  await writeFile(join(dir, "nodrop-app.yaml"), appFile);
  await packBinary({ binary: "/bin/true", name: "example.com/web:1", out: join(dir, "image.tar") });
  return dir;
}

const spec = (over: Partial<RequestSpec>): RequestSpec => ({ name: "x", method: "GET", path: "/", weight: 1, headers: {}, secretHeaders: {}, ok: [200], ...over });

describe("lib/requests (shared by the scenario and the harness)", () => {
  it("statusesFrom reads statuses and ranges, and names a bad entry", () => {
    expect(statusesFrom([200, "204", "301-302"])).toEqual([200, 204, 301, 302]);
    expect(() => statusesFrom(["2xx"])).toThrow(/'2xx' is not a status or a range like 200-204/);
    expect(() => statusesFrom(["204-200"])).toThrow(/not a status or a range/);
  });

  it("pickRequest mixes by weight in every run of total-weight iterations", () => {
    const specs = [spec({ name: "a", weight: 3 }), spec({ name: "b", weight: 1 })];
    expect(Array.from({ length: 8 }, (_, i) => pickRequest(specs, i).name).join("")).toBe("aaabaaab");
  });

  it("okField is written only where the request's rule differs from '200 and nothing else'", () => {
    const created = spec({ ok: [201] });
    expect(okField(created, 201)).toBe(true);
    expect(okField(created, 200)).toBe(false);
    expect(okField(spec({}), 200)).toBeUndefined();
    expect(okField(spec({}), 503)).toBeUndefined();
    expect(okField(undefined, 204)).toBeUndefined();
  });

  it("parseRequests resolves secret headers from NODROP_SECRET_<VAR>, and refuses a missing one", () => {
    const list = [spec({ headers: { Host: "shop.example" }, secretHeaders: { Authorization: "TOKEN" } })];
    const env = { REQUESTS: JSON.stringify(list), NODROP_SECRET_TOKEN: "Bearer t" };
    expect(parseRequests(env)[0]!.headers).toEqual({ Host: "shop.example", Authorization: "Bearer t" });
    expect(() => parseRequests({ REQUESTS: JSON.stringify(list) })).toThrow(/header Authorization needs NODROP_SECRET_TOKEN/);
    expect(parseRequests({})).toEqual([]);
  });
});

describe("success per request in the verdict and the live counts", () => {
  const s = (status: number, ok?: boolean): Sample => ({ t: 1, d: 1, s: status, e: 0, v: "", p: "", ph: "deploy", ...(ok === undefined ? {} : { ok }) });
  it("an expected 201 is a success, an unexpected 200 a failure; without the field, 200 only", () => {
    expect([isFailed(s(201, true)), isFailed(s(200, false)), isFailed(s(200)), isFailed(s(201))]).toEqual([false, true, false, true]);
    const c = emptyCounts();
    for (const x of [s(201, true), s(200), s(200, false)]) addSample(c, x);
    expect([c.ok, c.failed]).toEqual([2, 1]);
    expect(describeFailures([s(201, true), s(200, false), s(503)])).toBe("2 of 3 requests failed (1 × HTTP 200, 1 × HTTP 503)");
  });
});

describe("nodrop-app.yaml requests", () => {
  it("becomes the scenario's list; a header from the environment is passed to k6 only, by its variable", async () => {
    process.env["NODROP_TEST_AUTH"] = "Bearer secret-value";
    const app = await loadUserApp(
      await appWith(`requests:\n  - { path: /, weight: 3 }\n  - name: create\n    method: POST\n    path: /api/orders\n    headers: { Content-Type: application/json, Authorization: { env: NODROP_TEST_AUTH } }\n    body: '{"a":1}'\n    ok: [201, "202-204"]\n`),
    );
    expect(app.requests).toEqual([
      { name: "GET /", method: "GET", path: "/", weight: 3, headers: {}, secretHeaders: {}, ok: [200] },
      { name: "create", method: "POST", path: "/api/orders", weight: 1, headers: { "Content-Type": "application/json" }, secretHeaders: { Authorization: "NODROP_TEST_AUTH" }, body: '{"a":1}', ok: [201, 202, 203, 204] },
    ]);
    const env = requestEnv(app);
    expect(env["REQUESTS"]).not.toContain("secret-value");
    expect(env["NODROP_SECRET_NODROP_TEST_AUTH"]).toBe("Bearer secret-value");
    expect(() => appConfig(validateConfig({ method: "POST" }), app)).toThrow(/^method: the app's nodrop-app\.yaml lists its requests/);
  });

  it.each([
    ["requests:\n  - { path: api }\n", /requests\.0\.path: a path starting with \//],
    ["requests:\n  - { path: /, method: FETCH }\n", /requests\.0\.method/],
    ["requests:\n  - { path: /, ok: [2xx] }\n", /requests\.0\.ok: '2xx' is not a status/],
    ["requests:\n  - { path: /, body: x }\n", /requests\.0\.body: a GET request sends no body/],
    ["requests:\n  - { path: /, headers: { Authorization: { env: NODROP_SURELY_UNSET_VAR } } }\n", /requests\.0\.headers\.Authorization: the environment variable NODROP_SURELY_UNSET_VAR is not set/],
    ["requests:\n  - { path: /, weight: 0 }\n", /requests\.0\.weight/],
    ["requests:\n  - { path: /, retries: 3 }\n", /requests\.0: Unrecognized key/],
  ])("refuses %j before any cluster work", async (file, re) => {
    const e = await loadUserApp(await appWith(file)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as Error).message).toMatch(re);
  });
});

describe("manifests.yaml", () => {
  it("keeps a Secret's keys but not its values", () => {
    expect(redacted({ kind: "Secret", metadata: { name: "s" }, data: { a: "c2VjcmV0" }, stringData: { token: "example-token" } })).toEqual({
      kind: "Secret",
      metadata: { name: "s" },
      data: { a: "<redacted: 8 characters>" },
      stringData: { token: "<redacted: 13 characters>" },
    });
    const cm = { kind: "ConfigMap", data: { a: "b" } };
    expect(redacted(cm)).toBe(cm);
  });
});
