// k6's end-of-test summary as a runner prints it to its log (k6 v1.8.1):
//     http_reqs............: 99      49.441724/s
//     dropped_iterations...: 1       0.499411/s
//     iterations...........: 99      49.441724/s
//     http_req_failed......: 2.86%  47 out of 1638
// The runner's own count of what it sent, to hold the samples read from its
// log against; k6 leaves dropped_iterations out when nothing was dropped.
// Pure: fed line by line.

export interface RunnerSummary {
  /** A summary line was seen (so an absent dropped_iterations means 0). */
  seen: boolean;
  httpReqs: number | null;
  iterations: number | null;
  dropped: number | null;
  /** Requests k6 counted as failed (http_req_failed's "N out of M"). */
  failed: number | null;
}

const LINE = /^\s*(http_reqs|dropped_iterations|iterations)\.*:\s+(\d+)(\s|$)/;
const FAILED = /^\s*http_req_failed\.*:\s+[\d.]+%\s+(\d+) out of \d+/;

export class RunnerSummaryReader {
  readonly #s: RunnerSummary = { seen: false, httpReqs: null, iterations: null, dropped: null, failed: null };

  /** True when the line belonged to the summary. */
  line(text: string): boolean {
    const f = FAILED.exec(text);
    if (f) {
      this.#s.seen = true;
      this.#s.failed = Number(f[1]);
      return true;
    }
    const m = LINE.exec(text);
    if (!m) return false;
    const n = Number(m[2]);
    this.#s.seen = true;
    if (m[1] === "http_reqs") this.#s.httpReqs = n;
    else if (m[1] === "iterations") this.#s.iterations = n;
    else this.#s.dropped = n;
    return true;
  }

  get summary(): RunnerSummary {
    const s = this.#s;
    return { ...s, dropped: s.dropped ?? (s.seen ? 0 : null) };
  }
}
