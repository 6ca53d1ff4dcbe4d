// k6's dropped_iterations, live and final. A constant-arrival-rate executor
// that has no free VU for a planned iteration skips it and counts it in
// dropped_iterations: a request that was never sent, so never judged. The
// harness must know when that happened (inside a deploy window it hides
// exactly the requests the run is about).
//
// Facts measured with k6 v1.8.1 (REST API on --address 127.0.0.1:<port>):
// - `GET /v1/metrics/dropped_iterations` answers 404
//   {"errors":[{"status":"404","title":"Not Found","detail":"No metric with that ID was found"}]}
//   until the first iteration is dropped (the metric only exists once it has a
//   sample; a run without drops never gets it), then 200
//   {"data":{"type":"metrics","id":"dropped_iterations","attributes":{"type":"counter",
//    "contains":"default","tainted":null,"sample":{"count":176,"rate":181.8}}}}
//   with the cumulative count since the start (slow server answering after
//   500 ms, rate 200/s, maxVUs 5: ~180 drops per second).
// - `--summary-export` is written on every end that lets k6 finish: the
//   duration cap (exit 0), a REST stop (103) and one SIGINT (105). It has
//   metrics.dropped_iterations = {"count": n, "rate": r} when there were drops
//   and no dropped_iterations key at all when there were none (the same 20
//   other metrics are there). After SIGKILL, a second SIGINT (hard abort, as
//   when the harness dies: see k6.ts), or a k6 that never started, there is
//   no file.
import { readFile } from "node:fs/promises";

export interface DroppedPoint {
  /** Epoch ms when k6's answer arrived: at least `count` iterations had been dropped by then. */
  t: number;
  /** Cumulative dropped_iterations since k6 started (0 = none yet, read explicitly). */
  count: number;
}

export interface DroppedIterations {
  /** One point per successful read, about once a second while k6 ran. */
  series: DroppedPoint[];
  /**
   * k6's final count from k6-summary.json, read after k6 exited; 0 when the
   * summary has no dropped_iterations (k6 omits the metric when nothing was
   * dropped). null before k6 exited, and when the summary is missing or
   * unreadable (k6 killed with SIGKILL, crashed, or never started).
   */
  total: number | null;
}

const NO_SUCH_METRIC = /No metric with that ID was found/;

/**
 * Reads the cumulative dropped_iterations from k6's REST API: the count, 0
 * when k6 says the metric does not exist (yet), undefined when k6 does not
 * answer or answers something else (no evidence either way).
 */
export async function readDroppedIterations(port: number, timeoutMs = 1000, host = "127.0.0.1"): Promise<number | undefined> {
  let res: Response;
  let text: string;
  try {
    res = await fetch(`http://${host}:${port}/v1/metrics/dropped_iterations`, { signal: AbortSignal.timeout(timeoutMs) });
    text = await res.text();
  } catch {
    return undefined;
  }
  return droppedFromAnswer(res.status, text);
}

/** dropped_iterations from k6's answer to GET /v1/metrics/dropped_iterations (see readDroppedIterations). */
export function droppedFromAnswer(status: number, text: string): number | undefined {
  if (status === 404) return NO_SUCH_METRIC.test(text) ? 0 : undefined;
  if (status < 200 || status > 299) return undefined;
  try {
    const doc = JSON.parse(text) as { data?: { id?: unknown; attributes?: { sample?: { count?: unknown } } } };
    const count = doc.data?.attributes?.sample?.count;
    if (doc.data?.id !== "dropped_iterations" || typeof count !== "number" || !Number.isFinite(count) || count < 0) return undefined;
    return count;
  } catch {
    return undefined;
  }
}

/**
 * dropped_iterations from a k6 --summary-export file: the count, 0 when the
 * file holds k6's metrics but not this one, null when the file is missing or
 * is not a k6 summary.
 */
export async function droppedFromSummary(file: string): Promise<number | null> {
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(file, "utf8"));
  } catch {
    return null;
  }
  const metrics = (doc as { metrics?: unknown } | null)?.metrics;
  if (!metrics || typeof metrics !== "object") return null;
  const m = metrics as Record<string, { count?: unknown } | undefined>;
  // A k6 summary always has http_reqs and iterations-related metrics; without
  // them this is not the file we think it is.
  if (!("http_reqs" in m) && !("vus_max" in m)) return null;
  const count = m["dropped_iterations"]?.count;
  if (count === undefined) return "dropped_iterations" in m ? null : 0;
  return typeof count === "number" && Number.isFinite(count) && count >= 0 ? count : null;
}

export interface DroppedPollerOptions {
  /** Default 1000 ms. */
  intervalMs?: number;
  /** Where k6's REST API listens. Default 127.0.0.1. */
  host?: string;
  /** Injected for tests; default readDroppedIterations(port). */
  read?: () => Promise<number | undefined>;
  now?: () => number;
}

/** Polls dropped_iterations about once a second (one read at a time) and keeps the series. */
export class DroppedIterationsPoller {
  readonly #series: DroppedPoint[] = [];
  readonly #intervalMs: number;
  readonly #read: () => Promise<number | undefined>;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  #reading: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(port: number, opts: DroppedPollerOptions = {}) {
    this.#intervalMs = opts.intervalMs ?? 1000;
    this.#read = opts.read ?? (() => readDroppedIterations(port, Math.max(250, Math.min(1000, this.#intervalMs)), opts.host));
    this.#now = opts.now ?? Date.now;
  }

  /** Reads once at once, then every intervalMs until stop(). */
  start(): void {
    if (this.#stopped || this.#timer || this.#series.length > 0) return;
    const tick = () => {
      this.#timer = undefined;
      this.#reading = this.#reading
        .then(() => this.#readOnce())
        .finally(() => {
          if (!this.#stopped) this.#timer = setTimeout(tick, this.#intervalMs).unref();
        });
    };
    tick();
  }

  async #readOnce(): Promise<void> {
    const count = await this.#read().catch(() => undefined);
    if (count === undefined) return;
    this.#series.push({ t: this.#now(), count });
  }

  /** Stops polling; resolves after a read in progress has finished (and was recorded if it succeeded). */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#reading;
  }

  /** A copy of the points recorded so far. */
  series(): DroppedPoint[] {
    return this.#series.map((p) => ({ ...p }));
  }
}

/**
 * k6's http_reqs, iterations and failed requests from its --summary-export
 * file (null: absent or unreadable). http_req_failed is a rate: its
 * `passes` are the requests it counted as failed (0 when none failed).
 */
export async function countsFromSummary(file: string): Promise<{ httpReqs: number | null; iterations: number | null; failed: number | null }> {
  try {
    const doc = JSON.parse(await readFile(file, "utf8")) as { metrics?: Record<string, Record<string, unknown> | undefined> };
    const count = (name: string, field: string) => {
      const n = doc.metrics?.[name]?.[field];
      return typeof n === "number" && Number.isFinite(n) && n >= 0 ? n : null;
    };
    return { httpReqs: count("http_reqs", "count"), iterations: count("iterations", "count"), failed: count("http_req_failed", "passes") };
  } catch {
    return { httpReqs: null, iterations: null, failed: null };
  }
}
