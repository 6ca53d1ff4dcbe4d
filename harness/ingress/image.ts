// The ingress controller's image: the pinned Traefik binary (built from the Go
// module on first use, cached by version like every tool) packed as a
// single-layer image by nodrop's own OCI code, cached by version too.
import { packBinary } from "../images/pack.ts";
import { toolPaths } from "../tools.ts";
import { cachedArchive } from "../images/cache.ts";
import { ensureTool } from "../tool-install.ts";

export interface IngressImage {
  archive: string;
  name: string;
  version: string;
}

export async function traefikImage(opts: { imagesDir?: string } = {}): Promise<IngressImage> {
  const tools = toolPaths();
  const version = tools.versions.all["TRAEFIK_VERSION"];
  if (!version) throw new Error("clusters/tools/versions.env does not set TRAEFIK_VERSION");
  await ensureTool("traefik", [tools.traefik], `Traefik ${version} (from the Go module proxy; ~5 min)`);
  const name = `nodrop.local/traefik:${version}`;
  const archive = await cachedArchive(`traefik-${version}.tar`, (out) => packBinary({ binary: tools.traefik, name, out }), { ...opts, newerThan: tools.traefik });
  return { archive, name, version };
}
