import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { KIND_NODE_PORTS, renderKindConfig } from "../../harness/cluster/kind/config.ts";
import { missingCgroupMounts, mountedControllers } from "../../harness/cluster/kind/cgroups.ts";
import { engineChoice } from "../../harness/cluster/kind/engine.ts";
import { podConflist, routeCommands } from "../../harness/cluster/kind/pod-network.ts";

describe("kind cluster config", () => {
  it("maps every NodePort nodrop uses to 127.0.0.1 only, on the control plane", () => {
    const c = parse(renderKindConfig({ nodes: 1 }));
    expect(c.networking.apiServerAddress).toBe("127.0.0.1");
    expect(c.nodes).toHaveLength(1);
    const maps = c.nodes[0].extraPortMappings as { containerPort: number; hostPort: number; listenAddress: string }[];
    expect(maps.map((m) => m.hostPort)).toEqual([...KIND_NODE_PORTS]);
    expect(maps.every((m) => m.listenAddress === "127.0.0.1" && m.containerPort === m.hostPort)).toBe(true);
  });

  it("adds nodes-1 workers", () => {
    const c = parse(renderKindConfig({ nodes: 3 }));
    expect(c.nodes.map((n: { role: string }) => n.role)).toEqual(["control-plane", "worker", "worker"]);
  });

  it("with the offline image: no default CNI, no CoreDNS addon, kind's own preflight skip kept, kubeadm told the image's etcd tag", () => {
    const c = parse(renderKindConfig({ nodes: 1, offline: { etcdTag: "3.4.23-0" } }));
    expect(c.networking.disableDefaultCNI).toBe(true);
    const patches = (c.kubeadmConfigPatches as string[]).map((p) => parse(p));
    expect(patches).toContainEqual({ kind: "InitConfiguration", skipPhases: ["preflight", "addon/coredns"] });
    expect(patches).toContainEqual({ kind: "ClusterConfiguration", etcd: { local: { imageTag: "3.4.23-0" } } });
    expect(patches).toContainEqual({ kind: "KubeProxyConfiguration", metricsBindAddress: "0.0.0.0:10249" });
  });

  it("a stock image keeps kind's defaults but kube-proxy's metrics address", () => {
    const c = parse(renderKindConfig({ nodes: 2 }));
    expect(c.networking.disableDefaultCNI).toBeUndefined();
    expect((c.kubeadmConfigPatches as string[]).map((p) => parse(p))).toEqual([{ kind: "KubeProxyConfiguration", metricsBindAddress: "0.0.0.0:10249" }]);
  });

  it("refuses a node count outside 1..5, naming the allowed values", () => {
    expect(() => renderKindConfig({ nodes: 0 })).toThrow(/nodes: 0 is not allowed \(allowed: 1\.\.5\)/);
    expect(() => renderKindConfig({ nodes: 6 })).toThrow(/allowed: 1\.\.5/);
  });
});

describe("kind engine choice", () => {
  it("auto unless NODROP_KIND_ENGINE names docker, dockerd (nodrop's own) or nerdctl", () => {
    expect(engineChoice({})).toBe("auto");
    expect(engineChoice({ NODROP_KIND_ENGINE: "nerdctl" })).toBe("nerdctl");
    expect(engineChoice({ NODROP_KIND_ENGINE: "docker" })).toBe("docker");
    expect(engineChoice({ NODROP_KIND_ENGINE: "dockerd" })).toBe("dockerd");
    expect(() => engineChoice({ NODROP_KIND_ENGINE: "podman" })).toThrow(/NODROP_KIND_ENGINE: 'podman' is not allowed \(allowed: auto, docker, dockerd, nerdctl\)/);
  });
});

describe("offline pod network", () => {
  const nodes = [
    { name: "cp", podCIDR: "10.244.0.0/24", address: "10.4.1.2" },
    { name: "w1", podCIDR: "10.244.1.0/24", address: "10.4.1.3" },
    { name: "w2", podCIDR: "10.244.2.0/24", address: "10.4.1.4" },
  ];

  it("routes each node to every other node's pods through that node", () => {
    expect(routeCommands("w1", nodes)).toEqual([
      ["ip", "route", "replace", "10.244.0.0/24", "via", "10.4.1.2"],
      ["ip", "route", "replace", "10.244.2.0/24", "via", "10.4.1.4"],
    ]);
    expect(routeCommands("cp", [nodes[0]!])).toEqual([]);
  });

  it("gives each node a ptp config (as kindnetd) allocating from its own podCIDR", () => {
    const c = JSON.parse(podConflist("10.244.1.0/24"));
    const main = c.plugins[0];
    expect(main.type).toBe("ptp");
    expect(main.ipMasq).toBe(false);
    expect(main.ipam.ranges).toEqual([[{ subnet: "10.244.1.0/24" }]]);
  });
});

describe("cgroup v1 controllers the host never mounted (kind/cgroups.ts)", () => {
  const header = "#subsys_name\thierarchy\tnum_cgroups\tenabled\n";
  const mounted = new Set(["cpuset", "cpu", "cpuacct", "blkio", "memory", "devices", "freezer", "pids", "name=systemd"]);

  it("on a fresh host (hierarchy 0: mounted nowhere yet) mounts each, net_cls with net_prio as systemd does", () => {
    // /proc/cgroups as read on a fresh machine of this kind (2026-12-01).
    const fresh = header + "cpuset\t3\t2\t1\ncpu\t1\t2\t1\ncpuacct\t2\t2\t1\nblkio\t7\t2\t1\nmemory\t4\t34\t1\ndevices\t5\t2\t1\nfreezer\t6\t2\t1\nnet_cls\t0\t2\t1\nperf_event\t0\t2\t1\nnet_prio\t0\t2\t1\nhugetlb\t0\t2\t1\npids\t8\t2\t1\n";
    expect(missingCgroupMounts(fresh, mounted)).toEqual([["net_cls", "net_prio"], ["perf_event"], ["hugetlb"]]);
  });

  it("after a node mounted them in its own namespace (non-zero hierarchy) mounts them with their hierarchy's companions", () => {
    const seen = header + "cpuset\t3\t7\t1\ncpu\t1\t16\t1\nnet_cls\t14\t1\t1\nperf_event\t16\t1\t1\nnet_prio\t14\t1\t1\nhugetlb\t15\t1\t1\npids\t8\t16\t1\n";
    expect(missingCgroupMounts(seen, mounted)).toEqual([["net_cls", "net_prio"], ["perf_event"], ["hugetlb"]]);
  });

  it("mounts nothing when every enabled controller is mounted, and skips disabled ones", () => {
    expect(missingCgroupMounts(header + "cpu\t1\t2\t1\nrdma\t0\t1\t0\n", new Set(["cpu"]))).toEqual([]);
  });

  it("reads the mounted controllers from mountinfo", () => {
    const mi = "35 26 0:30 / /sys/fs/cgroup/cpu rw,nosuid - cgroup cgroup rw,cpu\n36 26 0:31 / /sys/fs/cgroup/net_cls,net_prio rw - cgroup cgroup rw,net_cls,net_prio\n25 1 0:24 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw,nsdelegate\n";
    expect([...mountedControllers(mi)].sort()).toEqual(["cpu", "net_cls", "net_prio"]);
  });
});
