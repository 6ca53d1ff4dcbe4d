// The database pieces of issue 12 that need no cluster: the PostgreSQL
// objects, the migrations as data, psql's argv and the exec status.
import { describe, expect, it } from "vitest";
import { MIGRATIONS, migration, schemaSql } from "../../harness/db/migrations.ts";
import { postgresPaths } from "../../harness/db/postgres-image.ts";
import { databaseUrl, DB_NAME, DB_PORT, dbSelector, hbaConf, initdbArgs, postgresArgs, renderDb } from "../../harness/db/postgres.ts";
import { execExitCode, psqlArgv } from "../../harness/db/sql.ts";

const paths = postgresPaths("15.20");
const params = { runId: "run-1", namespace: "nodrop-run-1", image: "nodrop.local/postgres:15.20-abc", paths };

describe("postgres image paths", () => {
  it("are Debian's, by major version (compiled into Debian's binaries)", () => {
    expect(paths).toEqual({
      major: "15",
      bin: "/usr/lib/postgresql/15/bin",
      postgres: "/usr/lib/postgresql/15/bin/postgres",
      initdb: "/usr/lib/postgresql/15/bin/initdb",
      psql: "/usr/lib/postgresql/15/bin/psql",
      pgIsready: "/usr/lib/postgresql/15/bin/pg_isready",
      share: "/usr/share/postgresql/15",
      lib: "/usr/lib/postgresql/15/lib",
    });
    expect(() => postgresPaths("x.1")).toThrow(/major version/);
  });
});

describe("postgres objects", () => {
  const [config, deployment, service] = renderDb(params);
  const pod = deployment.spec!.template.spec!;
  const init = pod.initContainers![0]!;
  const main = pod.containers[0]!;

  it("are one ConfigMap, Deployment and Service named db in the run's namespace, labelled with the run id", () => {
    for (const o of [config, deployment, service]) {
      expect(o.metadata).toMatchObject({ name: DB_NAME, namespace: "nodrop-run-1", labels: { "nodrop.dev/run-id": "run-1", "app.kubernetes.io/managed-by": "nodrop" } });
    }
    expect(deployment.spec!.replicas).toBe(1);
    expect(deployment.spec!.strategy).toEqual({ type: "Recreate" });
    expect(deployment.spec!.selector.matchLabels).toEqual(dbSelector(params));
    expect(deployment.spec!.template.metadata!.labels).toEqual(dbSelector(params));
    // Not the app's selector: its workload label is absent.
    expect(Object.keys(dbSelector(params)).sort()).toEqual(["app.kubernetes.io/managed-by", "app.kubernetes.io/name", "nodrop.dev/run-id"]);
  });

  it("initialises the cluster in an init container and runs the server, each an argv (no shell), imported images only, as uid 10001", () => {
    expect(init.command).toEqual([paths.initdb, "-D", "/data/pg", "-U", "postgres", "--auth=trust", "--locale=C", "--encoding=UTF8", "--no-sync", "--no-instructions"]);
    expect(main.command).toEqual([paths.postgres, ...postgresArgs()]);
    expect(init.args).toBeUndefined();
    expect(main.args).toBeUndefined();
    for (const c of [init, main]) {
      expect(c.image).toBe(params.image);
      expect(c.imagePullPolicy).toBe("Never");
      expect(c.securityContext).toMatchObject({ runAsUser: 10001, runAsGroup: 10001, runAsNonRoot: true, readOnlyRootFilesystem: true });
      expect(c.volumeMounts).toEqual(expect.arrayContaining([{ name: "data", mountPath: "/data" }, { name: "run", mountPath: "/var/run/postgresql" }]));
      expect(c.resources!.limits!["memory"]).toBeDefined();
    }
    expect(pod.volumes!.find((v) => v.name === "data")).toEqual({ name: "data", emptyDir: {} });
  });

  it("runs the server with the settings the runs rely on", () => {
    const args = postgresArgs();
    expect(args.slice(0, 2)).toEqual(["-D", "/data/pg"]);
    const settings = Object.fromEntries(args.filter((_, i) => args[i - 1] === "-c").map((kv) => kv.split("=", 2) as [string, string]));
    expect(settings).toMatchObject({ listen_addresses: "*", jit: "off", max_connections: "200", fsync: "off", timezone: "UTC", hba_file: "/etc/nodrop-pg/pg_hba.conf" });
    expect(initdbArgs()).toContain("--auth=trust");
  });

  it("trusts connections from any pod (initdb's pg_hba.conf allows only loopback), from the ConfigMap mounted where hba_file points", () => {
    expect(config.data!["pg_hba.conf"]).toBe(hbaConf());
    expect(hbaConf()).toMatch(/^host all all 0\.0\.0\.0\/0 trust$/m);
    expect(hbaConf()).toMatch(/^host all all ::\/0 trust$/m);
    expect(main.volumeMounts).toContainEqual({ name: "hba", mountPath: "/etc/nodrop-pg", readOnly: true });
    expect(pod.volumes).toContainEqual({ name: "hba", configMap: { name: DB_NAME } });
  });

  it("is ready when pg_isready connects over TCP", () => {
    expect(main.readinessProbe!.exec!.command).toEqual([paths.pgIsready, "-q", "-h", "127.0.0.1", "-p", "5432", "-U", "postgres", "-d", "postgres", "-t", "2"]);
    expect(main.readinessProbe!.timeoutSeconds).toBeGreaterThan(2);
  });

  it("is reached through a ClusterIP Service db:5432 (by its IP: app pods have no cluster DNS)", () => {
    expect(service.spec).toEqual({
      type: "ClusterIP",
      selector: dbSelector(params),
      ports: [{ name: "postgres", protocol: "TCP", port: DB_PORT, targetPort: DB_PORT }],
    });
    expect(databaseUrl("10.96.0.12")).toBe("postgres://postgres@10.96.0.12:5432/postgres");
    expect(databaseUrl("fd00::c")).toBe("postgres://postgres@[fd00::c]:5432/postgres");
  });
});

