// The loopback addresses k6's requests come from: one per VU (k6 --local-ips
// hands them out round-robin by VU id), never 127.0.0.1 and never the
// readiness probe's 127.0.0.2 (harness/target.ts).
//
// Why not just 127.0.0.1: every request then shares one source address, and
// Linux soon gives a new connection a source port that an old connection to
// the same NodePort used seconds before. When a pod shuts down, some of the
// keep-alive connections to it end with a RST from the pod; conntrack keeps
// such an entry for 10 s (CLOSE), still NATed to that pod, and a SYN from the
// same address and port that matches it is NOT re-NATed (conntrack reopens a
// CLOSE entry only when the RST came from the same side as the new SYN). The
// SYN goes to the pod that no longer exists and the request times out (k6
// 1050) although kube-proxy had long stopped routing there. Measured on the
// local cluster (2026-12-01, `conntrack -E` during the preStop demo): 4 of 9
// good B runs had exactly one such timeout; in both captured ones the timed-out
// request made no conntrack entry of its own, and its source port's last
// entry was a CLOSE (RST from the pod) to a pod that had exited 2.6-3.1 s
// before, refreshed by the request's SYN retransmits until the port was
// reused again. Real users come from many addresses; one address per VU
// makes the load look like that, and a VU's dialer binds its address with
// port 0, so the kernel picks the port at random instead of reusing one.
//
// The range is larger than the default pool (2 probes x 200 VUs), so the
// new-connection probe never shares an address with the keep-alive probe.
export const LOAD_SOURCE_RANGE = "127.1.0.1-127.1.3.254";

const ipToInt = (ip: string): number => ip.split(".").reduce((n, o) => n * 256 + Number(o), 0);
const intToIp = (n: number): string => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join(".");

/** A range "a.b.c.d-e.f.g.h" as its first address (as a number) and its size. */
function parseRange(range: string): { first: number; count: number } {
  const [from, to] = range.split("-") as [string, string];
  const first = ipToInt(from);
  return { first, count: ipToInt(to) - first + 1 };
}

/**
 * The source address of k6's VU `vu` (exec.vu.idInInstance, from 1) under
 * `--local-ips <range>`: k6 v1.8.1 gives VU n the address at index
 * (n − 1) mod size of the pool (internal/js/runner.go, lib/types/ipblock.go).
 * bench/attribution.ts checks this against the app's own headers.
 */
export function sourceAddressOfVu(vu: number, range = LOAD_SOURCE_RANGE): string {
  const { first, count } = parseRange(range);
  return intToIp(first + ((vu - 1) % count));
}

/**
 * A VU's address when it is its own: undefined for a VU past the pool's size,
 * which shares its address with another (more VUs than addresses), so its
 * connections cannot be told apart (verdict/attribution.ts).
 */
export function ownSourceAddressOfVu(vu: number, range = LOAD_SOURCE_RANGE): string | undefined {
  return vu >= 1 && vu <= parseRange(range).count ? sourceAddressOfVu(vu, range) : undefined;
}
