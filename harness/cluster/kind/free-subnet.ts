// A subnet for nodrop's own kind network that nothing on this machine uses:
// the first of 172.30.0.0/24 … 172.30.31.0/24 that no route (any table) and
// no address of this machine overlaps. None free: say which routes hold
// them, and stop (nodrop never takes a network over).
import { run } from "../../exec.ts";

export const SUBNET_CANDIDATES: readonly string[] = Array.from({ length: 32 }, (_, i) => `172.30.${i}.0/24`);

/** [first, last] address of an IPv4 CIDR (a bare address is a /32), or undefined when it is not one. */
export function cidrRange(cidr: string): [number, number] | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)(?:\/(\d+))?$/.exec(cidr);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const bits = m[5] === undefined ? 32 : Number(m[5]);
  if (octets.some((o) => o > 255) || bits > 32) return undefined;
  const ip = octets.reduce((a, o) => a * 256 + o, 0);
  const size = 2 ** (32 - bits);
  const first = Math.floor(ip / size) * size;
  return [first, first + size - 1];
}

/** The destinations of `ip -4 route show table all` lines and the prefixes of `ip -4 -o addr` lines ("default" and broadcast/local host routes included as they are). */
export function usedPrefixes(routes: string, addrs: string): string[] {
  const fromRoutes = routes
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .map((w) => (["local", "broadcast", "unicast", "multicast"].includes(w[0] ?? "") ? w[1] : w[0]))
    .filter((d): d is string => !!d && d !== "default");
  const fromAddrs = [...addrs.matchAll(/\binet (\d+\.\d+\.\d+\.\d+\/\d+)/g)].map((m) => m[1]!);
  return [...fromRoutes, ...fromAddrs];
}

/** The first candidate no used prefix overlaps, or undefined. */
export function pickSubnet(used: readonly string[], candidates: readonly string[] = SUBNET_CANDIDATES): string | undefined {
  const ranges = used.map(cidrRange).filter((r): r is [number, number] => r !== undefined);
  return candidates.find((c) => {
    const [a, b] = cidrRange(c)!;
    return !ranges.some(([x, y]) => x <= b && a <= y);
  });
}

export async function freeSubnet(): Promise<string> {
  const routes = (await run(["ip", "-4", "route", "show", "table", "all"], { reject: false })).stdout;
  const addrs = (await run(["ip", "-4", "-o", "addr", "show"], { reject: false })).stdout;
  const used = usedPrefixes(routes, addrs);
  const s = pickSubnet(used);
  if (!s) throw new Error(`no free subnet for nodrop's kind network: ${SUBNET_CANDIDATES[0]} … ${SUBNET_CANDIDATES.at(-1)} all overlap this machine's routes or addresses (${used.filter((u) => u.startsWith("172.")).join(", ")})`);
  return s;
}
