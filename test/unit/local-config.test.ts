import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { cniConflist, containerdToml, kubeletConfig, kubeProxyConfig, LOCAL, localPaths } from "../../harness/cluster/local-config.ts";
import { mountsUnder } from "../../harness/cluster/procs.ts";

const p = localPaths("/state/local", "/run/nodrop-local");

describe("local cluster component configuration", () => {
  it("containerd: own socket and state, CRI with restricted oom_score_adj and the local sandbox image", () => {
    const t = containerdToml(p, "registry.k8s.io/pause:3.10.1");
    expect(t).toContain('address = "/run/nodrop-local/containerd.sock"');
    expect(t).toContain("restrict_oom_score_adj = true");
    expect(t).toContain('sandbox_image = "registry.k8s.io/pause:3.10.1"');
    expect(t).toContain("SystemdCgroup = false");
    expect(t).toContain('conf_dir = "/state/local/cni/net.d"');
  });

  it("CNI: bridge without masquerade, host-local IPAM in the state dir, portmap", () => {
    const c = JSON.parse(cniConflist(p));
    expect(c.plugins.map((x: { type: string }) => x.type)).toEqual(["bridge", "portmap"]);
    expect(c.plugins[0].ipMasq).toBe(false);
    expect(c.plugins[0].ipam.dataDir).toBe("/state/local/cni/ipam");
  });

  it("kubelet: cgroupfs on cgroup v1, containerd socket, no DNS upstream, image GC off", () => {
    const k = parse(kubeletConfig(p));
    expect(k.cgroupDriver).toBe("cgroupfs");
    expect(k.failCgroupV1).toBe(false);
    expect(k.containerRuntimeEndpoint).toBe("unix:///run/nodrop-local/containerd.sock");
    expect(k.resolvConf).toBe("/state/local/resolv.conf");
    expect(k.imageGCHighThresholdPercent).toBe(100);
  });

  it("kube-proxy: iptables mode, NodePorts on loopback", () => {
    const k = parse(kubeProxyConfig("/x.kubeconfig"));
    expect(k.mode).toBe("iptables");
    expect(k.nodePortAddresses).toContain("127.0.0.0/8");
    expect(k.iptables.localhostNodePorts).toBe(true);
    expect(k.hostnameOverride).toBe(LOCAL.nodeName);
  });

  it("mountsUnder lists only mounts below the given prefixes, deepest first", () => {
    const m = mountsUnder(["/proc"]);
    expect(m.every((x) => x === "/proc" || x.startsWith("/proc/"))).toBe(true);
    for (let i = 1; i < m.length; i++) expect(m[i - 1]!.length).toBeGreaterThanOrEqual(m[i]!.length);
  });
});
