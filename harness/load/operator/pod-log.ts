// Every line of a container's log, read live through the API server
// (`pods/log?follow=true&timestamps=true`), and none twice. A follow stream
// can end before the container does (an API server or kubelet restart, a
// proxy's idle timeout): the reader then resumes from the last timestamp it
// saw, skipping the lines it already has at that timestamp. It ends when the
// stream ends with the container terminated. Works the same on every provider
// (local, kind, an existing cluster): nothing is read from a node's disk.
import { StringDecoder } from "node:string_decoder";
import type { KubeConfig } from "@kubernetes/client-node";
import { apiOpen } from "../../api-http.ts";

/** "2026-12-02T01:58:11.123456789Z text" → its timestamp and text (null: no timestamp). */
export function splitTimestamp(line: string): { ts: string; text: string } | null {
  const sp = line.indexOf(" ");
  const ts = sp > 0 ? line.slice(0, sp) : line;
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(ts)) return null;
  return { ts, text: sp > 0 ? line.slice(sp + 1) : "" };
}

/** Compares RFC 3339 timestamps of the kubelet's form (UTC, any fraction length). */
export function compareTs(a: string, b: string): number {
  const norm = (t: string) => {
    const [sec, frac = ""] = t.slice(0, -1).split(".");
    return `${sec}.${frac.padEnd(9, "0")}`;
  };
  const x = norm(a);
  const y = norm(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Where a resumed read starts: lines before the last timestamp seen are
 * dropped, and at that timestamp as many as were already taken.
 */
export class ResumePoint {
  lastTs: string | null = null;
  takenAtLast = 0;
  #skipAtLast = 0;

  /** Call before reading again from `sinceTime = lastTs`. */
  resume(): void {
    this.#skipAtLast = this.takenAtLast;
  }

  /** True when the line is new (and records it). */
  take(ts: string): boolean {
    if (this.lastTs !== null) {
      const c = compareTs(ts, this.lastTs);
      if (c < 0) return false;
      if (c === 0) {
        if (this.#skipAtLast > 0) {
          this.#skipAtLast--;
          return false;
        }
        this.takenAtLast++;
        return true;
      }
    }
    this.lastTs = ts;
    this.takenAtLast = 1;
    this.#skipAtLast = 0;
    return true;
  }
}

export interface FollowOptions {
  kc: KubeConfig;
  namespace: string;
  pod: string;
  container: string;
  onLine: (text: string) => void;
  /** Whether the container has terminated, or its pod is gone (asked when a stream ends). */
  terminated: () => Promise<boolean>;
  signal?: AbortSignal;
  /** Streams opened at most (first one included). Default 20. */
  maxOpens?: number;
}

/** Follows the container's log to its end; resolves with how many times it had to resume. */
export async function followPodLog(o: FollowOptions): Promise<{ resumes: number; lines: number; gone: boolean }> {
  const point = new ResumePoint();
  let lines = 0;
  const maxOpens = o.maxOpens ?? 20;
  // After the container terminated, one more read without follow takes
  // whatever a stream that ended early (a timeout, not the log's end) missed.
  let last = false;
  for (let opens = 0; ; opens++) {
    if (opens >= maxOpens) throw new Error(`pod ${o.pod}: its log stream ended ${opens} times before the container did`);
    if (opens > 0) point.resume();
    const q = new URLSearchParams({ container: o.container, follow: String(!last), timestamps: "true" });
    if (point.lastTs) q.set("sinceTime", point.lastTs.replace(/\.\d+Z$/, "Z"));
    const res = await apiOpen(o.kc, `/api/v1/namespaces/${o.namespace}/pods/${o.pod}/log?${q}`, o.signal);
    if (res.statusCode === 404 && last) {
      // The pod is gone (deleted with its log): what was read is all there is.
      res.resume();
      return { resumes: opens - 1, lines, gone: true };
    }
    if (res.statusCode !== 200) {
      let body = "";
      for await (const c of res) body += String(c);
      throw new Error(`pod ${o.pod}: log request answered HTTP ${res.statusCode}: ${body.slice(0, 300)}`);
    }
    const dec = new StringDecoder("utf8");
    let rest = "";
    let broken = false;
    const handle = (line: string) => {
      const l = line.endsWith("\r") ? line.slice(0, -1) : line;
      const p = splitTimestamp(l);
      if (!p) return;
      if (!point.take(p.ts)) return;
      lines++;
      o.onLine(p.text);
    };
    try {
      for await (const chunk of res) {
        const parts = (rest + dec.write(chunk as Buffer)).split("\n");
        rest = parts.pop()!;
        for (const line of parts) handle(line);
      }
    } catch (e) {
      if (o.signal?.aborted) throw e;
      broken = true;
    }
    rest += dec.end();
    if (last && !broken) {
      // The log's real end: a last line without its newline is complete.
      if (rest) handle(rest);
      return { resumes: opens - 1, lines, gone: false };
    }
    // Otherwise a line cut mid-way comes again on the next read.
    if (!last && (await o.terminated())) last = true;
  }
}
