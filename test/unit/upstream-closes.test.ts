import { describe, expect, it } from "vitest";
import { parseUpstreamCloses } from "../../harness/ingress/upstream-closes.ts";

const LOG = `==> ingress-79f6476d7f-qg7mj <==
2026/12/01 19:40:30 [notice] 1#1: start worker processes
2026/12/01 19:40:30 [error] 28550#28550: *751 recv() failed (104: Connection reset by peer) while reading response header from upstream, client: 127.0.0.1, server: , request: "POST / HTTP/1.1", upstream: "http://10.96.0.12:80/", host: "127.0.0.1:30082"
2026/12/01 19:40:31 [error] 28550#28550: *802 upstream prematurely closed connection while reading response header from upstream, client: 10.88.0.1, server: , request: "POST / HTTP/1.1", upstream: "http://10.96.0.12:80/", host: "127.0.0.1:30082"
2026/12/01 19:40:32 [error] 28550#28550: *900 writev() failed (32: Broken pipe) while sending request to upstream, client: 10.88.0.1, server: , request: "GET / HTTP/1.1", upstream: "http://10.96.0.12:80/", host: "x"
2026/12/01 19:40:33 [error] 28550#28550: *901 connect() failed (111: Connection refused) while connecting to upstream, client: 10.88.0.1, request: "GET / HTTP/1.1"
2026/12/01 19:40:34 [error] 28550#28550: *902 upstream timed out (110: Connection timed out) while reading response header from upstream, client: 10.88.0.1, request: "GET / HTTP/1.1"
`;

describe("nginx's upstream closes", () => {
  it("finds each request whose upstream connection was closed or reset under it, with its second and request line", () => {
    const c = parseUpstreamCloses(LOG);
    expect(c.map((x) => x.what)).toEqual([
      "(104: Connection reset by peer) while reading response header from upstream",
      "upstream prematurely closed connection while reading response header from upstream",
      "(32: Broken pipe) while sending request to upstream",
    ]);
    expect(c[0]!.at).toBe(Date.UTC(2026, 11, 1, 19, 40, 30));
    expect(c.map((x) => x.request)).toEqual(["POST / HTTP/1.1", "POST / HTTP/1.1", "GET / HTTP/1.1"]);
  });

  it("leaves out refused connections and timeouts: those are not a reused connection closed by the app", () => {
    expect(parseUpstreamCloses(LOG).some((x) => /refused|timed out/.test(x.what))).toBe(false);
  });
});
