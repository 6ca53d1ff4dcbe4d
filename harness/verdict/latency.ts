// Latency, judged. Readiness says a pod may take traffic, not that it answers
// as fast as the version it replaces: a new version that is ready and answers
// 200, only slower, is a regression too.
//
// The rule: in each deploy window, the requests answered by the window's NEW
// version(s) (those that answered nothing before the window began) fail the
// window when BOTH
//   - their p99 exceeds max(warm-up p99 × factor, warm-up p99 + floorMs), and
//   - their median exceeds max(warm-up median × factor, warm-up median + medianFloorMs).
// A window with no new version (a node drain, a rollback) is judged on all its requests.
// A window over both limits is still not failed when the old version, answering
// in the same window, was as slow: the new version's median within
// max(old median × factor, old median + medianFloorMs). That is the machine or
// a shared dependency slowing every version at once, reported as a note with
// both versions' figures.
//
// Why the new version's requests and not all of the window's: the pods being
// replaced are slow while they terminate (on a 2-core machine, behind an
// ingress, the old version's p99 reached 270 ms in runs that dropped nothing,
// while the new version's stayed under 115 ms). That cost is shown for every
// window, but the question the rule answers is "is the new version slower?".
//
// Why the median too: on a 2-core machine a deploy window's tail is the
// machine's (pods starting, a proxy reloading), not the version's. Measured
// in passing runs with a good version: p99 511 ms with a median of 5.5 ms in a
// weighted canary behind Traefik, p99 215 ms with a median of 26 ms in a
// rolling one. A slower version moves its median as well (200 ms slower: a
// median of 201 ms). A p99 over its limit with the median within its own is
// reported as a note, not a failure.
//
// Why the old version at the same time: the warm-up is seconds before, and a
// 2-core machine's state changes within seconds. With one core taken by a busy
// loop, a good rolling update of the database app at 300 req/s had v2 at p99
// 1,574 ms and median 96 ms against a warm-up median of 5.1 ms, and v1, in
// the same window, at p99 1,841 ms and median 102 ms (CI had v2 at 1,944 and
// 116 ms). A new version that slows the old one too (a database both share,
// saturated by its queries) is therefore reported, not failed: the note names
// both versions' figures.
//
// Only requests answered 200 count (failures are judged on their own; timing
// them would only repeat them), and streams do not (their duration is their length).
import { lowerBound, upperBound } from "./sorted.ts";
import { isFailed } from "./counting.ts";
import type { LatencyRule, LatencyStats, LatencyVerdict, LatencyWindow } from "./records.ts";
import type { DeployWindow, PhaseStats, Sample } from "./types.ts";

export const DEFAULT_MIN_LATENCY_REQUESTS = 100;

const counted = (s: Sample): boolean => !isFailed(s) && !(s.c ?? "").startsWith("stream");

/** Nearest-rank percentile of ascending `sorted` (q in 0..1). */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}

const round = (x: number) => Math.round(x * 10) / 10;

/**
 * Samples sorted by send time with their times as a typed array: every
 * statistic of a phase or window reads only its own range (binary search),
 * so the rule costs O(samples + windows × log samples), never samples × windows.
 */
interface TimeIndex {
  samples: readonly Sample[];
  ts: Float64Array;
}

function timeIndex(samples: readonly Sample[]): TimeIndex {
  let sorted = true;
  for (let i = 1; i < samples.length && sorted; i++) if (samples[i]!.t < samples[i - 1]!.t) sorted = false;
  const s = sorted ? samples : [...samples].sort((a, b) => a.t - b.t);
  return { samples: s, ts: Float64Array.from(s, (x) => x.t) };
}

/** p50 / p95 / p99 / max of the answered requests sent in [from, to] that `keep` accepts. */
export function latencyStats(name: string, samples: readonly Sample[], from: number, to: number, keep: (s: Sample) => boolean = () => true): LatencyStats {
  return statsIn(name, timeIndex(samples), from, to, keep);
}

function statsIn(name: string, ix: TimeIndex, from: number, to: number, keep?: (s: Sample) => boolean): LatencyStats {
  const d: number[] = [];
  const hi = upperBound(ix.ts, to);
  for (let i = lowerBound(ix.ts, from); i < hi; i++) {
    const s = ix.samples[i]!;
    if (counted(s) && (!keep || keep(s))) d.push(s.d);
  }
  const sorted = Float64Array.from(d).sort();
  return {
    name,
    requests: sorted.length,
    p50: round(percentile(sorted, 0.5)),
    p95: round(percentile(sorted, 0.95)),
    p99: round(percentile(sorted, 0.99)),
    max: round(sorted.length ? sorted[sorted.length - 1]! : 0),
  };
}

/** Versions that answered 200 in [from, to], in order of their first answer. */
function versionsIn(ix: TimeIndex, from: number, to: number): string[] {
  const seen = new Set<string>();
  const hi = upperBound(ix.ts, to);
  for (let i = lowerBound(ix.ts, from); i < hi; i++) if (counted(ix.samples[i]!)) seen.add(ix.samples[i]!.v);
  return [...seen];
}

/** For each time of `times`, the versions that answered before it: one sweep over the samples. */
function answeredBeforeEach(ix: TimeIndex, times: readonly number[]): Set<string>[] {
  const order = times.map((t, i) => [t, i] as const).sort((a, b) => a[0] - b[0]);
  const out: Set<string>[] = new Array(times.length);
  const seen = new Set<string>();
  let j = 0;
  for (const [t, i] of order) {
    for (; j < ix.samples.length && ix.samples[j]!.t < t; j++) if (!isFailed(ix.samples[j]!)) seen.add(ix.samples[j]!.v);
    out[i] = new Set(seen);
  }
  return out;
}

