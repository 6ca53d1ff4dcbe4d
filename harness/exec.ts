// The one command wrapper. Commands are argument arrays, never glued strings.
// A failure names the command (as a shell line you can paste), the exit code
// and the tail of its output.
import { execa, type Options } from "execa";

export class CommandError extends Error {
  constructor(
    readonly argv: string[],
    readonly exitCode: number | undefined,
    readonly output: string,
    cause?: unknown,
  ) {
    const tail = output.trim().split("\n").slice(-20).join("\n");
    super(`command failed (exit ${exitCode ?? "?"}): ${shellLine(argv)}${tail ? `\n${indent(tail)}` : ""}`, { cause });
    this.name = "CommandError";
  }
}

export function shellLine(argv: string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)).join(" ");
}

export function indent(text: string, by = "    "): string {
  return text
    .split("\n")
    .map((l) => by + l)
    .join("\n");
}

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** A process runner; unit tests inject a fake one. */
export type Runner = (argv: string[], opts?: { input?: string; inputFile?: string; env?: Record<string, string>; reject?: boolean; timeoutMs?: number; cwd?: string }) => Promise<RunResult>;

export const run: Runner = async (argv, opts = {}) => {
  const [file, ...args] = argv;
  if (!file) throw new Error("run: empty argv");
  const options: Options = {
    reject: false,
    all: true,
    ...(opts.inputFile !== undefined ? { stdin: { file: opts.inputFile } } : { stdin: opts.input === undefined ? "ignore" : "pipe" }),
    ...(opts.input !== undefined ? { input: opts.input } : {}),
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.timeoutMs ? { timeout: opts.timeoutMs } : {}),
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
  };
  const r = await execa(file, args, options);
  const result: RunResult = {
    stdout: String(r.stdout ?? ""),
    stderr: String(r.stderr ?? ""),
    exitCode: r.exitCode ?? (r.failed ? 1 : 0),
  };
  if (r.failed && opts.reject !== false) {
    throw new CommandError(argv, r.exitCode, String(r.all ?? "") || (r as { shortMessage?: string }).shortMessage || "", r);
  }
  return result;
};
