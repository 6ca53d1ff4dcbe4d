// The fate of one long-lived stream (the sample app's /stream, server-sent
// events), from what k6 got when the response ended. Pure: unit-tested in Node.
//   stream-end      the stream ran its full length and the server ended it with `event: end`
//   stream-goodbye  the server ended it early with `event: goodbye` (a graceful shutdown;
//                   the client reconnects, to another pod): not a failure
//   stream-cut      anything else: the connection broke, or the body stopped without either
//                   event (the pod's process went away mid-stream): a failure
export type StreamFate = "stream-end" | "stream-goodbye" | "stream-cut";

/** nodrop's error code for a stream that ended with no end or goodbye event and no k6 error. */
export const STREAM_CUT_CODE = 1090;

export function streamFate(status: number, errorCode: number, body: string): { c: StreamFate; s: number; e: number } {
  if (status === 200 && !errorCode) {
    if (body.includes("\nevent: end\n") || body.startsWith("event: end\n")) return { c: "stream-end", s: 200, e: 0 };
    if (body.includes("\nevent: goodbye\n") || body.startsWith("event: goodbye\n")) return { c: "stream-goodbye", s: 200, e: 0 };
  }
  // A non-200 keeps its status; a broken 200 becomes "no response" with the reason's code.
  return { c: "stream-cut", s: status === 200 ? 0 : status, e: errorCode || (status === 200 ? STREAM_CUT_CODE : 0) };
}

/** The stream URL on the target's host: http://127.0.0.1:<port>/stream?ms=<length>. */
export function streamUrl(target: string, seconds: number): string {
  const m = /^(http:\/\/127\.0\.0\.1:\d+)/.exec(target);
  if (!m) throw new Error(`stream target must be http://127.0.0.1:<port>, got '${target}'`);
  return `${m[1]}/stream?ms=${Math.round(seconds * 1000)}`;
}
