// nodrop's command line: arguments → typed config → pipeline; outcome → exit code.
//   0 pass · 1 fail · 2 invalid input · 3 inconclusive or infrastructure failure · 4 rolled back
import { parseArgs } from "node:util";
import { resolve } from "node:path";
import { ConfigError, parseSets, resolveConfig } from "./config.ts";
import { PROVIDERS } from "./config-schema.ts";
import { providerFor } from "./cluster/index.ts";
import { MULTI_NODE_PROVIDERS, type ProviderName } from "./cluster/provider.ts";
import { settleBackground } from "./background.ts";
import { log } from "./log.ts";

export const EXIT = { pass: 0, fail: 1, invalid: 2, inconclusive: 3, rolledBack: 4 } as const;

const USAGE = `usage:
  nodrop cluster up|down|status|kubeconfig [--provider local|kind|existing] [--nodes N (kind)] [--kubeconfig F] [--context C]
  nodrop run  [--config FILE] [--app DIR] [--set key=value ...] [--provider P] [--out DIR]
  nodrop demo [--config FILE] [--set key=value ...] [--provider P]   the preStop comparison (variant A vs B)
  nodrop experiment FILE [--resume] [--set key=value ...] [--provider P]   every variant × repeat, interleaved; reports/experiments/<name>/
  nodrop nightly SUITE [--history DIR] [--set key=value ...] [--provider P]   every scenario against its baseline (default history: reports/history)
  (--provider P, --kubeconfig F, --context C are --set provider=P, kubeconfig=F, context=C; they win over the files)
  (--out DIR: run, demo, experiment and nightly write their reports there instead of ./reports)
  nodrop cleanup [--run-id ID] [--provider P]   delete what runs left behind (by label)
  nodrop image pack BINARY --name REF --out FILE [--port N]   a static binary as an image archive (no Docker)
  nodrop --version | --help | <command> --help   (a command's options and, for run, demo, experiment, nightly, every config key)

exit codes: 0 pass, 1 fail (dropped requests), 2 invalid input,
            3 inconclusive or infrastructure failure, 4 rolled back;
            experiment: 0 once every run finished (it compares, it does not judge)
            experiment: 3 when a run kept breaking (no result for it)
            nightly: 0 every scenario ok or new, 1 one failed or regressed, 3 inconclusive`;

/** The options each command reads; any other is refused (exit 2), never silently dropped. */
const TARGET = ["provider", "kubeconfig", "context"];
const COMMAND_OPTIONS: Record<string, string[]> = {
  cluster: [...TARGET, "nodes"],
  cleanup: [...TARGET, "run-id"],
  image: ["name", "out", "port"],
  run: [...TARGET, "config", "set", "app", "out"],
  demo: [...TARGET, "config", "set", "out"],
  experiment: [...TARGET, "set", "resume", "out"],
  nightly: [...TARGET, "set", "history", "out"],
};

/** Refuses an option `cmd` does not read, naming it and the ones it does. */
function checkOptions(cmd: string, given: Record<string, unknown>): void {
  const allowed = COMMAND_OPTIONS[cmd];
  if (!allowed) return;
  const extra = Object.keys(given).filter((k) => given[k] !== undefined && k !== "help" && k !== "version" && !allowed.includes(k));
  if (extra.length) throw new ConfigError(`${cmd}: ${extra.map((k) => `--${k}`).join(", ")} ${extra.length === 1 ? "is not an option" : "are not options"} of this command (allowed: ${allowed.map((k) => `--${k}`).join(", ")})`);
}

