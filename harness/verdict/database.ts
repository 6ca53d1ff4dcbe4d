// Database errors, counted apart from the other failures. The sample app in
// database mode answers 500 with header X-Db-Error when its database failed
// the request (app/db.ts), and the scenario records that message in the
// sample's `db` field. An HTTP failure caused by the database is still an
// HTTP failure (the user got a 500); this says which of them it was, which
// version got it, and, with the run's "migration" events, which schema
// change broke the version still serving.
import { formatOffset } from "./format.ts";
import type { DatabaseErrorGroup, DatabaseErrors, MigrationStep } from "./records.ts";
import type { Outage, RunEvent, Sample } from "./types.ts";

export interface DatabaseCause {
  rule: "database-error";
  pods: string[];
  text: string;
}

const vlabel = (v: string) => v || "(no version)";

/** The database errors among `samples` sent in [from, to] (all of them by default). */
export function databaseErrors(samples: readonly Sample[], from = -Infinity, to = Infinity): DatabaseErrors {
  const groups = new Map<string, DatabaseErrorGroup>();
  const byVersion: Record<string, number> = {};
  let failed = 0;
  for (const s of samples) {
    if (!s.db || s.t < from || s.t > to) continue;
    failed++;
    byVersion[s.v] = (byVersion[s.v] ?? 0) + 1;
    const key = `${s.v}\u0000${s.db}`;
    const g = groups.get(key);
    if (g) {
      g.count++;
      g.last = Math.max(g.last, s.t);
      g.first = Math.min(g.first, s.t);
    } else groups.set(key, { version: s.v, message: s.db, count: 1, first: s.t, last: s.t });
  }
  return { failed, byVersion, groups: [...groups.values()].sort((a, b) => b.count - a.count || a.first - b.first) };
}

/** "v1 ×120: column "title" does not exist" … for reasons and reports. */
export function databaseErrorsText(d: DatabaseErrors): string {
  return d.groups.map((g) => `${vlabel(g.version)} ×${g.count}: ${g.message}`).join("; ");
}

/** The last migration step that started at or before `t` (events sorted by time). */
export function migrationBefore(events: readonly RunEvent[], t: number): RunEvent | null {
  let found: RunEvent | null = null;
  for (const e of events) {
    if (e.t > t) break;
    if (e.kind === "migration") found = e;
  }
  return found;
}

/** The outage rule "database-error": at least half of the outage's failures carry the app's database error. */
export function databaseCause(outage: Outage, samples: readonly Sample[], events: readonly RunEvent[], origin: number): DatabaseCause | null {
  const d = databaseErrors(samples, outage.start, outage.end);
  if (d.failed === 0 || d.failed * 2 < outage.failed) return null;
  const pods = new Set<string>();
  for (const s of samples) if (s.db && s.t >= outage.start && s.t <= outage.end && s.p) pods.add(s.p);
  const m = migrationBefore(events, outage.start);
  const after = m
    ? `, ${((outage.start - m.t) / 1000).toFixed(2)} s after the migration step "${String(m["step"])}" (${String(m["sql"])}) began at ${formatOffset(m.t, origin)}` +
      (typeof m["advice"] === "string" && m["advice"] ? `: ${m["advice"]}` : "")
    : "";
  return {
    rule: "database-error",
    pods: [...pods].sort(),
    text:
      `requests failed from ${formatOffset(outage.start, origin)} to ${formatOffset(outage.end, origin)} because the app's database failed them ` +
      `(${d.failed} of ${outage.failed}: ${databaseErrorsText(d)})${after}`,
  };
}

/** The run's migration steps ("migration" / "migration-end" events), with the versions serving around each. */
export function migrationSteps(events: readonly RunEvent[], samples: readonly Sample[]): MigrationStep[] {
  const starts = events.filter((e) => e.kind === "migration");
  return starts.map((e, i) => {
    const end = events.find((x) => x.kind === "migration-end" && x["step"] === e["step"] && x.t >= e.t);
    const next = starts[i + 1]?.t ?? Infinity;
    const servingBefore: Record<string, number> = {};
    const dbErrorsAfter: Record<string, number> = {};
    for (const s of samples) {
      if (s.t >= e.t - 1000 && s.t < e.t && s.v) servingBefore[s.v] = (servingBefore[s.v] ?? 0) + 1;
      if (s.db && s.t >= e.t && s.t < next) dbErrorsAfter[s.v] = (dbErrorsAfter[s.v] ?? 0) + 1;
    }
    return { step: String(e["step"] ?? ""), sql: String(e["sql"] ?? ""), at: e.t, doneAt: end ? end.t : null, servingBefore, dbErrorsAfter };
  });
}
