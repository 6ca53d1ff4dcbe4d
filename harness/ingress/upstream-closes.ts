// nginx's own account of the keep-alive race: the error log lines it writes
// when an upstream connection it had just (re)used was closed or reset by the
// app before any response came back. nginx answers those requests with 502 and
// does not resend a POST. Pure: the log text in, one entry per line out.

export interface UpstreamClose {
  /** epoch ms of the log line (nginx logs whole seconds, in the container's zone: UTC). */
  at: number;
  /** What nginx said happened, e.g. "upstream prematurely closed connection while reading response header". */
  what: string;
  /** The request line nginx logged, e.g. "POST / HTTP/1.1". */
  request: string | null;
}

const LINE = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2}) \[error\] \S+ \*\d+ (.*?) (?:while (reading response header from|sending request to) upstream)/;
const CLOSED = /upstream prematurely closed connection|Connection reset by peer|Broken pipe/;

export function parseUpstreamCloses(log: string): UpstreamClose[] {
  const out: UpstreamClose[] = [];
  for (const line of log.split("\n")) {
    const m = LINE.exec(line);
    if (!m) continue;
    const [, y, mo, d, h, mi, s, what, phase] = m;
    if (!CLOSED.test(what!)) continue;
    const request = /request: "([^"]*)"/.exec(line)?.[1] ?? null;
    out.push({ at: Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s!), what: `${what!.replace(/^\S+\(\) failed /, "")} while ${phase} upstream`, request });
  }
  return out;
}