/** --provider/--kubeconfig/--context as the --set they stand for, after the command's own --set (so they win). */
function targetSets(values: { provider?: string | undefined; kubeconfig?: string | undefined; context?: string | undefined; set?: string[] | undefined }): string[] {
  return [...(values.set ?? []), ...TARGET.flatMap((k) => (values[k as "provider"] === undefined ? [] : [`${k}=${values[k as "provider"]}`]))];
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      provider: { type: "string" },
      kubeconfig: { type: "string" },
      context: { type: "string" },
      config: { type: "string", short: "c" },
      set: { type: "string", multiple: true, short: "s" },
      "run-id": { type: "string" },
      resume: { type: "boolean" },
      history: { type: "string" },
      app: { type: "string" },
      name: { type: "string" },
      out: { type: "string" },
      port: { type: "string" },
      nodes: { type: "string" },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "V" },
    },
  });
  if (values.version) {
    const { nodropVersion } = await import("./run-versions.ts");
    const { pinnedVersions } = await import("./tools.ts");
    process.stdout.write(`nodrop ${nodropVersion()}\npinned tools: ${pinnedVersions()}\n`);
    return 0;
  }
  const [cmd, sub] = positionals;
  if (values.help && cmd) {
    const { commandHelp } = await import("./cli-help.ts");
    const help = commandHelp(cmd, COMMAND_OPTIONS[cmd] ?? []);
    if (help) {
      process.stdout.write(`${help}\n`);
      return 0;
    }
  }
  if (values.help || !cmd) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : EXIT.invalid;
  }
  checkOptions(cmd, values);
  // --out DIR: where run, demo, experiment and nightly write their reports (paths.ts).
  if (cmd !== "image" && values.out !== undefined) process.env["NODROP_REPORTS_DIR"] = resolve(values.out);

  if (cmd === "cluster") {
    const provider = (values.provider ?? "local") as ProviderName;
    if (!PROVIDERS.includes(provider)) throw new ConfigError(`provider: '${provider}' is not a provider (allowed: ${PROVIDERS.join(", ")})`);
    const nodes = values.nodes === undefined ? undefined : Number(values.nodes);
    if (nodes !== undefined && (!Number.isInteger(nodes) || nodes < 1 || nodes > 5)) throw new ConfigError(`--nodes: '${values.nodes}' is not allowed (allowed: 1..5)`);
    if (nodes !== undefined && nodes > 1 && !MULTI_NODE_PROVIDERS.includes(provider)) throw new ConfigError(`--nodes: only provider ${MULTI_NODE_PROVIDERS.join(", ")} makes clusters of several nodes (allowed with --provider ${MULTI_NODE_PROVIDERS.join(" or ")})`);
    const p = providerFor(provider, { kubeconfig: values.kubeconfig, context: values.context, nodes });
    switch (sub) {
      case "up":
        await p.provision();
        log.ok(`cluster up (${provider}); kubeconfig: ${p.kubeconfigPath()}`);
        return 0;
      case "down":
        await p.destroy();
        log.ok(`cluster down (${provider})`);
        return 0;
      case "status": {
        const s = await p.status();
        process.stdout.write(`${provider}: ${s.up ? "up" : "down"}\n${s.detail.map((d) => `  ${d}`).join("\n")}\n`);
        return s.up ? 0 : EXIT.inconclusive;
      }
      case "kubeconfig":
        process.stdout.write(`${p.kubeconfigPath()}\n`);
        return 0;
      default:
        throw new ConfigError(`cluster: unknown action '${sub ?? ""}' (allowed: up, down, status, kubeconfig)`);
    }
  }

  if (cmd === "cleanup") {
    const provider = (values.provider ?? "local") as ProviderName;
    if (!PROVIDERS.includes(provider)) throw new ConfigError(`provider: '${provider}' is not a provider (allowed: ${PROVIDERS.join(", ")})`);
    const p = providerFor(provider, { kubeconfig: values.kubeconfig, context: values.context });
    if (!(await p.status()).up) {
      log.ok(`no ${provider} cluster is up: nothing to clean up`);
      return 0;
    }
    const { Kube, LABEL_RUN } = await import("./kube.ts");
    const selector = `app.kubernetes.io/managed-by=nodrop${values["run-id"] ? `,${LABEL_RUN}=${values["run-id"]}` : ""}`;
    const kube = new Kube(p.kubeconfigPath(), p.context());
    const gone = await kube.deleteNamespacesByLabel(selector);
    const { reapIngressClusterObjects } = await import("./ingress/reap.ts");
    gone.push(...(await reapIngressClusterObjects(kube, values["run-id"] ? { runId: values["run-id"] } : {})));
    log.ok(gone.length ? `deleted ${gone.join(", ")}` : `nothing labelled ${selector}`);
    return 0;
  }

  if (cmd === "image") {
    if (sub !== "pack") throw new ConfigError(`image: unknown action '${sub ?? ""}' (allowed: pack)`);
    const binary = positionals[2];
    if (!binary || !values.name || !values.out) throw new ConfigError("image pack: usage: nodrop image pack BINARY --name REF --out FILE [--port N]");
    const { packBinary } = await import("./images/pack.ts");
    const img = await packBinary({ binary, name: values.name, out: values.out, ...(values.port ? { port: Number(values.port) } : {}) });
    log.ok(`${img.name} → ${img.archive} (${img.manifestDigest})`);
    return 0;
  }

  if (cmd === "run") {
    const sets = [...targetSets(values), ...(values.app ? [`app=${values.app}`] : [])];
    const config = await resolveConfig({ ...(values.config ? { file: values.config } : {}), sets });
    const { runPipeline } = await import("./run.ts");
    const result = await runPipeline(config);
    return result.exitCode;
  }

  if (cmd === "demo") {
    const { runDemo } = await import("./demo.ts");
    return runDemo({ sets: targetSets(values), ...(values.config ? { file: values.config } : {}) });
  }

  if (cmd === "experiment") {
    if (!sub) throw new ConfigError("experiment: the experiment file is missing (nodrop experiment FILE [--resume])");
    const { experimentCommand } = await import("./experiment/command.ts");
    return experimentCommand(sub, { resume: values.resume ?? false, overrides: parseSets(targetSets(values)) });
  }

  if (cmd === "nightly") {
    if (!sub) throw new ConfigError("nightly: the suite file is missing (nodrop nightly SUITE [--history DIR])");
    const { nightlyCommand } = await import("./nightly/command.ts");
    return nightlyCommand(sub, { ...(values.history ? { history: values.history } : {}), overrides: parseSets(targetSets(values)) });
  }

  throw new ConfigError(`unknown command '${cmd}' (allowed: cluster, run, demo, experiment, nightly, cleanup, image)\n${USAGE}`);
}

// A run's namespace is deleted in the background (background.ts): the command ends after it.
main(process.argv.slice(2)).finally(settleBackground).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof ConfigError || (e as { code?: string }).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" || (e as { code?: string }).code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
      log.error((e as Error).message);
      process.exit(EXIT.invalid);
    }
    // Infrastructure failure: the message names what failed (and carries the
    // log tail); the stack only with NODROP_DEBUG=1.
    log.error(process.env["NODROP_DEBUG"] ? ((e as Error).stack ?? String(e)) : `${(e as Error).name}: ${(e as Error).message}`);
    process.exit(EXIT.inconclusive);
  },
);
