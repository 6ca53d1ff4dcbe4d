// k6 inside a node's network namespace (kind behind docker-proxy): when the
// engine relays its ports, the placement, the command line that enters the
// namespace, and a REST API reached on the placement's address.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kindLoadPlacement, loadGoesInNode } from "../../harness/cluster/kind/load-placement.ts";
import type { KindEngine } from "../../harness/cluster/kind/engine.ts";
import { k6CommandLine, k6RunArgs } from "../../harness/load/k6-command.ts";
import { startK6 } from "../../harness/load/k6.ts";

const engine = (proxiedPorts: boolean): KindEngine => ({ name: proxiedPorts ? "dockerd" : "nerdctl", proxiedPorts, pid: async () => 4242 }) as unknown as KindEngine;
const files = { samples: "/r/samples.ndjson", summary: "/r/k6-summary.json", log: "/r/k6.log" };

describe("where k6 runs on kind", () => {
  it("stays on this machine when the engine NATs its ports (nerdctl)", async () => {
    expect(await kindLoadPlacement(engine(false), "nodrop-control-plane", async () => "10.1.0.2", true)).toBeUndefined();
    expect(loadGoesInNode(engine(false), true)).toBe(false);
  });

  it("goes into the control plane's network namespace behind docker-proxy, REST API on the node's address", async () => {
    const p = await kindLoadPlacement(engine(true), "nodrop-control-plane", async () => "10.1.0.2", true);
    expect(p).toMatchObject({ enter: ["nsenter", "-t", "4242", "-n", "--"], restHost: "10.1.0.2" });
    expect(p!.note).toContain("docker-proxy");
    expect(loadGoesInNode(engine(true), true)).toBe(true);
  });

  it("stays behind docker-proxy without root (nsenter needs it), and says so", async () => {
    expect(await kindLoadPlacement(engine(true), "nodrop-control-plane", async () => "10.1.0.2", false)).toBeUndefined();
    expect(loadGoesInNode(engine(true), false)).toBe(false);
  });

  it("refuses a node with no address rather than loading from the wrong place", async () => {
    await expect(kindLoadPlacement(engine(true), "nodrop-control-plane", async () => undefined, true)).rejects.toThrow(/nodrop-control-plane has no InternalIP/);
  });
});

describe("k6's command line in a network namespace", () => {
  const netns = { enter: ["nsenter", "-t", "4242", "-n", "--"], restHost: "10.1.0.2" };
  const opts = { script: "/r/scenario.js", runDir: "/r", env: { TARGET: "http://127.0.0.1:30080/" }, k6Path: "/k6" };

  it("puts the namespace's entry before k6 and the REST API on the node's address", () => {
    const args = k6RunArgs({ ...opts, netns }, files, 6565);
    expect(args[args.indexOf("--address") + 1]).toBe("10.1.0.2:6565");
    expect(k6CommandLine({ netns }, "/k6", ["run"])).toEqual(["nsenter", ["-t", "4242", "-n", "--", "/k6", "run"]]);
  });

  it("runs k6 itself, REST API on 127.0.0.1, without one", () => {
    const args = k6RunArgs(opts, files, 6565);
    expect(args[args.indexOf("--address") + 1]).toBe("127.0.0.1:6565");
    expect(k6CommandLine({}, "/k6", ["run"])).toEqual(["/k6", ["run"]]);
  });
});

describe("startK6 with a placement (fake k6, REST API on another address)", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "nodrop-netns-"));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("spawns setpriv → nsenter → k6, and asks the REST API on the placement's address", async () => {
    // 127.0.0.3 stands for the node's address: a REST API there, none on 127.0.0.1.
    const asked: string[] = [];
    const srv = createServer((req, res) => {
      asked.push(`${req.method} ${req.socket.localAddress}`);
      res.setHeader("Content-Type", "application/json");
      const stopped = req.method === "PATCH";
      res.end(JSON.stringify({ data: { type: "status", id: "default", attributes: { status: 7, running: !stopped, stopped } } }));
    });
    await new Promise<void>((r) => srv.listen(0, "127.0.0.3", r));
    const addr = srv.address();
    const restPort = typeof addr === "object" && addr ? addr.port : 0;
    let argv: readonly string[] = [];
    try {
      const run = await startK6({
        script: "unused.js",
        runDir: join(dir, "run"),
        env: {},
        restPort,
        k6Path: process.execPath,
        netns: { enter: ["nsenter", "-t", "4242", "-n", "--"], restHost: "127.0.0.3" },
        spawn: (_file, args, o) => {
          argv = args;
          // A fake k6 that exits when asked to stop (SIGINT) or after 20 s.
          return spawn(process.execPath, ["-e", "process.on('SIGINT', () => process.exit(105)); setTimeout(() => process.exit(3), 20000);"], o);
        },
      });
      expect(run.restHost).toBe("127.0.0.3");
      const k6At = argv.indexOf(process.execPath);
      expect(argv.slice(0, k6At + 2)).toEqual(["--pdeathsig", "INT", "--", "nsenter", "-t", "4242", "-n", "--", process.execPath, "run"]);
      expect(argv[argv.indexOf("--address") + 1]).toBe(`127.0.0.3:${restPort}`);
      await run.stop({ timeoutMs: 500 });
      expect(asked.some((a) => a.startsWith("GET"))).toBe(true);
      expect(asked.some((a) => a.startsWith("PATCH"))).toBe(true);
      expect(asked.every((a) => a.endsWith("127.0.0.3"))).toBe(true);
    } finally {
      srv.closeAllConnections();
      await new Promise<void>((r) => srv.close(() => r()));
    }
  }, 15_000);
});
