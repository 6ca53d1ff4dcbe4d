// The ingress controller's image: the pinned Traefik binary (built from the Go
// module on first use, cached by version like every tool) packed as a
// single-layer image by nodrop's own OCI code, cached by version too.
import { access, stat } from "node:fs/promises";
import { join } from "node:path";
import { PROJECT_ROOT } from "../cluster/provider.ts";
import { run } from "../exec.ts";
import { packBinary } from "../images/pack.ts";
import { log } from "../log.ts";
import { toolPaths } from "../tools.ts";

export interface IngressImage {
  archive: string;
  name: string;
  version: string;
}

const exists = (p: string) => access(p).then(() => true, () => false);

export async function traefikImage(opts: { imagesDir?: string } = {}): Promise<IngressImage> {
  const tools = toolPaths();
  const version = tools.versions.all["TRAEFIK_VERSION"];
  if (!version) throw new Error("clusters/tools/versions.env does not set TRAEFIK_VERSION");
  if (!(await exists(tools.traefik))) {
    log.info(`Traefik ${version} is not built yet: building it now from the Go module proxy (once, cached by version; ~5 min)`);
    await run(["bash", join(PROJECT_ROOT, "clusters", "tools", "install.sh"), "traefik"], { timeoutMs: 1_800_000 });
  }
  const name = `nodrop.local/traefik:${version}`;
  const archive = join(opts.imagesDir ?? join(PROJECT_ROOT, ".nodrop", "images"), `traefik-${version}.tar`);
  const fresh = (await exists(archive)) && (await stat(archive)).mtimeMs >= (await stat(tools.traefik)).mtimeMs;
  if (!fresh) await packBinary({ binary: tools.traefik, name, out: archive });
  return { archive, name, version };
}
