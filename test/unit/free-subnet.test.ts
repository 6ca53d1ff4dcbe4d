// nodrop's own kind network takes a subnet nothing on the machine uses, and
// stops (naming what holds them) when none is free.
import { describe, expect, it } from "vitest";
import { cidrRange, pickSubnet, SUBNET_CANDIDATES, usedPrefixes } from "../../harness/cluster/kind/free-subnet.ts";

describe("free subnet for the kind network", () => {
  it("reads CIDRs and bare addresses", () => {
    expect(cidrRange("172.30.1.0/24")).toEqual([cidrRange("172.30.1.0")![0], cidrRange("172.30.1.255")![0]]);
    expect(cidrRange("10.0.0.7/8")).toEqual([10 * 2 ** 24, 11 * 2 ** 24 - 1]);
    expect(cidrRange("fe80::/64")).toBeUndefined();
    expect(cidrRange("default")).toBeUndefined();
  });
  it("takes route destinations (any table) and interface prefixes", () => {
    const routes = "default via 10.0.0.1 dev eth0\n172.30.0.0/24 dev br-1 proto kernel scope link src 172.30.0.1\nlocal 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1\nbroadcast 172.30.1.255 dev x table local";
    const addrs = "2: eth0    inet 172.30.2.9/23 brd 172.30.3.255 scope global eth0";
    expect(usedPrefixes(routes, addrs)).toEqual(["172.30.0.0/24", "127.0.0.1", "172.30.1.255", "172.30.2.9/23"]);
  });
  it("picks the first candidate nothing overlaps", () => {
    expect(pickSubnet([])).toBe("172.30.0.0/24");
    expect(pickSubnet(["172.30.0.0/24", "172.30.1.255", "172.30.2.9/23"])).toBe("172.30.4.0/24");
    // A wider route (a VPN's 172.16.0.0/12) covers them all: none is free.
    expect(pickSubnet(["172.16.0.0/12"])).toBeUndefined();
    expect(SUBNET_CANDIDATES).toHaveLength(32);
  });
});
