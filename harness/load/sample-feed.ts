// The live view of a load's samples, whoever produces them (one local k6, or
// the k6-operator's runners): a feed of samples and running totals.
import { EventEmitter } from "node:events";
import type { Sample } from "../verdict/types.ts";
import { isFailed } from "../verdict/counting.ts";

/** Live totals of the request samples (streams' samples are left out: see addSample). */
export interface SampleCounts {
  total: number;
  /** succeeded: status 200, or a status the request's own rule accepts */
  ok: number;
  failed: number;
  /** status (as a string; "0" = no response) -> count */
  byStatus: Record<string, number>;
  /** X-App-Version ("" = none, e.g. every connection error) -> totals */
  byVersion: Record<string, { total: number; ok: number; failed: number; byStatus: Record<string, number> }>;
  /** Non-empty lines that were not samples. */
  malformedLines: number;
  /** Send time of the first / last sample read (epoch ms), null before any. */
  firstT: number | null;
  lastT: number | null;
}

interface SampleFeedEvents {
  sample: [Sample];
  malformed: [string];
  end: [];
}

/**
 * Live samples: `on('sample', s)`, `on('malformed', line)`, `on('end')`, or
 * `for await (const s of feed)` (an iterator sees the samples read after it
 * was created, and ends after k6 exited and the file was read to its end).
 */
export class SampleFeed extends EventEmitter<SampleFeedEvents> implements AsyncIterable<Sample> {
  #ended = false;

  get ended(): boolean {
    return this.#ended;
  }

  /** @internal */
  _end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.emit("end");
  }

  [Symbol.asyncIterator](): AsyncIterator<Sample> {
    const queue: Sample[] = [];
    let wake: (() => void) | undefined;
    let done = this.#ended;
    const onSample = (s: Sample) => {
      queue.push(s);
      wake?.();
    };
    const onEnd = () => {
      done = true;
      wake?.();
    };
    const detach = () => {
      this.off("sample", onSample);
      this.off("end", onEnd);
    };
    this.on("sample", onSample);
    this.on("end", onEnd);
    return {
      next: async (): Promise<IteratorResult<Sample>> => {
        for (;;) {
          const s = queue.shift();
          if (s) return { value: s, done: false };
          if (done) {
            detach();
            return { value: undefined, done: true };
          }
          await new Promise<void>((r) => (wake = r));
          wake = undefined;
        }
      },
      return: async (): Promise<IteratorResult<Sample>> => {
        detach();
        done = true;
        queue.length = 0;
        return { value: undefined, done: true };
      },
    };
  }
}

export function emptyCounts(): SampleCounts {
  return { total: 0, ok: 0, failed: 0, byStatus: {}, byVersion: {}, malformedLines: 0, firstT: null, lastT: null };
}

export function addSample(c: SampleCounts, s: Sample): void {
  // Requests only. A stream's sample is logged when it ends, and one cut by an
  // old pod carries no version: the live analysis would count it against the
  // new version. Streams are judged with every other sample after the run.
  if (s.c?.startsWith("stream")) return;
  const ok = !isFailed(s);
  const status = String(s.s);
  c.total++;
  if (ok) c.ok++;
  else c.failed++;
  c.byStatus[status] = (c.byStatus[status] ?? 0) + 1;
  const v = (c.byVersion[s.v] ??= { total: 0, ok: 0, failed: 0, byStatus: {} });
  v.total++;
  if (ok) v.ok++;
  else v.failed++;
  v.byStatus[status] = (v.byStatus[status] ?? 0) + 1;
  if (c.firstT === null || s.t < c.firstT) c.firstT = s.t;
  if (c.lastT === null || s.t > c.lastT) c.lastT = s.t;
}

export function copyCounts(c: SampleCounts): SampleCounts {
  return {
    ...c,
    byStatus: { ...c.byStatus },
    byVersion: Object.fromEntries(Object.entries(c.byVersion).map(([k, v]) => [k, { ...v, byStatus: { ...v.byStatus } }])),
  };
}

