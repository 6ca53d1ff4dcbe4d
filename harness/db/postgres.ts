// The sample app's database (issue 12): one PostgreSQL pod in the run's
// namespace, labelled with the run id, behind a ClusterIP Service `db`.
// Objects only (pure functions); whoever runs the deploy applies them, waits
// for the pod to be ready, then creates the schema with sql.ts.
//
// The data lives in an emptyDir: the database exists for one run and is
// thrown away with the namespace. Nothing in it is secret (auth is trust):
// it only ever holds rows the load scenario wrote.
import type { V1ConfigMap, V1Container, V1Deployment, V1Service } from "@kubernetes/client-node";
import { POSTGRES_UID, type PostgresPaths, SOCKET_DIR } from "./postgres-image.ts";

// The schema the database starts with lives with the migrations that change it.
export { schemaSql } from "./migrations.ts";

export const DB_NAME = "db";
export const DB_PORT = 5432;
export const DB_USER = "postgres";
export const DB_DATABASE = "postgres";
export const DB_LABELS = { "app.kubernetes.io/name": "nodrop-db", "app.kubernetes.io/managed-by": "nodrop" } as const;
export const DB_CONTAINER = "postgres";
/** Inside the emptyDir mounted at /data: initdb wants to create the directory itself (it must be 0700 and the server's). */
export const PGDATA = "/data/pg";
const HBA_DIR = "/etc/nodrop-pg";

export interface DbParams {
  runId: string;
  namespace: string;
  /** The image reference (postgres-image.ts), imported into the nodes' containerd. */
  image: string;
  paths: PostgresPaths;
}

export function dbSelector(p: Pick<DbParams, "runId">): Record<string, string> {
  return { ...DB_LABELS, "nodrop.dev/run-id": p.runId };
}

const meta = (p: DbParams, name: string) => ({ name, namespace: p.namespace, labels: dbSelector(p) });

/**
 * The URL the app pods use (their DATABASE_URL). App pods run with
 * dnsPolicy Default (no cluster DNS): the Service is reached by its ClusterIP.
 */
export function databaseUrl(clusterIp: string): string {
  const host = clusterIp.includes(":") ? `[${clusterIp}]` : clusterIp;
  return `postgres://${DB_USER}@${host}:${DB_PORT}/${DB_DATABASE}`;
}

/**
 * initdb's pg_hba.conf trusts only local connections; the app pods come from
 * pod IPs. Every source is trusted (see the header: a throwaway database).
 */
export function hbaConf(): string {
  return ["local all all trust", "host all all 0.0.0.0/0 trust", "host all all ::/0 trust", ""].join("\n");
}

/**
 * The server's arguments. Each -c overrides postgresql.conf as initdb wrote it.
 */
export function postgresArgs(): string[] {
  const settings: [string, string][] = [
    // The app pods connect over the pod network; the default is localhost only.
    ["listen_addresses", "*"],
    // llvmjit.so (and libLLVM) are not in the image.
    ["jit", "off"],
    // Every app pod has a pool (DB_POOL_SIZE, default 10): a blue-green switch
    // runs two full sets of pods, a rolling update its surge on top.
    ["max_connections", "200"],
    // The data is thrown away after the run: no point in paying for
    // durability, and commit latency would depend on the node's disk.
    ["fsync", "off"],
    ["synchronous_commit", "off"],
    ["full_page_writes", "off"],
    // Counts against the container's memory limit once touched; the table
    // stays small (one row per request).
    ["shared_buffers", "64MB"],
    // The image holds only the UTC zone file.
    ["timezone", "UTC"],
    ["log_timezone", "UTC"],
    ["hba_file", `${HBA_DIR}/pg_hba.conf`],
    // A migration (ALTER TABLE) shows in the pod's log with its time.
    ["log_statement", "ddl"],
  ];
  return ["-D", PGDATA, ...settings.flatMap(([k, v]) => ["-c", `${k}=${v}`])];
}

