// Requests as users send them (nodrop-app.yaml `requests`): method, path,
// headers (a value may come from an environment variable of the harness, so
// a token is never written into a file), a body, the statuses that count as
// success, and a weight. The harness checks the list and hands it to the
// scenario as JSON in __ENV; pure, so both sides (and Node's tests) share it.

export const REQUEST_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
export type RequestMethod = (typeof REQUEST_METHODS)[number];

export interface RequestSpec {
  /** Label of the request in samples (`q`) and reports; default: "METHOD path". */
  name: string;
  method: RequestMethod;
  /** Starts with "/"; appended to the target's origin. */
  path: string;
  /** Relative share of the load (1 ≤ weight ≤ 1000). */
  weight: number;
  /** Literal header values. */
  headers: Record<string, string>;
  /** Header name → the __ENV variable holding its value (the harness passes it to k6 as NODROP_SECRET_<VAR>). */
  secretHeaders: Record<string, string>;
  body?: string;
  /** Statuses that count as success. */
  ok: number[];
}

/** __ENV names: the list, and the prefix of each secret header's variable. */
export const REQUESTS_ENV = "REQUESTS";
export const SECRET_ENV_PREFIX = "NODROP_SECRET_";

/** "200", 204, "200-204" → the statuses (each 100..599). Throws naming the bad entry. */
export function statusesFrom(entries: readonly (number | string)[]): number[] {
  const out = new Set<number>();
  for (const e of entries) {
    const m = /^([1-5][0-9][0-9])(?:-([1-5][0-9][0-9]))?$/.exec(String(e).trim());
    const from = m ? Number(m[1]) : NaN;
    const to = m?.[2] ? Number(m[2]) : from;
    if (!m || to < from) throw new Error(`'${String(e)}' is not a status or a range like 200-204`);
    for (let s = from; s <= to; s++) out.add(s);
  }
  return [...out].sort((a, b) => a - b);
}

/** The request of iteration `i` (0, 1, 2, …): a weighted round robin, so shares hold in every window. */
export function pickRequest(specs: readonly RequestSpec[], i: number): RequestSpec {
  const total = specs.reduce((n, s) => n + s.weight, 0);
  let slot = i % total;
  for (const s of specs) {
    if (slot < s.weight) return s;
    slot -= s.weight;
  }
  return specs[specs.length - 1]!;
}

/** Parses __ENV's REQUESTS (absent: none); resolves secret headers from __ENV. Throws naming the problem. */
export function parseRequests(env: Record<string, string | undefined>): RequestSpec[] {
  const raw = env[REQUESTS_ENV];
  if (raw === undefined || raw.trim() === "") return [];
  let doc: unknown;
  try {
    doc = JSON.parse(raw);
  } catch {
    throw new Error(`${REQUESTS_ENV} is not JSON`);
  }
  if (!Array.isArray(doc) || doc.length === 0) throw new Error(`${REQUESTS_ENV} must be a non-empty list`);
  return doc.map((x, i) => {
    const s = x as RequestSpec;
    if (!REQUEST_METHODS.includes(s.method) || typeof s.path !== "string" || !s.path.startsWith("/") || !(s.weight >= 1) || !Array.isArray(s.ok) || !s.ok.length) {
      throw new Error(`${REQUESTS_ENV}[${i}] is not a request spec`);
    }
    const headers = { ...s.headers };
    for (const [h, v] of Object.entries(s.secretHeaders ?? {})) {
      const value = env[`${SECRET_ENV_PREFIX}${v}`];
      if (value === undefined) throw new Error(`${REQUESTS_ENV}[${i}]: header ${h} needs ${SECRET_ENV_PREFIX}${v}`);
      headers[h] = value;
    }
    return { ...s, headers };
  });
}

/** The sample's `ok` field: only where the rule differs from "200 and nothing else". */
export function okField(spec: RequestSpec | undefined, status: number): boolean | undefined {
  if (!spec) return undefined;
  const ok = spec.ok.includes(status);
  return ok === (status === 200) ? undefined : ok;
}