const list = (xs: readonly string[]) => xs.map((x) => x || "(no version)").join(", ");

export function judgeLatency(samples: readonly Sample[], phases: readonly PhaseStats[], windows: readonly DeployWindow[], rule: LatencyRule): LatencyVerdict {
  const min = rule.minRequests ?? DEFAULT_MIN_LATENCY_REQUESTS;
  const notJudged: string[] = [];
  const ix = timeIndex(samples);
  const ph = phases.map((p) => statsIn(p.name, ix, p.start, p.end));
  const warm = ph.find((p) => p.name === "warmup") ?? null;
  const judging = rule.factor > 0;
  let base: LatencyStats | null = null;
  if (!judging) notJudged.push("latency not judged: latencyFactor=0");
  else if (!warm || warm.requests < min) {
    notJudged.push(`latency not judged: the warm-up had ${warm?.requests ?? 0} answered requests (fewer than ${min}) to compare the deploy windows with`);
  } else base = warm;
  const limit = base ? round(Math.max(base.p99 * rule.factor, base.p99 + rule.floorMs)) : null;
  const medianLimit = base ? round(Math.max(base.p50 * rule.factor, base.p50 + rule.medianFloorMs)) : null;

  const befores = answeredBeforeEach(ix, windows.map((w) => w.start));
  const ws: LatencyWindow[] = windows.map((w, wi) => {
    const before = befores[wi]!;
    const present = versionsIn(ix, w.start, w.end);
    const fresh = present.filter((v) => !before.has(v));
    const judgedSet = new Set(fresh);
    const judged = statsIn(w.label, ix, w.start, w.end, fresh.length ? (s) => judgedSet.has(s.v) : undefined);
    const enough = judged.requests >= min;
    const oldSet = new Set(present.filter((v) => before.has(v)));
    const old = fresh.length && oldSet.size ? statsIn(w.label, ix, w.start, w.end, (s) => oldSet.has(s.v)) : null;
    const oldMedianLimit = old && old.requests >= min ? round(Math.max(old.p50 * rule.factor, old.p50 + rule.medianFloorMs)) : null;
    const beyondWarmUp = limit !== null && medianLimit !== null && enough && judged.p99 > limit && judged.p50 > medianLimit;
    const slowForAll = beyondWarmUp && oldMedianLimit !== null && judged.p50 <= oldMedianLimit;
    if (base && !enough) {
      notJudged.push(`latency of ${w.label} not judged: ${judged.requests} answered requests from ${fresh.length ? list(fresh) : "any version"} (fewer than ${min})`);
    }
    return {
      label: w.label,
      all: statsIn(w.label, ix, w.start, w.end),
      byVersion: present.map((v) => statsIn(v, ix, w.start, w.end, (s) => s.v === v)),
      judgedVersions: fresh,
      judged,
      old,
      oldMedianLimitMs: oldMedianLimit,
      slowForAll,
      limitMs: base && enough ? limit : null,
      medianLimitMs: base && enough ? medianLimit : null,
      over: beyondWarmUp && !slowForAll,
    };
  });
  const who = (w: LatencyWindow) => (w.judgedVersions.length ? `the new version ${list(w.judgedVersions)}` : "all versions");
  const breaches = ws
    .filter((w) => w.over)
    .map(
      (w) =>
        `latency: ${w.label}: ${who(w)} answered with p99 ${w.judged.p99} ms and median ${w.judged.p50} ms (p95 ${w.judged.p95}, max ${w.judged.max} ms, ${w.judged.requests} requests) ` +
        `against the warm-up's p99 ${base!.p99} ms and median ${base!.p50} ms: above the limits of ${w.limitMs} ms and ${w.medianLimitMs} ms ` +
        `(max of × ${rule.factor} and + ${rule.floorMs} ms; median: + ${rule.medianFloorMs} ms)`,
    );
  const oldNames = (w: LatencyWindow) => list(w.byVersion.map((x) => x.name).filter((v) => !w.judgedVersions.includes(v)));
  const tails = ws
    .filter((w) => !w.over && w.limitMs !== null && w.judged.p99 > w.limitMs)
    .map((w) =>
      w.slowForAll
        ? `latency: ${w.label}: ${who(w)} answered with p99 ${w.judged.p99} ms and median ${w.judged.p50} ms, above the warm-up's limits of ${w.limitMs} ms and ${w.medianLimitMs} ms, ` +
          `but the old version ${oldNames(w)}, answering in the same window, was as slow (p99 ${w.old!.p99} ms, median ${w.old!.p50} ms; the new version's median had to exceed ${w.oldMedianLimitMs} ms): ` +
          `the machine or a shared dependency was slow for every version, not a slower version, so not a failure`
        : `latency: ${w.label}: ${who(w)}'s p99 ${w.judged.p99} ms was above its limit of ${w.limitMs} ms, but its median ${w.judged.p50} ms was within ${w.medianLimitMs} ms: ` +
          `a slow tail (the machine or the proxy during the deploy), not a slower version, so not a failure`,
    );
  return { phases: ph, baseline: base, windows: ws, factor: rule.factor, floorMs: rule.floorMs, medianFloorMs: rule.medianFloorMs, tails, notJudged, breaches };
}

/**
 * The defaults, chosen from ~70 runs on a 2-core machine: × 3 as the issue
 * proposed, and + 150 ms rather than + 100 ms for the p99, because a good new
 * version's p99 reached 123 ms against a 17.8 ms warm-up in a weighted canary
 * behind Traefik (limit at + 100 ms: 117.8 ms); + 50 ms for the median, which
 * stayed under 30 ms in every passing run. A version 200 ms slower is over all of them.
 */
export const DEFAULT_LATENCY_RULE: LatencyRule = { factor: 3, floorMs: 150, medianFloorMs: 50 };
