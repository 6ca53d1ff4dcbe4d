// Streaming readers for samples.ndjson (k6 console output) and events.ndjson
// (harness). Never throw on bad lines: count them.
import { createReadStream } from "node:fs";
import { access } from "node:fs/promises";
import type { ReadEventsResult, ReadSamplesResult, RunEvent, Sample } from "./types.ts";

interface Parsed<T> {
  value: T | null;
  /** The JSON started after some junk (e.g. a log prefix). */
  prefixed: boolean;
}

/** Extracts the JSON object text: from the first `{` to the last `}`. */
function jsonSlice(line: string): { text: string; prefixed: boolean } | null {
  // The usual line is exactly one object: no copy.
  if (line.charCodeAt(0) === 123 && line.charCodeAt(line.length - 1) === 125) return { text: line, prefixed: false };
  const open = line.indexOf("{");
  if (open < 0) return null;
  const close = line.lastIndexOf("}");
  if (close < open) return null;
  return { text: line.slice(open, close + 1), prefixed: line.slice(0, open).trim() !== "" };
}

function parseObject(line: string): Parsed<Record<string, unknown>> {
  const slice = jsonSlice(line);
  if (!slice) return { value: null, prefixed: false };
  let doc: unknown;
  try {
    doc = JSON.parse(slice.text);
  } catch {
    return { value: null, prefixed: slice.prefixed };
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) return { value: null, prefixed: slice.prefixed };
  return { value: doc as Record<string, unknown>, prefixed: slice.prefixed };
}

const isNum = (x: unknown): x is number => typeof x === "number" && Number.isFinite(x);

/**
 * One copy of each distinct string: a run has a handful of versions, pods and
 * phases, and JSON.parse makes a new string for every value of every line
 * (≈ 100 MB for a million samples).
 */
class StringPool {
  private readonly pool = new Map<string, string>();
  get(x: string): string {
    const have = this.pool.get(x);
    if (have !== undefined) return have;
    this.pool.set(x, x);
    return x;
  }
}
const NO_POOL = { get: (x: string) => x };

function toSample(o: Record<string, unknown>, pool: { get(x: string): string } = NO_POOL): Sample | null {
  const { t, d, s, e, v, p, ph, c, db, r, u, ok, q } = o;
  // t and s are required; the rest defaults when absent but must have the right type when present.
  if (!isNum(t) || t < 0) return null;
  if (!isNum(s) || !Number.isInteger(s) || s < 0 || s > 999) return null;
  if (d !== undefined && !isNum(d)) return null;
  if (e !== undefined && e !== null && !(isNum(e) && Number.isInteger(e))) return null;
  if (v !== undefined && v !== null && typeof v !== "string") return null;
  if (p !== undefined && p !== null && typeof p !== "string") return null;
  if (ph !== undefined && ph !== null && typeof ph !== "string") return null;
  return {
    t,
    d: isNum(d) ? d : 0,
    s,
    e: isNum(e) ? e : 0,
    v: typeof v === "string" ? pool.get(v) : "",
    p: typeof p === "string" ? pool.get(p) : "",
    ph: typeof ph === "string" ? pool.get(ph) : "",
    ...(c === "new" || c === "reuse" || c === "stream-end" || c === "stream-goodbye" || c === "stream-cut" ? { c } : {}),
    ...(typeof db === "string" && db !== "" ? { db: pool.get(db) } : {}),
    ...(typeof r === "string" && r !== "" ? { r: pool.get(r) } : {}),
    ...(isNum(u) && Number.isInteger(u) && u > 0 ? { u } : {}),
    ...(typeof ok === "boolean" ? { ok } : {}),
    ...(typeof q === "string" && q !== "" ? { q: pool.get(q) } : {}),
  };
}

function parseSampleDetailed(line: string, pool?: StringPool): Parsed<Sample> {
  const o = parseObject(line);
  return { value: o.value ? toSample(o.value, pool) : null, prefixed: o.prefixed };
}

/**
 * Parses one samples.ndjson line. Junk before the first `{` (a log prefix) is
 * skipped; returns null for anything that is not a sample.
 */
export function parseSampleLine(line: string): Sample | null {
  return parseSampleDetailed(line).value;
}

/** Parses one events.ndjson line; null unless it is an object with a numeric `t` and a string `kind`. */
export function parseEventLine(line: string): RunEvent | null {
  const { value: o } = parseObject(line);
  if (!o || !isNum(o["t"]) || typeof o["kind"] !== "string" || o["kind"] === "") return null;
  for (const k of ["before", "after"] as const) {
    const list = o[k];
    if (list !== undefined && !(Array.isArray(list) && list.every((x) => typeof x === "string"))) return null;
  }
  return o as RunEvent;
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

/** The file's lines (split on \n, a trailing \r dropped), a chunk at a time. */
async function* lines(file: string): AsyncGenerator<string[]> {
  let rest = "";
  for await (const chunk of createReadStream(file, { encoding: "utf8", highWaterMark: 1 << 18 })) {
    const parts = (rest + (chunk as string)).split("\n");
    rest = parts.pop()!;
    yield parts.map(dropCr);
  }
  if (rest !== "") yield [dropCr(rest)];
}

const dropCr = (l: string): string => (l.charCodeAt(l.length - 1) === 13 ? l.slice(0, -1) : l);

/** Streams samples.ndjson. A missing file yields no samples (`missing: true`), never an exception. */
export async function readSamples(file: string): Promise<ReadSamplesResult> {
  const out: ReadSamplesResult = { samples: [], malformedLines: 0, recoveredLines: 0, totalLines: 0, missing: false };
  if (!(await exists(file))) return { ...out, missing: true };
  const pool = new StringPool();
  for await (const chunk of lines(file)) for (const line of chunk) {
    out.totalLines++;
    if (line.trim() === "") continue;
    const r = parseSampleDetailed(line, pool);
    if (r.value) {
      out.samples.push(r.value);
      if (r.prefixed) out.recoveredLines++;
    } else {
      out.malformedLines++;
    }
  }
  return out;
}

/** Streams events.ndjson, sorted by `t` (stable: file order for equal times). */
export async function readEvents(file: string): Promise<ReadEventsResult> {
  const out: ReadEventsResult = { events: [], malformedLines: 0, missing: false };
  if (!(await exists(file))) return { ...out, missing: true };
  for await (const chunk of lines(file)) for (const line of chunk) {
    if (line.trim() === "") continue;
    const ev = parseEventLine(line);
    if (ev) out.events.push(ev);
    else out.malformedLines++;
  }
  out.events.sort((a, b) => a.t - b.t);
  return out;
}
