// The sample app's image and the sandbox ("pause") image, built without docker
// or a base image: the host's node binary plus exactly the shared libraries it
// links against, and the app bundled into one file by esbuild.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { access, mkdir, readFile, realpath, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { build } from "esbuild";
import { buildImageArchive, type BuiltImage, type ImageFile } from "./oci.ts";

const run = promisify(execFile);

export const APP_IMAGE_REPOSITORY = "nodrop.local/sample-app";
export const APP_USER = "10001:10001";
export const APP_PORT = 8080;
export const NODE_IN_IMAGE = "/usr/local/bin/node";
export const APP_ENTRY = "/app/server.mjs";

const SERVER_TS = fileURLToPath(new URL("../../app/server.ts", import.meta.url));

export interface AppImage extends BuiltImage {
  /** The short content hash used as tag. */
  tag: string;
}

/** Bundles app/server.ts (prom-client included) into one ESM file for node 20. */
export async function bundleApp(): Promise<Buffer> {
  const r = await build({
    entryPoints: [SERVER_TS],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    write: false,
    legalComments: "none",
    logLevel: "silent",
    // Bundled CommonJS (prom-client) calls require() for node builtins, which
    // an ESM bundle does not have.
    banner: { js: 'import { createRequire as __nodropCreateRequire } from "node:module"; const require = __nodropCreateRequire(import.meta.url);' },
  });
  const out = r.outputFiles[0];
  if (!out) throw new Error("esbuild produced no output for app/server.ts");
  return Buffer.from(out.contents);
}

/** Absolute paths of the shared libraries (and the loader) that `ldd` lists for `binary`. */
export async function sharedLibraries(binary: string): Promise<string[]> {
  const { stdout } = await run("ldd", [binary]);
  const libs = new Set<string>();
  for (const line of stdout.split("\n")) {
    const t = line.trim();
    if (!t || t.startsWith("linux-vdso") || t.startsWith("linux-gate")) continue;
    if (t.includes("not found")) throw new Error(`ldd ${binary}: ${t}`);
    if (t.includes("statically linked")) continue;
    const m = /=>\s*(\/\S+)/.exec(t) ?? /^(\/\S+)/.exec(t);
    if (m?.[1]) libs.add(m[1]);
  }
  return [...libs].sort();
}

/**
 * Image files for host `paths`: each resolved file is copied to its real path,
 * and a path that is a symlink on the host (/lib64/ld-linux-x86-64.so.2, or
 * /lib/... under usrmerge) becomes a symlink to it, so nothing is copied twice.
 */
export async function hostFiles(paths: string[]): Promise<ImageFile[]> {
  const files = new Map<string, ImageFile>();
  for (const p of paths) {
    const real = await realpath(p);
    if (!files.has(real)) files.set(real, { path: real, source: real });
    if (real !== p && !files.has(p)) files.set(p, { path: p, linkTarget: real });
  }
  return [...files.values()];
}

const PASSWD = "root:x:0:0:root:/root:/sbin/nologin\nnodrop:x:10001:10001:nodrop:/tmp:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n";
const GROUP = "root:x:0:\nnodrop:x:10001:\nnogroup:x:65534:\n";

/**
 * Builds `nodrop.local/sample-app:<hash>` into `outDir`. The tag is a short hash
 * of the bundle, node's version and `version`, so a changed app gets a new tag
 * while every run version (an env var in the pod) shares one image. `version`,
 * when given, becomes the image's default APP_VERSION. An archive already built
 * for the same tag is reused.
 */
export async function buildAppImage(outDir: string, version?: string): Promise<AppImage> {
  const bundle = await bundleApp();
  const node = await realpath(process.execPath);
  const tag = createHash("sha256")
    .update(bundle)
    .update(`\0${process.version}\0${process.arch}\0${version ?? ""}`)
    .digest("hex")
    .slice(0, 12);
  const name = `${APP_IMAGE_REPOSITORY}:${tag}`;
  const archive = join(outDir, `sample-app-${tag}.oci.tar`);
  const meta = `${archive}.json`;
  try {
    await access(archive);
    const cached = JSON.parse(await readFile(meta, "utf8")) as AppImage;
    if (cached.name === name && cached.archive === archive) return cached;
  } catch {
    // not built yet
  }

  const files: ImageFile[] = [
    { path: NODE_IN_IMAGE, source: node, mode: 0o755 },
    ...(await hostFiles(await sharedLibraries(node))),
    { path: APP_ENTRY, content: bundle, mode: 0o644 },
    { path: "/etc/passwd", content: PASSWD },
    { path: "/etc/group", content: GROUP },
  ];
  const env = ["NODE_ENV=production", `PORT=${APP_PORT}`];
  if (version) env.push(`APP_VERSION=${version}`);
  const built = await buildImageArchive(
    {
      name,
      files,
      dirs: [{ path: "/tmp", mode: 0o1777 }],
      entrypoint: [NODE_IN_IMAGE, APP_ENTRY],
      env,
      user: APP_USER,
      workingDir: "/app",
      exposedPorts: [APP_PORT],
      labels: { "org.opencontainers.image.title": "nodrop sample app", "org.opencontainers.image.version": tag },
    },
    archive,
  );
  const result: AppImage = { ...built, tag };
  await mkdir(outDir, { recursive: true });
  await writeFile(meta, JSON.stringify(result, null, 2) + "\n");
  return result;
}

/** The sandbox image: a static `pause` binary at /pause, run as 65535. */
export async function buildPauseImage(pauseBinary: string, name: string, outFile: string): Promise<BuiltImage> {
  const libs = await sharedLibraries(pauseBinary).catch(() => []);
  if (libs.length) throw new Error(`${pauseBinary} must be statically linked (it links ${libs.join(", ")})`);
  return buildImageArchive(
    {
      name,
      files: [{ path: "/pause", source: pauseBinary, mode: 0o755 }],
      entrypoint: ["/pause"],
      user: "65535:65535",
    },
    outFile,
  );
}
