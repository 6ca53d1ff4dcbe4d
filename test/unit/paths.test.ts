// Where nodrop writes: under the clone when run from one; under the folder it
// is run from when installed as a package; the environment overrides each.
import { describe, expect, it } from "vitest";
import { isInstalledPackage, PROJECT_ROOT, reportsDir, stateDir, workDir } from "../../harness/paths.ts";

describe("paths", () => {
  it("a clone keeps state and reports under itself, wherever it is run from", () => {
    expect(isInstalledPackage("/home/u/src/nodrop")).toBe(false);
    expect(workDir("/home/u/src/nodrop", "/tmp/elsewhere")).toBe("/home/u/src/nodrop");
    expect(workDir()).toBe(PROJECT_ROOT);
  });
  it("an installed package writes under the folder it is run from, never into node_modules", () => {
    const installed = "/usr/local/lib/node_modules/nodrop";
    expect(isInstalledPackage(installed)).toBe(true);
    expect(workDir(installed, "/home/u/my-service")).toBe("/home/u/my-service");
  });
  it("NODROP_STATE_DIR and NODROP_REPORTS_DIR (--out) win, resolved to absolute paths", () => {
    expect(stateDir({ NODROP_STATE_DIR: "/var/tmp/st" })).toBe("/var/tmp/st");
    expect(reportsDir({ NODROP_REPORTS_DIR: "/var/tmp/out" })).toBe("/var/tmp/out");
    expect(reportsDir({})).toBe(`${PROJECT_ROOT}/reports`);
    expect(stateDir({})).toBe(`${PROJECT_ROOT}/.nodrop`);
  });
});
