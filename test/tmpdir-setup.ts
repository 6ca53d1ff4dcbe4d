// Every test file gets its own temporary directory as TMPDIR (os.tmpdir()
// reads it on each call, and processes the tests start inherit it), removed
// when the file's tests are done: tests leave nothing behind in /tmp.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

const outer = process.env["TMPDIR"];
const dir = mkdtempSync(join(tmpdir(), "nodrop-test-"));
process.env["TMPDIR"] = dir;

afterAll(() => {
  if (outer === undefined) delete process.env["TMPDIR"];
  else process.env["TMPDIR"] = outer;
  rmSync(dir, { recursive: true, force: true });
});
