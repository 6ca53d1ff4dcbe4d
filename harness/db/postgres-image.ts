// The image of the sample app's database (issue 12): Debian's PostgreSQL
// (unpacked into the tools cache by `install.sh postgres` on first use) at its
// Debian paths, plus exactly the shared libraries it links against, packed by
// nodrop's own OCI code and cached by content, like nginx's image.
//
// The Debian paths are not a choice: Debian's binaries have their share dir
// (/usr/share/postgresql/15) and module dir (/usr/lib/postgresql/15/lib)
// compiled in, found relative to the binary only when the layout matches.
//
// One exception to "no shell in nodrop's images": initdb runs the bootstrap
// backend (and `postgres -V`) through popen(), i.e. /bin/sh -c. The host's
// dash is packed as /bin/sh for that alone; no manifest command uses it.
import { createHash } from "node:crypto";
import { readFile, readdir, readlink, realpath } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { run } from "../exec.ts";
import { hostFiles } from "../images/app-image.ts";
import { buildImageArchive, type ImageFile } from "../images/oci.ts";
import { toolPaths } from "../tools.ts";
import { cachedArchive } from "../images/cache.ts";
import { ensureTool } from "../tool-install.ts";

export const POSTGRES_UID = 10001;
export const POSTGRES_USER = `${POSTGRES_UID}:${POSTGRES_UID}`;
// initdb and postgres look the running uid up (getpwuid) and refuse to work without a name.
const PASSWD = `root:x:0:0:root:/root:/sbin/nologin\npostgres:x:${POSTGRES_UID}:${POSTGRES_UID}:PostgreSQL:/tmp:/sbin/nologin\n`;
const GROUP = `root:x:0:\npostgres:x:${POSTGRES_UID}:\n`;
/** Debian's compiled-in unix_socket_directories (and psql's default host): made writable for the postgres user. */
export const SOCKET_DIR = "/var/run/postgresql";
/** The image's files that are the tool's bookkeeping, not PostgreSQL. */
const BOOKKEEPING = new Set([".complete", "debian-version", "debian-packages"]);

export interface PostgresPaths {
  /** e.g. "15": Debian installs each major version side by side. */
  major: string;
  bin: string;
  postgres: string;
  initdb: string;
  psql: string;
  pgIsready: string;
  share: string;
  lib: string;
}

/** Where Debian puts PostgreSQL `version` (e.g. "15.20"): in the image, and below the tools directory. */
export function postgresPaths(version: string): PostgresPaths {
  const major = version.split(".")[0];
  if (!major || !/^\d+$/.test(major)) throw new Error(`POSTGRES_VERSION '${version}' does not start with a major version number`);
  const bin = `/usr/lib/postgresql/${major}/bin`;
  return {
    major,
    bin,
    postgres: `${bin}/postgres`,
    initdb: `${bin}/initdb`,
    psql: `${bin}/psql`,
    pgIsready: `${bin}/pg_isready`,
    share: `/usr/share/postgresql/${major}`,
    lib: `/usr/lib/postgresql/${major}/lib`,
  };
}

export interface PostgresImage {
  archive: string;
  name: string;
  version: string;
  paths: PostgresPaths;
}

/** Every file and symlink below `dir`, as paths relative to it, sorted. */
async function walk(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await walk(dir, rel)));
    else if (e.isFile() || e.isSymbolicLink()) out.push(rel);
  }
  return out.sort();
}

/**
 * Like images/app-image.ts sharedLibraries, with the tree's own library
 * directory searched first: libpq5 (and any library package the host lacked)
 * is unpacked there, not installed.
 */
async function librariesOf(binary: string, libraryPath: string): Promise<string[]> {
  const { stdout } = await run(["ldd", binary], { env: { LD_LIBRARY_PATH: libraryPath } });
  const libs: string[] = [];
  for (const line of stdout.split("\n")) {
    const t = line.trim();
    if (!t || t.startsWith("linux-vdso") || t.includes("statically linked")) continue;
    if (t.includes("not found")) throw new Error(`ldd ${binary}: ${t} (run \`bash clusters/tools/install.sh postgres\` again after deleting its directory)`);
    const m = /=>\s*(\/\S+)/.exec(t) ?? /^(\/\S+)/.exec(t);
    if (m?.[1]) libs.push(m[1]);
  }
  return libs;
}

/**
 * The image's files: the unpacked tree at its Debian paths (of its own
 * library directory, libpq5 and any package the host lacked, only what the
 * binaries link), the host libraries it links, and /bin/sh for initdb.
 */
