// The image of ingressController=nginx: Debian's nginx binary (unpacked into
// the tools cache by `install.sh nginx` on first use) plus exactly the shared
// libraries it links against, packed by nodrop's own OCI code and cached by
// the binary's content. Its config comes from a ConfigMap (nginx.ts).
import { createHash } from "node:crypto";
import { access, readFile } from "node:fs/promises";
import { join } from "node:path";
import { PROJECT_ROOT } from "../cluster/provider.ts";
import { run } from "../exec.ts";
import { hostFiles, sharedLibraries } from "../images/app-image.ts";
import { buildImageArchive } from "../images/oci.ts";
import { log } from "../log.ts";
import { toolPaths } from "../tools.ts";
import type { IngressImage } from "./image.ts";

export const NGINX_IN_IMAGE = "/usr/sbin/nginx";
export const NGINX_USER = "10001:10001";
const PASSWD = "root:x:0:0:root:/root:/sbin/nologin\nnginx:x:10001:10001:nginx:/tmp:/sbin/nologin\n";
const GROUP = "root:x:0:\nnginx:x:10001:\n";

const exists = (p: string) => access(p).then(() => true, () => false);

export async function nginxImage(opts: { imagesDir?: string } = {}): Promise<IngressImage> {
  const tools = toolPaths();
  const version = tools.versions.all["NGINX_VERSION"];
  if (!version) throw new Error("clusters/tools/versions.env does not set NGINX_VERSION");
  if (!(await exists(tools.nginx))) {
    log.info(`nginx ${version} is not unpacked yet: taking Debian's package now (once, cached by version)`);
    await run(["bash", join(PROJECT_ROOT, "clusters", "tools", "install.sh"), "nginx"], { timeoutMs: 600_000 });
  }
  const binary = await readFile(tools.nginx);
  const tag = `${version}-${createHash("sha256").update(binary).digest("hex").slice(0, 12)}`;
  const name = `nodrop.local/nginx:${tag}`;
  const archive = join(opts.imagesDir ?? join(PROJECT_ROOT, ".nodrop", "images"), `nginx-${tag}.tar`);
  if (!(await exists(archive))) {
    await buildImageArchive(
      {
        name,
        files: [
          { path: NGINX_IN_IMAGE, source: tools.nginx, mode: 0o755 },
          ...(await hostFiles(await sharedLibraries(tools.nginx))),
          { path: "/etc/passwd", content: PASSWD },
          { path: "/etc/group", content: GROUP },
        ],
        dirs: [{ path: "/tmp", mode: 0o1777 }],
        entrypoint: [NGINX_IN_IMAGE],
        user: NGINX_USER,
        labels: { "org.opencontainers.image.title": "nodrop nginx (Debian's build)", "org.opencontainers.image.version": version },
      },
      archive,
    );
  }
  return { archive, name, version };
}
