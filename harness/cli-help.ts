// `nodrop <command> --help`: the command's usage, each option it reads with
// what it does, and for the commands that take --set, every config key with
// its default and allowed values (generated from the schema: config-reference.ts).
import { keyHelp } from "./config-reference.ts";

const OPTION_TEXT: Record<string, string> = {
  provider: "--provider P      local | kind | existing (same as --set provider=P; wins over files)",
  kubeconfig: "--kubeconfig F    provider existing: the kubeconfig file",
  context: "--context C       provider existing: the kubeconfig context",
  nodes: "--nodes N         kind: 1 control plane + N-1 workers (1..5)",
  "run-id": "--run-id ID       only what run ID left behind",
  config: "--config FILE     a YAML/JSON file of config keys (see below)",
  set: "--set key=value   one config key (repeatable; wins over --config)",
  app: "--app DIR         your own service: a folder with nodrop-app.yaml or manifests + image archive",
  resume: "--resume          go on with an interrupted experiment; finished runs are not repeated",
  history: "--history DIR     the nightly history folder (default reports/history)",
  name: "--name REF        the image name to give the archive",
  out: "--out FILE        the image archive to write",
  "reports-out": "--out DIR         the reports folder (default ./reports beside .nodrop; NODROP_REPORTS_DIR)",
  port: "--port N          the port the binary listens on (documented in the image)",
};

const COMMAND_USAGE: Record<string, string> = {
  cluster: "nodrop cluster up|down|status|kubeconfig [options]   a cluster of nodrop's own",
  cleanup: "nodrop cleanup [options]   delete what runs left behind (by label)",
  image: "nodrop image pack BINARY --name REF --out FILE [--port N]   a static binary as an image archive (no Docker)",
  run: "nodrop run [options]   one run: deploy under load, judged from every request",
  demo: "nodrop demo [options]   the preStop comparison (variant A vs B)",
  experiment: "nodrop experiment FILE [options]   every variant × repeat, interleaved; reports/experiments/<name>/",
  nightly: "nodrop nightly SUITE [options]   every scenario against its baseline",
};

/** The help of one command (its options from `options`), or null for an unknown command. */
export function commandHelp(cmd: string, options: readonly string[]): string | null {
  const usage = COMMAND_USAGE[cmd];
  if (!usage) return null;
  const lines = [`usage: ${usage}`, "", "options:", ...options.map((o) => `  ${OPTION_TEXT[cmd !== "image" && o === "out" ? "reports-out" : o] ?? `--${o}`}`)];
  if (options.includes("set")) lines.push("", "config keys (--set key=value, or in --config FILE): default (allowed)", keyHelp(100));
  return lines.join("\n");
}
