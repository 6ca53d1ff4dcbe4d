// How k6 is started: the `k6 run` command line (outputs, REST address, source
// addresses, the scenario's -e values), its clean environment, and the
// default spawn function.
import { spawn as nodeSpawn } from "node:child_process";
import { resolve } from "node:path";
import type { K6Files, ProcessRunner, StartK6Options } from "./k6-types.ts";
import { LOAD_SOURCE_RANGE } from "./sources.ts";

/** The arguments of `k6 run` (after the program name): samples, summary and REST API on `port` (of 127.0.0.1 or opts.netns.restHost), the scenario's -e values, the script. */
export function k6RunArgs(opts: StartK6Options, files: K6Files, port: number): string[] {
  return [
    "run",
    "--no-usage-report",
    // One loopback source address per VU (see sources.ts for why).
    "--local-ips",
    LOAD_SOURCE_RANGE,
    "--address",
    `${restHostOf(opts)}:${port}`,
    "--log-format",
    "raw",
    "--console-output",
    files.samples,
    "--summary-export",
    files.summary,
    // No progress bar in k6.log; the end-of-test summary is still printed.
    "--quiet",
    "--no-color",
    "--include-system-env-vars=false",
    ...Object.entries(opts.env).flatMap(([k, v]) => ["-e", `${k}=${v}`]),
    resolve(opts.script),
  ];
}

/** The address k6's REST API listens on. */
export const restHostOf = (opts: Pick<StartK6Options, "netns">): string => opts.netns?.restHost ?? "127.0.0.1";

/** k6's command line before the parent-death wrapper: entering opts.netns first when set. */
export function k6CommandLine(opts: Pick<StartK6Options, "netns">, k6: string, args: string[]): [string, string[]] {
  const enter = opts.netns?.enter ?? [];
  return enter.length ? [enter[0]!, [...enter.slice(1), k6, ...args]] : [k6, args];
}

export function minimalEnv(): Record<string, string> {
  // k6 gets a clean environment: no inherited K6_* settings (outputs, cloud
  // tokens), no proxies. __ENV comes only from the -e flags
  // (--include-system-env-vars=false).
  const env: Record<string, string> = { K6_NO_USAGE_REPORT: "true" };
  for (const k of ["PATH", "HOME", "TMPDIR", "TZ", "LANG"]) {
    const v = process.env[k];
    if (v) env[k] = v;
  }
  return env;
}

export const defaultSpawn: ProcessRunner = (file, args, opts) => nodeSpawn(file, args, opts);
