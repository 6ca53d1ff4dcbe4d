import { describe, expect, it } from "vitest";
import { judge } from "../../harness/verdict/analyze.ts";
import { databaseErrors, migrationBefore } from "../../harness/verdict/database.ts";
import type { RunEvent, Sample } from "../../harness/verdict/types.ts";
import { T0 } from "../fixtures/make-fixtures.ts";
import { input, steady, WINDOW_EVENTS } from "./verdict-helpers.ts";

const MISSING = 'column "title" does not exist';
const dbFail = (t: number, v = "v1"): Sample => ({ t, d: 2, s: 500, e: 1500, v, p: `pod-${v}`, ph: "", db: MISSING });

describe("database errors", () => {
  it("are counted by version and message, apart from other failures", () => {
    const s = [...steady(T0, 10, 10), dbFail(T0 + 200), dbFail(T0 + 300), { ...dbFail(T0 + 400, "v2"), db: "connection terminated" }, { t: T0 + 500, d: 1, s: 503, e: 1503, v: "v1", p: "x", ph: "" }];
    const d = databaseErrors(s);
    expect(d.failed).toBe(3);
    expect(d.byVersion).toEqual({ v1: 2, v2: 1 });
    expect(d.groups.map((g) => [g.version, g.message, g.count])).toEqual([["v1", MISSING, 2], ["v2", "connection terminated", 1]]);
  });

  it("explain an outage by the migration step that began before it, and name the column in the verdict", () => {
    const migration: RunEvent = { t: T0 + 1100, kind: "migration", step: "contract-in-one-step", sql: "ALTER TABLE items RENAME COLUMN title TO label", advice: "expand first" };
    const events = [...WINDOW_EVENTS, migration].sort((a, b) => a.t - b.t);
    const fails = Array.from({ length: 40 }, (_, i) => dbFail(T0 + 1200 + i * 10));
    const s = [...steady(T0, 100, 10), ...fails, ...steady(T0 + 1700, 130, 10, "v2")].sort((a, b) => a.t - b.t);
    const v = judge(input({ samples: s, events }));
    expect(v.outcome).toBe("fail");
    expect(v.database.failed).toBe(40);
    expect(v.reasons).toContain(`database errors: 40 of the 40 failed requests were the app's database failing them: v1 ×40: ${MISSING}`);
    const cause = v.outages[0]!.cause!;
    expect(cause.rule).toBe("database-error");
    expect(cause.pods).toEqual(["pod-v1"]);
    expect(cause.text).toContain(`0.10 s after the migration step "contract-in-one-step" (ALTER TABLE items RENAME COLUMN title TO label)`);
    expect(cause.text).toContain(": expand first");
  });

  it("leave an outage without database errors to the other rules", () => {
    const s = [...steady(T0, 100, 10), { t: T0 + 1200, d: 1, s: 500, e: 1500, v: "v1", p: "pod-v1", ph: "" }];
    const v = judge(input({ samples: s }));
    expect(v.outages[0]!.cause!.rule).toBe("app-answered-errors");
    expect(v.database.failed).toBe(0);
    expect(v.reasons.some((r) => r.startsWith("database errors"))).toBe(false);
  });

  it("find the last migration step at or before a time", () => {
    const ev: RunEvent[] = [{ t: 1, kind: "migration", step: "expand" }, { t: 5, kind: "x" }, { t: 9, kind: "migration", step: "contract" }];
    expect(migrationBefore(ev, 0)).toBeNull();
    expect(migrationBefore(ev, 8)!["step"]).toBe("expand");
    expect(migrationBefore(ev, 9)!["step"]).toBe("contract");
  });
});