describe("schema and migrations", () => {
  it("start with items(id, title) where title defaults to '' (a v2 INSERT of label alone must pass once both exist)", () => {
    expect(schemaSql()).toBe("CREATE TABLE items (id bigserial PRIMARY KEY, title text NOT NULL DEFAULT '')");
  });

  it("are the one-step rename, expand and contract, with what each leaves usable and breaks", () => {
    expect(MIGRATIONS.map((m) => [m.name, m.sql, m.columnsAfter])).toEqual([
      ["rename-in-one-step", "ALTER TABLE items RENAME COLUMN title TO label", ["label"]],
      ["expand", "ALTER TABLE items ADD COLUMN label text", ["title", "label"]],
      ["contract", "ALTER TABLE items DROP COLUMN title", ["label"]],
    ]);
    expect(migration("rename-in-one-step").breaks).toMatch(/column "title" of relation "items" does not exist/);
    expect(migration("expand").breaks).toMatch(/^nothing/);
    expect(() => migration("drop-everything" as never)).toThrow(/unknown migration 'drop-everything' \(known: rename-in-one-step, expand, contract\)/);
  });
});

describe("psql in the pod", () => {
  it("is an argv: no psqlrc, stop on error, bare rows, over loopback TCP", () => {
    expect(psqlArgv(paths.psql, "SELECT 1")).toEqual([
      paths.psql, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c", "SELECT 1",
    ]);
  });

  it("reads the exit code from the exec status the API server sends", () => {
    expect(execExitCode({ status: "Success" })).toBe(0);
    expect(execExitCode({ status: "Failure", reason: "NonZeroExitCode", details: { causes: [{ reason: "ExitCode", message: "3" }] } })).toBe(3);
    expect(execExitCode({ status: "Failure", message: "container not found" })).toBeUndefined();
    expect(execExitCode(undefined)).toBeUndefined();
  });
});
