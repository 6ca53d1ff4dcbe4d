// The run order of an experiment: every variant `repeat` times, interleaved.
// Round r runs every variant once (repetition r); the order inside a round is
// a deterministic shuffle seeded by the experiment name and the round, so a
// drift of the machine over time does not line up with one variant. No
// variant runs twice in a row across a round boundary (with >= 2 variants),
// and with >= 3 variants no round repeats the order of the round before.
//
// Every planned run has a deterministic runId, `x<hash6>-v<variant>-r<rep>`:
// the hash covers the experiment's name and every variant's validated config
// (not `repeat`), so a resumed experiment recognises its finished runs, also
// after raising `repeat`, and a changed experiment never mistakes old runs
// for its own.
import { mulberry32 } from "../random.ts";
import { createHash } from "node:crypto";
import { canonicalJson, type Experiment } from "./design.ts";

export interface PlannedRun {
  /** Position in the plan, 0-based. */
  seq: number;
  /** 1-based; the round this run belongs to (= repetition of its variant). */
  round: number;
  repetition: number;
  variantIndex: number;
  variantId: string;
  /** Lower-case [a-z0-9-], at most 32 characters: a valid RunConfig.runId. */
  runId: string;
}

export interface Plan {
  experiment: string;
  /** 6 hex digits identifying the experiment's variants (see runIdFor). */
  hash: string;
  variants: number;
  repeat: number;
  runs: PlannedRun[];
}

/** The same pattern RunConfig.runId accepts. */
export const RUN_ID_PATTERN = /^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/;

/** 6 hex digits over the experiment's name and its variants' ids and validated configs. */
export function experimentHash(exp: Pick<Experiment, "name" | "variants">): string {
  const text = canonicalJson({ name: exp.name, variants: exp.variants.map((v) => ({ id: v.id, config: v.config })) });
  return createHash("sha256").update(text).digest("hex").slice(0, 6);
}

export function runIdFor(hash: string, variantIndex: number, repetition: number): string {
  const id = `x${hash}-v${variantIndex}-r${repetition}`;
  if (!RUN_ID_PATTERN.test(id)) throw new Error(`internal: run id '${id}' is not a valid runId`);
  return id;
}


/** A 32-bit seed from the experiment name and the round. */
export function roundSeed(name: string, round: number): number {
  return createHash("sha256").update(`${name}\u0000${round}`).digest().readUInt32BE(0);
}

/**
 * The order of the variant indices 0..n-1 in one round: a Fisher–Yates shuffle
 * with the round's seed, then fixed so that the round does not start with the
 * variant that ended the previous one (n >= 2) and does not repeat the previous
 * round's order (n >= 3).
 */
export function roundOrder(n: number, name: string, round: number, previous: readonly number[] | null): number[] {
  const rnd = mulberry32(roundSeed(name, round));
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  if (previous && n >= 2 && order[0] === previous[previous.length - 1]) {
    const j = 1 + Math.floor(rnd() * (n - 1));
    [order[0], order[j]] = [order[j]!, order[0]!];
  }
  if (previous && n >= 3 && order.every((v, i) => v === previous[i])) {
    // Keeps the first position, so the rule above still holds.
    [order[1], order[2]] = [order[2]!, order[1]!];
  }
  return order;
}

export function planRuns(exp: Pick<Experiment, "name" | "variants" | "repeat">): Plan {
  const hash = experimentHash(exp);
  const n = exp.variants.length;
  const runs: PlannedRun[] = [];
  let previous: number[] | null = null;
  for (let round = 1; round <= exp.repeat; round++) {
    const order = roundOrder(n, exp.name, round, previous);
    for (const vi of order) {
      const v = exp.variants[vi]!;
      runs.push({ seq: runs.length, round, repetition: round, variantIndex: v.index, variantId: v.id, runId: runIdFor(hash, v.index, round) });
    }
    previous = order;
  }
  return { experiment: exp.name, hash, variants: n, repeat: exp.repeat, runs };
}

/** The planned runs not yet complete, in plan order (what `--resume` still has to run). */
export function remaining(plan: Plan, isComplete: (runId: string) => boolean): PlannedRun[] {
  return plan.runs.filter((r) => !isComplete(r.runId));
}