/** initdb's arguments: one database cluster, user postgres, no password, byte-order collation. */
export function initdbArgs(): string[] {
  // --no-sync: nothing is fsynced anyway (fsync=off); --no-instructions: the
  // pg_ctl hint it prints is meaningless here.
  return ["-D", PGDATA, "-U", DB_USER, "--auth=trust", "--locale=C", "--encoding=UTF8", "--no-sync", "--no-instructions"];
}

const securityContext: V1Container["securityContext"] = {
  // postgres refuses to run as root; the image's /etc/passwd names this uid.
  runAsNonRoot: true,
  runAsUser: POSTGRES_UID,
  runAsGroup: POSTGRES_UID,
  allowPrivilegeEscalation: false,
  // Writable: /data (the cluster), the socket directory, /dev/shm (dynamic shared memory).
  readOnlyRootFilesystem: true,
  capabilities: { drop: ["ALL"] },
};

export function renderDb(p: DbParams): [V1ConfigMap, V1Deployment, V1Service] {
  const selector = dbSelector(p);
  const config: V1ConfigMap = { apiVersion: "v1", kind: "ConfigMap", metadata: meta(p, DB_NAME), data: { "pg_hba.conf": hbaConf() } };
  const mounts = [
    { name: "data", mountPath: "/data" },
    { name: "run", mountPath: SOCKET_DIR },
  ];
  const deployment: V1Deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: meta(p, DB_NAME),
    spec: {
      replicas: 1,
      // Never two servers at once: each pod has its own emptyDir, so a second one would be a second, empty database.
      strategy: { type: "Recreate" },
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: selector },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          // A fast shutdown on namespace deletion: the run is over.
          terminationGracePeriodSeconds: 5,
          // The image has no shell: every command is an argv. (initdb itself
          // popen()s the backend through /bin/sh, which the image carries for it.)
          // An init container runs again only when the pod's sandbox is
          // recreated; /data/pg then exists and initdb fails: the pod shows
          // Init:CrashLoopBackOff rather than a silently reused database.
          initContainers: [
            {
              name: "initdb",
              image: p.image,
              imagePullPolicy: "Never",
              command: [p.paths.initdb, ...initdbArgs()],
              env: [{ name: "TZ", value: "UTC" }],
              resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "512Mi" } },
              securityContext,
              volumeMounts: mounts,
            },
          ],
          containers: [
            {
              name: DB_CONTAINER,
              image: p.image,
              imagePullPolicy: "Never",
              command: [p.paths.postgres, ...postgresArgs()],
              ports: [{ name: "postgres", containerPort: DB_PORT, protocol: "TCP" }],
              // Ready when the server accepts a connection over TCP (what the app
              // does), not merely when the port is open: pg_isready also sees
              // "the database system is starting up".
              readinessProbe: {
                exec: { command: [p.paths.pgIsready, "-q", "-h", "127.0.0.1", "-p", String(DB_PORT), "-U", DB_USER, "-d", DB_DATABASE, "-t", "2"] },
                periodSeconds: 1,
                timeoutSeconds: 3,
                failureThreshold: 3,
                successThreshold: 1,
              },
              // Requests for scheduling; a memory limit so a runaway query cannot
              // take the node; no CPU limit (throttling would show as app latency).
              resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { memory: "1Gi" } },
              securityContext,
              volumeMounts: [...mounts, { name: "hba", mountPath: HBA_DIR, readOnly: true }],
            },
          ],
          volumes: [
            { name: "data", emptyDir: {} },
            { name: "run", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
            { name: "hba", configMap: { name: DB_NAME } },
          ],
        },
      },
    },
  };
  const service: V1Service = {
    apiVersion: "v1",
    kind: "Service",
    metadata: meta(p, DB_NAME),
    spec: { type: "ClusterIP", selector, ports: [{ name: "postgres", protocol: "TCP", port: DB_PORT, targetPort: DB_PORT }] },
  };
  return [config, deployment, service];
}
