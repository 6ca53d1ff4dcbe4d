// The local provider on the cgroup layouts users' machines have: v1 here, v2
// on Ubuntu 22.04+ and GitHub's runners (it refuses at preflight, naming kind).
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cgroupLayout, cgroupProblem } from "../../harness/cluster/local-host.ts";

describe("cgroup layout", () => {
  it("a folder per controller is v1 (with or without unified/ beside them): the local provider runs", () => {
    const root = mkdtempSync(join(tmpdir(), "nodrop-cgv1-"));
    for (const c of ["cpu,cpuacct", "memory", "pids", "unified"]) mkdirSync(join(root, c));
    expect(cgroupLayout(root)).toBe("v1");
    expect(cgroupProblem("v1")).toBeUndefined();
  });

  it("the unified hierarchy is v2: the local provider refuses at preflight and names the kind provider", () => {
    const root = mkdtempSync(join(tmpdir(), "nodrop-cgv2-"));
    writeFileSync(join(root, "cgroup.controllers"), "cpuset cpu io memory hugetlb pids rdma misc\n");
    mkdirSync(join(root, "system.slice"));
    expect(cgroupLayout(root)).toBe("v2");
    expect(cgroupProblem("v2")).toMatch(/cgroup v2 .* Use --provider kind/);
  });
});
