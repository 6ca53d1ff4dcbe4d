// The e2e tests' failure explanation: failed samples beside the nearest cluster events.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { failedBesideEvents } from "../e2e/failed-samples.ts";

const nd = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join("\n") + "\n";

describe("failedBesideEvents", () => {
  it("prints each burst's first failures with the events from 3 s before to 1 s after, and nothing for a clean run", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nodrop-fse-"));
    writeFileSync(
      join(dir, "samples.ndjson"),
      nd([
        { t: 1000, s: 200, c: "new", d: 3 },
        { t: 5000, s: 0, e: 1050, c: "new", d: 5000 },
        { t: 5001, s: 502, c: "reuse", d: 2, p: "app-1-abcde", v: "v1" },
        { t: 9000, s: 0, e: 1000, c: "new", d: 1 }, // cancelled at k6's stop: not a failure
      ]) + "{torn",
    );
    writeFileSync(
      join(dir, "events.ndjson"),
      nd([
        { t: 1500, kind: "pod", type: "MODIFIED", pod: "app-1-zzzzz", ready: true, terminating: true, phase: "Running" },
        { t: 4500, kind: "endpoints", type: "MODIFIED", slice: "app-x", endpoints: [{ pod: "app-1-abcde", ready: false, terminating: true }, { pod: "app-2-fghij", ready: true }] },
        { t: 5200, kind: "kube-proxy-sync", node: 0 },
        { t: 7000, kind: "pod", type: "DELETED", pod: "app-1-abcde", ready: false, terminating: true },
      ]),
    );
    const text = await failedBesideEvents(dir);
    expect(text.split("\n")).toEqual([
      "failed samples beside the nearest pod/EndpointSlice/kube-proxy events (2 of 2 failed; times since the first request):",
      "  +4.000 s status 0 error 1050, new connection, 5000 ms",
      "      -0.500 s  EndpointSlice app-x MODIFIED: ready […fghij] not ready […abcde(terminating)]",
      "      +0.200 s  kube-proxy (node 0) synced its rules",
      "  +4.001 s status 502, reuse connection, 2 ms, pod app-1-abcde (v1)",
      "      -0.501 s  EndpointSlice app-x MODIFIED: ready […fghij] not ready […abcde(terminating)]",
      "      +0.199 s  kube-proxy (node 0) synced its rules",
    ]);
    writeFileSync(join(dir, "samples.ndjson"), nd([{ t: 1, s: 200 }]));
    expect(await failedBesideEvents(dir)).toBe("");
  });
});
