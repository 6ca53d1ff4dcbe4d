// The database tables: the migration's steps, and database errors by version.
import type { DatabaseErrors, MigrationStep } from "../harness/verdict/records.ts";

const vlabel = (v: string) => v || "(no version)";
const counts = (r: Record<string, number>) => Object.entries(r).map(([v, n]) => `${vlabel(v)} ×${n}`).join(", ") || "none";

export const MIGRATION_HEADER = ["step", "began", "applied after", "SQL", "answering in the second before", "database errors after it"];
export function migrationRows(steps: readonly MigrationStep[], off: (t: number) => string): string[][] {
  return steps.map((m) => [m.step, off(m.at), m.doneAt === null ? "no end recorded" : `${((m.doneAt - m.at) / 1000).toFixed(2)} s`, m.sql, counts(m.servingBefore), counts(m.dbErrorsAfter)]);
}

export const DATABASE_ERROR_HEADER = ["version", "database error", "requests", "first", "last"];
export function databaseErrorRows(d: DatabaseErrors, off: (t: number) => string): (string | number)[][] {
  return d.groups.map((g) => [vlabel(g.version), g.message, g.count, off(g.first), off(g.last)]);
}
