// One cached-image helper for every image nodrop builds itself: built once,
// rebuilt when the binary it was packed from is newer.
import { mkdtempSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cachedArchive, imagesDir } from "../../harness/images/cache.ts";
import { ensureTool } from "../../harness/tool-install.ts";

describe("cachedArchive", () => {
  it("builds once, then reuses; rebuilds when the source binary is newer", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nodrop-images-"));
    const bin = join(dir, "tool");
    writeFileSync(bin, "v1");
    let builds = 0;
    const build = async (out: string) => {
      builds++;
      writeFileSync(out, `archive ${builds}`);
    };
    const a = await cachedArchive("x-1.tar", build, { imagesDir: dir, newerThan: bin });
    expect(a).toBe(join(dir, "x-1.tar"));
    await cachedArchive("x-1.tar", build, { imagesDir: dir, newerThan: bin });
    expect(builds).toBe(1);
    const later = new Date(Date.now() + 60_000);
    utimesSync(bin, later, later);
    await cachedArchive("x-1.tar", build, { imagesDir: dir, newerThan: bin });
    expect(builds).toBe(2);
  });
  it("keeps archives in the project's .nodrop/images unless a folder is given", () => {
    expect(imagesDir()).toMatch(/\.nodrop\/images$/);
    expect(imagesDir("/tmp/x")).toBe("/tmp/x");
  });
});

describe("ensureTool", () => {
  it("runs nothing when every path is there, and names the target when its build fails", async () => {
    await expect(ensureTool("no-such-target", [tmpdir()], "a tool that is there")).resolves.toBeUndefined();
    await expect(ensureTool("no-such-target", [join(tmpdir(), "nodrop-absent-tool")], "an absent tool", 60_000)).rejects.toThrow(/install\.sh no-such-target exited 1:[\s\S]*unknown target 'no-such-target'/);
  });
});
