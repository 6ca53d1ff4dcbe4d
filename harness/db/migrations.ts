// The schema the sample app's database starts with, and the migrations a run
// can apply during a rollout, as data (issue 12). The app writes and reads one
// column of `items`, chosen by its version (DB_COLUMN): v1 uses `title`, v2
// uses `label`. A migration is safe during a rollout only if every version
// still serving traffic finds its column afterwards.

/** The columns the app versions use. */
export type ItemsColumn = "title" | "label";

/**
 * `title` has a default so that, once both columns exist (after `expand`),
 * a v2 pod's INSERT of `label` alone still satisfies NOT NULL.
 */
export function schemaSql(): string {
  return "CREATE TABLE items (id bigserial PRIMARY KEY, title text NOT NULL DEFAULT '')";
}

export interface Migration {
  name: "rename-in-one-step" | "expand" | "contract";
  sql: string;
  /** The columns the app can use once the migration ran. */
  columnsAfter: readonly ItemsColumn[];
  /** What fails, and when, if it runs while the rollout is under way. */
  breaks: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    // Contract in one step: the new column appears and the old one is gone at the same instant.
    name: "rename-in-one-step",
    sql: "ALTER TABLE items RENAME COLUMN title TO label",
    columnsAfter: ["label"],
    breaks:
      'every request to a v1 pod (DB_COLUMN=title) fails from the moment it commits: 500 with X-Db-Error: column "title" of relation "items" does not exist, ' +
      "until the last v1 pod is gone; run before the rollout, v2 pods fail the same way until it commits",
  },
  {
    // Expand: add the new column next to the old one; both versions work.
    name: "expand",
    sql: "ALTER TABLE items ADD COLUMN label text",
    columnsAfter: ["title", "label"],
    breaks: "nothing: v1 keeps writing title, v2 writes label (title gets its default)",
  },
  {
    // Contract: drop the old column once no version uses it.
    name: "contract",
    sql: "ALTER TABLE items DROP COLUMN title",
    columnsAfter: ["label"],
    breaks: 'v1 pods, if any still serve: 500 with X-Db-Error: column "title" of relation "items" does not exist; safe only after the rollout to v2 completed',
  },
];

export function migration(name: Migration["name"]): Migration {
  const m = MIGRATIONS.find((x) => x.name === name);
  if (!m) throw new Error(`unknown migration '${name}' (known: ${MIGRATIONS.map((x) => x.name).join(", ")})`);
  return m;
}
