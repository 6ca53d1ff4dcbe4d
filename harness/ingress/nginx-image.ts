// The image of ingressController=nginx: Debian's nginx binary (unpacked into
// the tools cache by `install.sh nginx` on first use) plus exactly the shared
// libraries it links against, packed by nodrop's own OCI code and cached by
// the binary's content. Its config comes from a ConfigMap (nginx.ts).
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { hostFiles, sharedLibraries } from "../images/app-image.ts";
import { buildImageArchive } from "../images/oci.ts";
import { toolPaths } from "../tools.ts";
import type { IngressImage } from "./image.ts";
import { cachedArchive } from "../images/cache.ts";
import { ensureTool } from "../tool-install.ts";

export const NGINX_IN_IMAGE = "/usr/sbin/nginx";
export const NGINX_USER = "10001:10001";
const PASSWD = "root:x:0:0:root:/root:/sbin/nologin\nnginx:x:10001:10001:nginx:/tmp:/sbin/nologin\n";
const GROUP = "root:x:0:\nnginx:x:10001:\n";

export async function nginxImage(opts: { imagesDir?: string } = {}): Promise<IngressImage> {
  const tools = toolPaths();
  const version = tools.versions.all["NGINX_VERSION"];
  if (!version) throw new Error("clusters/tools/versions.env does not set NGINX_VERSION");
  await ensureTool("nginx", [tools.nginx], `nginx ${version} (Debian's package, unpacked)`, 600_000);
  const binary = await readFile(tools.nginx);
  const tag = `${version}-${createHash("sha256").update(binary).digest("hex").slice(0, 12)}`;
  const name = `nodrop.local/nginx:${tag}`;
  const archive = await cachedArchive(
    `nginx-${tag}.tar`,
    async (out) =>
      buildImageArchive(
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
        out,
      ),
    opts,
  );
  return { archive, name, version };
}
