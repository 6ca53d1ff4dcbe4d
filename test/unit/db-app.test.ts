// The sample app's database mode (app/db.ts) with a fake pool: no PostgreSQL
// needed. The real database is checked by hand on the host (see issue 12).
import http from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import type { AppOptions } from "../../app/app.ts";
import { dbErrorMessage, itemStore, type ItemStore, type Queryable } from "../../app/db.ts";
import { appHarness, get } from "./http-get.ts";

/** A pool that keeps rows in memory and knows only the columns in `columns`, like PostgreSQL after a migration. */
function fakePool(columns: Set<string>) {
  const rows = new Map<number, Record<string, string>>();
  const calls: { text: string; values: unknown[] }[] = [];
  let ended = 0;
  let endDelayMs = 0;
  const pool: Queryable = {
    async query(text, values) {
      calls.push({ text, values });
      const col = /^(?:INSERT INTO items \((\w+)\)|SELECT (\w+) FROM)/.exec(text);
      const name = col?.[1] ?? col?.[2] ?? "";
      if (!columns.has(name)) {
        const e = new Error(text.startsWith("INSERT") ? `column "${name}" of relation "items" does not exist` : `column "${name}" does not exist`);
        throw Object.assign(e, { code: "42703" });
      }
      if (text.startsWith("INSERT")) {
        const id = rows.size + 1;
        rows.set(id, { [name]: String(values[0]) });
        return { rows: [{ id: String(id) }] };
      }
      return { rows: [rows.get(Number(values[0])) ?? {}] };
    },
    async end() {
      if (endDelayMs) await new Promise((r) => setTimeout(r, endDelayMs));
      ended++;
    },
  };
  return {
    pool,
    calls,
    rows,
    get ended() {
      return ended;
    },
    slowEnd(ms: number) {
      endDelayMs = ms;
    },
  };
}

const h = appHarness();
const { events, exits } = h;
const start = (opts: Partial<AppOptions> & { db?: ItemStore }) => h.start(opts);
afterEach(() => h.stopAll());

describe("database mode: one write and one read per request", () => {
  it("writes the row in the version's column and reads it back: 200 with its id, X-Db-Column beside the version and pod headers", async () => {
    const fake = fakePool(new Set(["title"]));
    const { port } = await start({ db: itemStore(fake.pool, "title") });
    const r = await get(port);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ version: "v1", pod: "pod-a", id: "1" });
    expect(r.headers["x-app-version"]).toBe("v1");
    expect(r.headers["x-pod-name"]).toBe("pod-a");
    expect(r.headers["x-db-column"]).toBe("title");
    expect(r.headers["x-db-error"]).toBeUndefined();
    expect(fake.calls).toEqual([
      { text: "INSERT INTO items (title) VALUES ($1) RETURNING id", values: ["v1 pod-a"] },
      { text: "SELECT title FROM items WHERE id=$1", values: ["1"] },
    ]);
    // Probes do not touch the database.
    expect((await get(port, "/healthz/ready")).headers["x-db-column"]).toBe("title");
    expect(fake.calls).toHaveLength(2);
  });

  it("v2 uses label", async () => {
    const fake = fakePool(new Set(["label"]));
    const { port } = await start({ version: "v2", db: itemStore(fake.pool, "label") });
    expect((await get(port)).status).toBe(200);
    expect(fake.calls.map((c) => c.text)).toEqual(["INSERT INTO items (label) VALUES ($1) RETURNING id", "SELECT label FROM items WHERE id=$1"]);
  });

  it("answers a failed query with 500 and the database's message in X-Db-Error and the body", async () => {
    const fake = fakePool(new Set(["label"])); // after the one-step rename
    const { app, port } = await start({ db: itemStore(fake.pool, "title") });
    const r = await get(port);
    expect(r.status).toBe(500);
    expect(r.headers["x-db-error"]).toBe('column "title" of relation "items" does not exist');
    expect(JSON.parse(r.body)).toEqual({ version: "v1", pod: "pod-a", error: "database", message: 'column "title" of relation "items" does not exist' });
    expect(app.state.inFlight).toBe(0);
  });

  it("injected errors and resets still come first", async () => {
    const fake = fakePool(new Set(["title"]));
    const { port } = await start({ errorRate: 1, db: itemStore(fake.pool, "title") });
    const r = await get(port);
    expect(r.status).toBe(500);
    expect(JSON.parse(r.body)).toMatchObject({ error: "injected" });
    expect(r.headers["x-db-error"]).toBeUndefined();
    expect(fake.calls).toHaveLength(0);
  });

  it("without a database nothing changes: no X-Db-* headers, the same body", async () => {
    const { port } = await start({});
    const r = await get(port);
    expect(r.status).toBe(200);
    expect(r.body).toBe('{"version":"v1","pod":"pod-a"}');
    expect(Object.keys(r.headers).filter((h) => h.startsWith("x-db"))).toEqual([]);
  });

  it("rejects a column other than title or label (it is spliced into the SQL)", () => {
    expect(() => itemStore(fakePool(new Set()).pool, "id; DROP TABLE items" as never)).toThrow(/DB_COLUMN must be one of title, label/);
  });
});

