// The sample app's database mode (issue 12). With DATABASE_URL set, every `/`
// request writes one row of `items` and reads it back, in the column of the
// app's version (DB_COLUMN: v1 `title`, v2 `label`). A failed query answers
// 500 with the database's message in X-Db-Error: that is how the load
// scenario tells a migration that broke a running version from any other
// failure. Without DATABASE_URL none of this runs.
import pg from "pg";

export const DB_COLUMNS = ["title", "label"] as const;
export type DbColumn = (typeof DB_COLUMNS)[number];

/** The part of pg.Pool the app uses; the unit tests pass a fake. */
export interface Queryable {
  query(text: string, values: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  end(): Promise<void>;
}

/** What app.ts needs of the database. */
export interface ItemStore {
  readonly column: DbColumn;
  /** Inserts a row with `value` in the version's column, reads it back; resolves with its id. Rejects with the database's error. */
  roundTrip(value: string): Promise<string>;
  /** Ends the pool: idle connections close at once, busy ones when released. */
  close(): Promise<void>;
}

export function itemStore(pool: Queryable, column: DbColumn): ItemStore {
  if (!DB_COLUMNS.includes(column)) throw new Error(`DB_COLUMN must be one of ${DB_COLUMNS.join(", ")}, not '${column}'`);
  // An identifier cannot be a query parameter; `column` is one of two literals.
  const insert = `INSERT INTO items (${column}) VALUES ($1) RETURNING id`;
  const select = `SELECT ${column} FROM items WHERE id=$1`;
  return {
    column,
    async roundTrip(value) {
      const written = await pool.query(insert, [value]);
      // bigserial: pg hands int8 over as a string.
      const id = written.rows[0]?.["id"];
      if (id === undefined || id === null) throw new Error("INSERT ... RETURNING id returned no row");
      const read = await pool.query(select, [id]);
      const got = read.rows[0]?.[column];
      if (got !== value) throw new Error(`row ${String(id)} read back ${JSON.stringify(got)}, not what was written`);
      return String(id);
    },
    close: () => pool.end(),
  };
}

export interface PgStoreOptions {
  url: string;
  column: DbColumn;
  /** Connections per app pod (DB_POOL_SIZE). */
  poolSize: number;
  /** A request waiting longer than this for a connection fails (500) instead of hanging. */
  connectTimeoutMs: number;
  log: (event: string, fields?: Record<string, unknown>) => void;
}

export function pgStore(o: PgStoreOptions): ItemStore {
  const pool = new pg.Pool({ connectionString: o.url, max: o.poolSize, connectionTimeoutMillis: o.connectTimeoutMs });
  // An idle connection that breaks (the database restarted) emits 'error' on
  // the pool; unhandled, that would crash the app.
  pool.on("error", (e) => o.log("db-idle-connection-error", { error: dbErrorMessage(e) }));
  return itemStore(pool, o.column);
}

/**
 * The error as one short printable ASCII line, fit for an HTTP header (node
 * rejects control characters there): the database's message, e.g.
 * `column "title" does not exist`, or a connection error's code.
 */
export function dbErrorMessage(e: unknown, max = 200): string {
  let text = "";
  if (e instanceof Error) {
    // Node's connect to several addresses fails with an AggregateError whose message is empty.
    const inner = e instanceof AggregateError ? (e.errors[0] as unknown) : undefined;
    text = e.message || (inner instanceof Error ? inner.message : "") || String((e as { code?: unknown }).code ?? "") || e.name;
  } else {
    text = String(e);
  }
  const line = text.replace(/[^\x20-\x7e]+/g, " ").replace(/ {2,}/g, " ").trim() || "database error";
  return line.length > max ? line.slice(0, max - 3) + "..." : line;
}
