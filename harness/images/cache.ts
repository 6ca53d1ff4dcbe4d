// One home for the image archives nodrop builds itself (the sample app, the
// ingress controllers, PostgreSQL, the k6-operator's images): a folder of
// OCI archives named by their content or version, each built once.
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { stateDir } from "../paths.ts";
import { exists } from "../tool-install.ts";

/** Where built image archives are kept (a caller's own folder wins). */
export function imagesDir(override?: string): string {
  return override ?? join(stateDir(), "images");
}

/**
 * `<imagesDir>/<file>`, built by `build(path)` unless it is there already and
 * not older than `newerThan` (a binary it was packed from). Returns the path.
 */
export async function cachedArchive(file: string, build: (out: string) => Promise<unknown>, opts: { imagesDir?: string; newerThan?: string } = {}): Promise<string> {
  const archive = join(imagesDir(opts.imagesDir), file);
  const fresh = (await exists(archive)) && (!opts.newerThan || (await stat(archive)).mtimeMs >= (await stat(opts.newerThan)).mtimeMs);
  if (!fresh) await build(archive);
  return archive;
}
