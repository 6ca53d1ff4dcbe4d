// The history of a suite, one JSON file per scenario per night:
//
//   <dir>/<scenario>/<night>.json     a NightRecord (pretty JSON)
//
// Night ids ("n20261122T093005Z", UTC to the second) sort by time as text. A
// record is written once, atomically (a temporary file, then a hard link to
// its name, which fails when the night is already there), and never
// rewritten. Reading skips, and names, any file that is not a valid record of
// that scenario, so a stray file cannot break or poison a baseline.
import { randomBytes } from "node:crypto";
import { access, link, mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import type { NightNumbers } from "./numbers.ts";
import type { RunVersions } from "../run-versions.ts";

export const RESULTS = ["new", "ok", "regression", "failed", "inconclusive"] as const;
export type Result = (typeof RESULTS)[number];

export interface NightRecord extends NightNumbers {
  /** The record's shape (run-versions.ts SCHEMA_VERSION); absent in records written before it was kept. */
  schemaVersion?: number;
  /** What the night ran on; absent in older records. */
  ranOn?: RunVersions;
  scenario: string;
  night: string;
  /** ISO time the record was written. */
  at: string;
  runId: string;
  result: Result;
}

const count = z.number().int().min(0);
const seconds = z.number().min(0);
const RecordSchema: z.ZodType<NightRecord> = z.object({
  scenario: z.string().min(1),
  night: z.string().min(1),
  at: z.string(),
  runId: z.string(),
  result: z.enum(RESULTS),
  verdict: z.enum(["pass", "fail", "inconclusive", "rolled-back"]),
  exitCode: z.number().int(),
  requests: count,
  failed: count,
  disruptionSeconds: seconds,
  rollouts: z.array(z.object({ label: z.string(), failed: count, disruptionSeconds: seconds, p99Ms: z.number().nonnegative().optional() })),
  headline: z.string(),
  schemaVersion: z.number().int().positive().optional(),
  ranOn: z
    .object({ nodrop: z.string(), kubernetes: z.string().nullable(), nodes: z.array(z.string()), k6: z.string(), kind: z.string().nullable(), app: z.array(z.string()) })
    .optional(),
});

/** A file or folder name: no separators, no leading dot. */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** 2026-11-22T09:30:05.123Z -> "n20261122T093005Z" (UTC, to the second). */
export function nightId(d: Date): string {
  return `n${d.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}`;
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A scenario's records, oldest night first; files that are not its records are skipped and named. No folder: none. */
export async function readHistory(dir: string, scenario: string): Promise<{ records: NightRecord[]; skipped: string[] }> {
  const folder = join(dir, scenario);
  let files: string[];
  try {
    files = (await readdir(folder)).filter((f) => f.endsWith(".json") && !f.startsWith(".")).sort(byText);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { records: [], skipped: [] };
    throw e;
  }
  const records: NightRecord[] = [];
  const skipped: string[] = [];
  for (const f of files) {
    const path = join(folder, f);
    let doc: unknown;
    try {
      doc = JSON.parse(await readFile(path, "utf8"));
    } catch (e) {
      skipped.push(`${path}: ${(e as Error).message.split("\n")[0]}`);
      continue;
    }
    const r = RecordSchema.safeParse(doc);
    if (!r.success) {
      const i = r.error.issues[0];
      skipped.push(`${path}: not a night record (${i ? `${i.path.join(".") || "(file)"}: ${i.message}` : "invalid"})`);
    } else if (r.data.scenario !== scenario) {
      skipped.push(`${path}: a record of scenario '${r.data.scenario}', not '${scenario}'`);
    } else {
      records.push(r.data);
    }
  }
  return { records: records.sort((a, b) => byText(a.night, b.night)), skipped };
}

/** Writes <dir>/<scenario>/<night>.json atomically and returns its path; throws when that night is already recorded. */
export async function appendRecord(dir: string, rec: NightRecord): Promise<string> {
  for (const [what, v] of [["scenario", rec.scenario], ["night", rec.night]] as const) {
    if (!SAFE_NAME.test(v)) throw new Error(`history: the ${what} '${v}' cannot name a file (letters, digits, '.', '_', '-')`);
  }
  const valid = RecordSchema.safeParse(rec);
  if (!valid.success) throw new Error(`history: not a valid night record: ${valid.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  const folder = join(dir, rec.scenario);
  await mkdir(folder, { recursive: true });
  const path = join(folder, `${rec.night}.json`);
  const tmp = join(folder, `.${rec.night}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  const exists = () => new Error(`history: ${path} already exists (a night is recorded once)`);
  await writeFile(tmp, JSON.stringify(rec, null, 2) + "\n", { flag: "wx" });
  try {
    await link(tmp, path); // atomic, and never replaces an existing file
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EEXIST") throw exists();
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "ENOSYS") throw e;
    // A file system without hard links: check, then rename (atomic, but not race-free against a concurrent writer).
    if (await access(path).then(() => true, () => false)) throw exists();
    await rename(tmp, path);
  } finally {
    await rm(tmp, { force: true });
  }
  return path;
}
