// A schema change as steps of the rollout (migration=…). While v1 and v2 pods
// serve side by side against one database, a change that removes what v1
// uses breaks the v1 pods still running:
//
//   contract-in-one-step  the rollout starts with a rename of v1's column:
//                         every v1 pod fails until the last one is gone;
//   expand-contract       expand (add v2's column) as the rollout starts,
//                         contract (drop v1's) once the last v1 pod is gone.
//
// Each step is recorded on the run's timeline ("migration" when it begins,
// "migration-end" when the database applied it), so the report can show who
// was serving when the schema changed, and the verdict which step broke whom.
import type { RunConfig } from "../config.ts";
import { migration, type Migration } from "../db/migrations.ts";
import type { EventLog } from "../observe/events.ts";
import type { MigrationHooks } from "./strategy.ts";

/** Runs one SQL statement in the run's database; throws with the database's message. */
export type SqlRunner = (sql: string) => Promise<string>;

const ADVICE: Record<string, string> = {
  "contract-in-one-step":
    "the pods of v1 still serving use the column it renamed: expand first (add the new column), roll out, and contract (drop the old one) only after the last v1 pod is gone (migration=expand-contract)",
  contract: "it dropped a column a version still serving uses: contract only after the last pod of the old version is gone",
  expand: "an expand step only adds: if it broke requests, the old version's queries depend on the table's exact shape (SELECT *, INSERT without column names)",
};

async function stepOf(events: EventLog, sql: SqlRunner, step: string, m: Migration, label: string): Promise<void> {
  events.record("migration", { step, sql: m.sql, label, advice: ADVICE[step] ?? "" });
  try {
    await sql(m.sql);
  } catch (e) {
    events.record("migration-end", { step, label, error: (e as Error).message.split("\n")[0] });
    throw new Error(`migration step ${step} failed: ${(e as Error).message}`);
  }
  events.record("migration-end", { step, label });
}

/** The hooks a strategy calls; undefined when the run has no migration. */
export function migrationHooks(kind: RunConfig["migration"], events: EventLog, sql: SqlRunner): MigrationHooks | undefined {
  switch (kind) {
    case "none":
      return undefined;
    case "contract-in-one-step":
      return {
        atRolloutStart: (label) => stepOf(events, sql, "contract-in-one-step", migration("rename-in-one-step"), label),
        afterOldGone: async () => {},
      };
    case "expand-contract":
      return {
        atRolloutStart: (label) => stepOf(events, sql, "expand", migration("expand"), label),
        afterOldGone: (label) => stepOf(events, sql, "contract", migration("contract"), label),
      };
  }
}
