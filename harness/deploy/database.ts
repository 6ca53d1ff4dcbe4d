// database / migration: the sample app's PostgreSQL, brought up in the run's
// namespace before v1 (its pods need the URL), with the schema v1 uses.
// A pod rather than a server on the node: it is created, labelled and deleted
// with the run's namespace like everything else, and it works unchanged on the
// local cluster, kind and an existing cluster (where the image must be
// preloaded, as the app's). Its log is kept in the run folder.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { schemaSql } from "../db/migrations.ts";
import { postgresImage } from "../db/postgres-image.ts";
import { databaseUrl, DB_NAME, dbSelector, renderDb } from "../db/postgres.ts";
import { runSql } from "../db/sql.ts";
import { applyAll } from "./apply.ts";
import type { SqlRunner } from "./migration.ts";
import { labelSelector, type DeployContext } from "./strategy.ts";

export interface RunDatabase {
  /** What the app's pods connect to (the Service's ClusterIP: app pods use no cluster DNS). */
  url: string;
  sql: SqlRunner;
  version: string;
}

export async function setupDatabase(ctx: DeployContext): Promise<RunDatabase> {
  const img = await postgresImage();
  await ctx.provider.loadImage(img.archive, img.name);
  const selector = labelSelector(dbSelector(ctx));
  ctx.defer?.("keep the database's log", async () => {
    if (ctx.runDir) await writeFile(join(ctx.runDir, "database.log"), await ctx.kube.podLogs(ctx.namespace, selector).catch((e: Error) => `(unavailable: ${e.message})`));
  });
  await applyAll(ctx, renderDb({ runId: ctx.runId, namespace: ctx.namespace, image: img.name, paths: img.paths }), `PostgreSQL ${img.version}`);
  await ctx.kube.waitRollout(ctx.namespace, DB_NAME, 120_000).catch(async (e: Error) => {
    throw new Error(`${e.message}\nthe database's log:\n${await ctx.kube.podLogs(ctx.namespace, selector, 20)}`);
  });
  const pod = (await ctx.kube.pods(ctx.namespace, selector)).find((p) => !p.metadata?.deletionTimestamp && p.status?.phase === "Running");
  if (!pod) throw new Error(`the database Deployment is ready but no running pod matches ${selector}`);
  const sql: SqlRunner = (statement) =>
    runSql({ kc: ctx.kube.kc, namespace: ctx.namespace, pod: pod.metadata!.name!, sql: statement, timeoutMs: 30_000, psql: img.paths.psql });
  await sql(schemaSql());
  const svc = await ctx.kube.core.readNamespacedService({ name: DB_NAME, namespace: ctx.namespace });
  const ip = svc.spec?.clusterIP;
  if (!ip || ip === "None") throw new Error(`Service ${DB_NAME} has no ClusterIP`);
  ctx.events.record("database", { version: img.version, url: databaseUrl(ip), schema: schemaSql() });
  return { url: databaseUrl(ip), sql, version: img.version };
}
