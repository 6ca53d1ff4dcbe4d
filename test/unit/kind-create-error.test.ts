import { describe, expect, it } from "vitest";
import { kindCreateFailure } from "../../harness/cluster/kind/create-error.ts";

// Shaped like kind's output when kubeadm init fails in its preflight phase
// (the real one is ~80 lines: the command output, then a Go stack trace).
const OUTPUT = `Creating cluster "nodrop" ...
 • Preparing nodes 📦 📦 📦  ...
 ✓ Preparing nodes 📦 📦 📦
 • Starting control-plane 🕹️  ...
 ✗ Starting control-plane 🕹️
Deleted nodes: []
ERROR: failed to create cluster: failed to init node with kubeadm: command "nerdctl exec --privileged nodrop-control-plane kubeadm init --config=/kind/kubeadm.conf --skip-token-print --v=6" failed with error: exit status 1
Command Output: I1201 10:27:08.1 initconfiguration.go:261] loading configuration from "/kind/kubeadm.conf"
[preflight] Running pre-flight checks
\t[ERROR FileContent--proc-sys-net-ipv4-ip_forward]: /proc/sys/net/ipv4/ip_forward contents are not set to 1
[preflight] If you know what you are doing, you can make a check non-fatal with \`--ignore-preflight-errors=...\`
error: error execution phase preflight: preflight checks failed
k8s.io/kubernetes/cmd/kubeadm/app/cmd/phases/workflow.(*Runner).Run.func1
\tk8s.io/kubernetes@v1.34.4/cmd/kubeadm/app/cmd/phases/workflow/runner.go:262
main.main
\tk8s.io/kubernetes@v1.34.4/cmd/kubeadm/kubeadm.go:25
runtime.goexit
\truntime/asm_amd64.s:1771
time="2026-12-01T10:27:19Z" level=fatal msg="exec failed with exit code 1"
`;

describe("kind create failure message", () => {
  it("puts kubeadm's [ERROR] checks and the failing phase first and leaves the Go stack trace out", () => {
    const m = kindCreateFailure(OUTPUT);
    const lines = m.split("\n");
    expect(lines[0]).toBe("cause:");
    expect(m).toMatch(/^ {2}\[ERROR FileContent--proc-sys-net-ipv4-ip_forward\]: .* not set to 1$/m);
    expect(m).toMatch(/^ {2}error: error execution phase preflight/m);
    expect(m).toMatch(/^ {2}ERROR: failed to create cluster: failed to init node with kubeadm/m);
    expect(m).not.toMatch(/runner\.go|asm_amd64|\(\*Runner\)|runtime\.goexit|main\.main/);
    expect(m).toMatch(/level=fatal msg="exec failed with exit code 1"$/);
  });

  it("says so when no line names a cause, and still shows the last lines", () => {
    const m = kindCreateFailure("Creating cluster ...\nsomething odd happened\n");
    expect(m).toMatch(/^no cause line/);
    expect(m).toMatch(/something odd happened/);
  });
});
