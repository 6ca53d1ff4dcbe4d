import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { validateConfig, usesDatabase } from "../../harness/config.ts";
import { migrationHooks } from "../../harness/deploy/migration.ts";
import { dbColumnFor, renderEnv } from "../../harness/deploy/manifests.ts";
import { EventLog } from "../../harness/observe/events.ts";

function log() {
  let t = 1000;
  return new EventLog(join(mkdtempSync(join(tmpdir(), "nodrop-mig-")), "events.ndjson"), () => t++);
}

describe("migration steps", () => {
  it("contract-in-one-step renames v1's column as the rollout starts, and does nothing after", async () => {
    const ran: string[] = [];
    const ev = log();
    const h = migrationHooks("contract-in-one-step", ev, async (sql) => (ran.push(sql), ""))!;
    await h.atRolloutStart("rollout-1");
    await h.afterOldGone("rollout-1");
    expect(ran).toEqual(["ALTER TABLE items RENAME COLUMN title TO label"]);
    expect(ev.events.map((e) => [e.kind, e["step"]])).toEqual([["migration", "contract-in-one-step"], ["migration-end", "contract-in-one-step"]]);
    expect(String(ev.events[0]!["advice"])).toContain("migration=expand-contract");
    // On the timeline file too, as it happens.
    expect(readFileSync(ev.file, "utf8").trim().split("\n")).toHaveLength(2);
  });

  it("expand-contract expands first and contracts once the old pods are gone", async () => {
    const ran: string[] = [];
    const h = migrationHooks("expand-contract", log(), async (sql) => (ran.push(sql), ""))!;
    await h.atRolloutStart("rollout-1");
    expect(ran).toEqual(["ALTER TABLE items ADD COLUMN label text"]);
    await h.afterOldGone("rollout-1");
    expect(ran[1]).toBe("ALTER TABLE items DROP COLUMN title");
  });

  it("a failed step is recorded with the database's message and fails the rollout", async () => {
    const ev = log();
    const h = migrationHooks("expand-contract", ev, async () => {
      throw new Error('psql failed (exit 3): ERROR:  column "label" of relation "items" already exists');
    })!;
    await expect(h.atRolloutStart("rollout-1")).rejects.toThrow(/migration step expand failed: .*already exists/);
    expect(ev.events[1]).toMatchObject({ kind: "migration-end", step: "expand", error: expect.stringContaining("already exists") });
  });

  it("none: no hooks", () => {
    expect(migrationHooks("none", log(), async () => "")).toBeUndefined();
  });
});

describe("database config", () => {
  it("a migration implies the database; v1 uses title, the new version label", () => {
    const c = validateConfig({ migration: "expand-contract" });
    expect(usesDatabase(c)).toBe(true);
    expect(usesDatabase(validateConfig({}))).toBe(false);
    expect(dbColumnFor(c, "v1")).toBe("title");
    expect(dbColumnFor(c, "v2")).toBe("label");
    expect(dbColumnFor(validateConfig({ database: true }), "v2")).toBe("title");
    const env = Object.fromEntries(renderEnv(c, "v2", false, "postgres://postgres@10.0.0.9:5432/postgres").map((e) => [e.name, e.value]));
    expect(env).toMatchObject({ DATABASE_URL: "postgres://postgres@10.0.0.9:5432/postgres", DB_COLUMN: "label" });
    expect(renderEnv(c, "v2").some((e) => e.name === "DATABASE_URL")).toBe(false);
  });

  it("gives a migration run the demo B's preStop unless it sets one (what fails is the schema, not the endpoints)", () => {
    expect(validateConfig({ migration: "contract-in-one-step" }).preStopSleep).toBe(5);
    expect(validateConfig({ migration: "expand-contract", preStopSleep: 0 }).preStopSleep).toBe(0);
    expect(validateConfig({}).preStopSleep).toBe(0);
  });

  it("refuses a migration outside a single rolling update, naming the field", () => {
    expect(() => validateConfig({ migration: "sideways" })).toThrow(/migration.*contract-in-one-step, expand-contract/s);
    expect(() => validateConfig({ migration: "expand-contract", strategy: "canary" })).toThrow(/strategy: migration=expand-contract is a step of a rolling update from v1 to v2: strategy must be rolling/);
    expect(() => validateConfig({ migration: "contract-in-one-step", rollouts: 2 })).toThrow(/rollouts: .*rollouts must be 1/);
  });
});