export async function postgresImageFiles(tree: string, paths: PostgresPaths): Promise<ImageFile[]> {
  // ldd reports resolved paths: compare them with the tree's resolved path.
  const root = await realpath(tree);
  const files: ImageFile[] = [];
  const libs: ImageFile[] = [];
  const elves: string[] = [];
  const libDirs = new Set<string>();
  const isLib = (path: string) => /^\/usr\/lib\/[^/]+-linux-gnu[^/]*\/[^/]+\.so/.test(path);
  for (const rel of await walk(root)) {
    if (BOOKKEEPING.has(rel)) continue;
    const source = join(root, rel);
    const path = "/" + rel;
    const link = await readlink(source).catch(() => undefined);
    const file: ImageFile = link !== undefined ? { path, linkTarget: link } : { path, source };
    if (isLib(path)) {
      libs.push(file);
      libDirs.add(dirname(source));
    } else files.push(file);
    if (path.startsWith(paths.bin + "/") || (path.startsWith(paths.lib + "/") && path.endsWith(".so"))) elves.push(source);
  }
  const wanted = new Set<string>(["/bin/sh"]);
  const linked = new Set<string>();
  for (const elf of [...elves, "/bin/sh"]) {
    for (const lib of await librariesOf(elf, [...libDirs].join(":"))) {
      if (!lib.startsWith(root + "/")) wanted.add(lib);
      else {
        // The name ldd reports (a symlink, libpq.so.5) and the file it points to.
        linked.add("/" + relative(root, lib));
        linked.add("/" + relative(root, await realpath(lib)));
      }
    }
  }
  files.push(...libs.filter((f) => linked.has(f.path)));
  const inTree = new Set(files.map((f) => f.path));
  const fromHost = (await hostFiles([...wanted].sort())).filter((f) => !inTree.has(f.path));
  return [
    ...files,
    ...fromHost,
    { path: "/etc/passwd", content: PASSWD },
    { path: "/etc/group", content: GROUP },
  ];
}

/** A short hash of everything that goes into the image: each path with its bytes or link target. */
async function contentHash(files: ImageFile[]): Promise<string> {
  const h = createHash("sha256");
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    h.update(`${f.path}\0${f.mode ?? ""}\0`);
    if (f.linkTarget !== undefined) h.update(`->${f.linkTarget}`);
    else if (f.source !== undefined) h.update(await readFile(f.source));
    else h.update(f.content ?? "");
    h.update("\0");
  }
  return h.digest("hex").slice(0, 12);
}

/**
 * `nodrop.local/postgres:<version>-<hash>` as an OCI archive in `imagesDir`
 * (default .nodrop/images), built once per content.
 */
export async function postgresImage(opts: { imagesDir?: string } = {}): Promise<PostgresImage> {
  const tools = toolPaths();
  const version = tools.versions.all["POSTGRES_VERSION"];
  if (!version) throw new Error("clusters/tools/versions.env does not set POSTGRES_VERSION");
  const paths = postgresPaths(version);
  await ensureTool("postgres", [join(tools.postgres, ".complete")], `PostgreSQL ${version} (Debian's packages, unpacked)`, 600_000);
  const files = await postgresImageFiles(tools.postgres, paths);
  // versions.env pins the major; the point release Debian served is recorded at unpacking.
  const exact = (await readFile(join(tools.postgres, "debian-version"), "utf8").catch(() => version)).trim();
  const tag = `${version}-${await contentHash(files)}`;
  const name = `nodrop.local/postgres:${tag}`;
  const archive = await cachedArchive(
    `postgres-${tag}.tar`,
    async (out) =>
      buildImageArchive(
        {
          name,
          files,
          dirs: [
            { path: "/tmp", mode: 0o1777 },
            { path: SOCKET_DIR, mode: 0o1777 },
          ],
          entrypoint: [paths.postgres],
          // TZ: initdb writes it into postgresql.conf as the default timezone
          // (the image holds only the UTC zone file).
          env: [`PATH=${paths.bin}:/usr/sbin:/usr/bin:/sbin:/bin`, "TZ=UTC"],
          user: POSTGRES_USER,
          exposedPorts: [5432],
          labels: { "org.opencontainers.image.title": "nodrop postgres (Debian's build)", "org.opencontainers.image.version": exact },
        },
        out,
      ),
    opts,
  );
  return { archive, name, version: exact, paths };
}
