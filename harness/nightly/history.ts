// The history of a suite: <dir>/<scenario>/<night>.json, one record per
// scenario per night, never rewritten. Night ids sort by time.
import { access, mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import type { NightNumbers } from "./numbers.ts";

export type Result = "new" | "ok" | "regression" | "inconclusive";

export interface NightRecord extends NightNumbers {
  scenario: string;
  night: string;
  /** ISO time the record was written. */
  at: string;
  runId: string;
  result: Result;
}

const Record_ = z.object({
  scenario: z.string(),
  night: z.string(),
  at: z.string(),
  runId: z.string(),
  result: z.enum(["new", "ok", "regression", "inconclusive"]),
  verdict: z.enum(["pass", "fail", "inconclusive", "rolled-back"]),
  exitCode: z.number(),
  requests: z.number(),
  failed: z.number(),
  disruptionSeconds: z.number(),
  rollouts: z.array(z.object({ label: z.string(), failed: z.number(), disruptionSeconds: z.number() })),
  headline: z.string(),
});

/** 2026-11-22T09:30:05Z -> "n20261122T093005Z" */
export function nightId(d: Date): string {
  return `n${d.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}`;
}

/** A scenario's records, oldest first; files that are not records are skipped and named. */
export async function readHistory(dir: string, scenario: string): Promise<{ records: NightRecord[]; skipped: string[] }> {
  const folder = join(dir, scenario);
  let files: string[];
  try {
    files = (await readdir(folder)).filter((f) => f.endsWith(".json")).sort();
  } catch {
    return { records: [], skipped: [] };
  }
  const records: NightRecord[] = [];
  const skipped: string[] = [];
  for (const f of files) {
    try {
      const r = Record_.safeParse(JSON.parse(await readFile(join(folder, f), "utf8")));
      if (r.success) records.push(r.data);
      else skipped.push(`${join(folder, f)}: ${r.error.issues[0]?.path.join(".")}: ${r.error.issues[0]?.message}`);
    } catch (e) {
      skipped.push(`${join(folder, f)}: ${(e as Error).message}`);
    }
  }
  return { records: records.sort((a, b) => a.night.localeCompare(b.night)), skipped };
}

/** Writes <dir>/<scenario>/<night>.json (atomically); refuses to replace a night already recorded. */
export async function appendRecord(dir: string, rec: NightRecord): Promise<string> {
  const folder = join(dir, rec.scenario);
  await mkdir(folder, { recursive: true });
  const path = join(folder, `${rec.night}.json`);
  if (await access(path).then(() => true, () => false)) throw new Error(`history: ${path} already exists (a night is recorded once)`);
  await writeFile(`${path}.tmp`, JSON.stringify(rec, null, 2) + "\n");
  await rename(`${path}.tmp`, path);
  return path;
}
