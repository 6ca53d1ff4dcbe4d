// Runs SQL in the database pod (postgres.ts) with the psql its image carries,
// through the API server's exec (what `kubectl exec` does): no kubectl is
// needed on the host, and the database needs no port reachable from it.
import { Writable } from "node:stream";
import { Exec, KubeConfig, type V1Status } from "@kubernetes/client-node";
import { DB_CONTAINER, DB_DATABASE, DB_USER } from "./postgres.ts";

/** Where the API server is: a kubeconfig file, or an already loaded KubeConfig (harness/kube.ts Kube.kc keeps its context). */
export type ClusterAccess = { kubeconfig: string } | { kc: KubeConfig };

export type RunSqlOptions = ClusterAccess & {
  namespace: string;
  pod: string;
  sql: string;
  timeoutMs: number;
  /** Default: the database container of postgres.ts. */
  container?: string;
  /** psql inside the image, e.g. PostgresImage.paths.psql. */
  psql: string;
};

/**
 * psql's argv: no ~/.psqlrc, stop at the first error (exit 3), rows as bare
 * `|`-separated values (-At) without command tags (-q), so the output can be
 * parsed. Over TCP on loopback, as the app connects.
 */
export function psqlArgv(psql: string, sql: string): string[] {
  return [psql, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-U", DB_USER, "-d", DB_DATABASE, "-c", sql];
}

/** The exit status the API server reports for an exec: "Success", or a cause with the exit code. */
export function execExitCode(status: V1Status | undefined): number | undefined {
  if (!status) return undefined;
  if (status.status === "Success") return 0;
  const code = status.details?.causes?.find((c) => c.reason === "ExitCode")?.message;
  return code !== undefined && /^\d+$/.test(code) ? Number(code) : undefined;
}

/** Resolves with psql's stdout; throws with the SQL, psql's exit code and its stderr. */
export async function runSql(opts: RunSqlOptions): Promise<string> {
  let kc: KubeConfig;
  if ("kc" in opts) kc = opts.kc;
  else {
    kc = new KubeConfig();
    kc.loadFromFile(opts.kubeconfig);
  }
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const sink = (into: Buffer[]) =>
    new Writable({
      write(chunk: Buffer, _enc, done) {
        into.push(chunk);
        done();
      },
    });
  let status: V1Status | undefined;
  const where = `pod ${opts.namespace}/${opts.pod}`;
  const ws = await new Exec(kc).exec(
    opts.namespace,
    opts.pod,
    opts.container ?? DB_CONTAINER,
    psqlArgv(opts.psql, opts.sql),
    sink(out),
    sink(err),
    null,
    false,
    (s) => (status = s),
  );
  await new Promise<void>((resolve, reject) => {
    if (ws.readyState === ws.CLOSED) return resolve();
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`psql in ${where} did not finish within ${opts.timeoutMs} ms: ${opts.sql}`));
    }, opts.timeoutMs);
    ws.on("close", () => {
      clearTimeout(timer);
      resolve();
    });
    ws.on("error", (e: Error) => {
      clearTimeout(timer);
      reject(new Error(`exec of psql in ${where} failed: ${e.message}`));
    });
  });
  const stderr = Buffer.concat(err).toString("utf8").trim();
  const code = execExitCode(status);
  if (code !== 0) {
    const why = code === undefined ? (status?.message ?? "the exec ended without an exit status") : `exit ${code}`;
    throw new Error(`psql in ${where} failed (${why}): ${opts.sql}${stderr ? `\n    ${stderr.split("\n").join("\n    ")}` : ""}`);
  }
  return Buffer.concat(out).toString("utf8").replace(/\n+$/, "");
}
