// `nodrop image pack BINARY --name REF --out FILE [--port N]`: one static
// binary as a single-layer image archive (OCI layout + docker manifest.json),
// without Docker: how the Go example in examples/ is packed, and a way for any
// statically linked service to become an --app archive.
import { access, stat } from "node:fs/promises";
import { ConfigError } from "../config.ts";
import { buildImageArchive, type BuiltImage } from "./oci.ts";

export const PACK_USER = "65532:65532";

export async function packBinary(opts: { binary: string; name: string; out: string; port?: number }): Promise<BuiltImage> {
  const ok = await access(opts.binary).then(() => true, () => false);
  if (!ok) throw new ConfigError(`image pack: the binary '${opts.binary}' does not exist`);
  if (!(await stat(opts.binary)).isFile()) throw new ConfigError(`image pack: '${opts.binary}' is not a file`);
  if (!/^[a-z0-9][a-z0-9._\/-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$/.test(opts.name)) {
    throw new ConfigError(`image pack: --name '${opts.name}' is not an image reference like registry.example/name:tag`);
  }
  if (opts.port !== undefined && !(Number.isInteger(opts.port) && opts.port >= 1 && opts.port <= 65535)) {
    throw new ConfigError(`image pack: --port must be 1..65535 (got ${opts.port})`);
  }
  return buildImageArchive(
    {
      name: opts.name,
      files: [{ path: "/server", source: opts.binary, mode: 0o755 }],
      entrypoint: ["/server"],
      user: PACK_USER,
      ...(opts.port ? { exposedPorts: [opts.port] } : {}),
    },
    opts.out,
  );
}