describe("database mode: shutdown", () => {
  it("graceful: the pool ends after the drain, and the log says so before the exit", async () => {
    const fake = fakePool(new Set(["title"]));
    const { app, port } = await start({ workMs: 200, db: itemStore(fake.pool, "title") });
    const inflight = get(port);
    await new Promise<void>((resolve) => {
      const check = () => (app.state.inFlight === 1 ? resolve() : setTimeout(check, 5));
      check();
    });
    const code = app.shutdown("SIGTERM");
    expect(fake.ended).toBe(0);
    expect((await inflight).status).toBe(200);
    expect(await code).toBe(0);
    expect(fake.ended).toBe(1);
    const order = events.map((e) => e.event).filter((e) => ["drained", "db-pool-ended", "exit"].includes(e));
    expect(order).toEqual(["drained", "db-pool-ended", "exit"]);
    expect(exits).toEqual([0]);
  });

  it("graceful: a pool that does not end in time is logged and the app exits anyway", async () => {
    const fake = fakePool(new Set(["title"]));
    fake.slowEnd(2_000);
    const { app } = await start({ dbCloseTimeoutMs: 100, db: itemStore(fake.pool, "title") });
    const t0 = Date.now();
    expect(await app.shutdown("SIGTERM")).toBe(0);
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(events.find((e) => e.event === "db-pool-end-failed")?.fields).toMatchObject({ error: "pool did not end within 100 ms" });
    expect(exits).toEqual([0]);
  });

  it("abrupt: exits at once, without ending the pool", async () => {
    const fake = fakePool(new Set(["title"]));
    const { app } = await start({ shutdown: "abrupt", db: itemStore(fake.pool, "title") });
    expect(await app.shutdown("SIGTERM")).toBe(0);
    expect(fake.ended).toBe(0);
    expect(events.map((e) => e.event)).not.toContain("db-pool-ended");
  });
});

describe("X-Db-Error's value", () => {
  it("is the error's message on one printable ASCII line", () => {
    expect(dbErrorMessage(new Error('column "title" does not exist'))).toBe('column "title" does not exist');
    expect(dbErrorMessage(new Error("line one\nline two\r\n\tthree \u0000 é"))).toBe("line one line two three");
    expect(dbErrorMessage("plain string")).toBe("plain string");
    expect(dbErrorMessage(new Error(""))).toBe("Error");
    expect(dbErrorMessage(new Error("\n\n"))).toBe("database error");
  });

  it("is cut to 200 characters", () => {
    const v = dbErrorMessage(new Error("x".repeat(500)));
    expect(v).toHaveLength(200);
    expect(v.endsWith("...")).toBe(true);
  });

  it("names a connection failure whose AggregateError has no message of its own", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
    expect(dbErrorMessage(new AggregateError([refused], ""))).toBe("connect ECONNREFUSED 127.0.0.1:5432");
    expect(dbErrorMessage(Object.assign(new AggregateError([], ""), { code: "ECONNREFUSED" }))).toBe("ECONNREFUSED");
  });

  it("is accepted by node as a header value", () => {
    const res = new http.ServerResponse(new http.IncomingMessage(null as never));
    expect(() => res.setHeader("X-Db-Error", dbErrorMessage(new Error("a\u0001b\u00ffc\u2028d")))).not.toThrow();
  });
});
