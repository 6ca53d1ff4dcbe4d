// load=operator: the three images the k6-operator needs, packed by nodrop's
// own OCI code (no registry, no Docker) and cached by their inputs' content:
//   manager  the controller built from the pinned module (static Go binary)
//   runner   the k6 nodrop builds, plus Debian's static busybox as /bin/sh and
//            the few commands the initializer's shell line runs (mkdir,
//            dirname, cat, grep); the runners themselves run k6 directly
//   starter  busybox's sh plus Debian's curl and the libraries it links
//            against: the starter job runs `sh -c "curl -X PATCH …/v1/status"`
//            once per runner to un-pause them together
import { createHash } from "node:crypto";
import { readFile, realpath } from "node:fs/promises";
import { join } from "node:path";
import { hostFiles, sharedLibraries } from "../../images/app-image.ts";
import { buildImageArchive, type ImageFile } from "../../images/oci.ts";
import { toolPaths } from "../../tools.ts";
import { cachedArchive } from "../../images/cache.ts";
import { ensureTool } from "../../tool-install.ts";

export const OPERATOR_USER = "65532:65532";
/** The commands of the initializer's `sh -c` line (pkg/resources/jobs/initializer.go). */
export const BUSYBOX_APPLETS = ["sh", "mkdir", "dirname", "cat", "grep"] as const;
const BUSYBOX = "/bin/busybox";
const CURL = "/usr/bin/curl";

export interface OperatorImage {
  archive: string;
  name: string;
}

export interface OperatorImages {
  manager: OperatorImage;
  runner: OperatorImage;
  starter: OperatorImage;
  version: string;
}

const PASSWD = "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/tmp:/sbin/nologin\n";
const GROUP = "root:x:0:\nnonroot:x:65532:\n";
const BASE: ImageFile[] = [
  { path: "/etc/passwd", content: PASSWD },
  { path: "/etc/group", content: GROUP },
];

function busyboxFiles(): ImageFile[] {
  return [{ path: BUSYBOX, source: BUSYBOX, mode: 0o755 }, ...BUSYBOX_APPLETS.map((a) => ({ path: `/bin/${a}`, linkTarget: "busybox" }))];
}

async function hashOf(files: string[], extra: string): Promise<string> {
  const h = createHash("sha256").update(extra);
  for (const f of files) h.update(await readFile(f));
  return h.digest("hex").slice(0, 12);
}

/** Builds (or reuses) the three images; installs the operator's tools first when missing. */
export async function operatorImages(opts: { imagesDir?: string } = {}): Promise<OperatorImages> {
  const tools = toolPaths();
  const op = tools.k6Operator;
  await ensureTool("k6-operator", [op.manager, join(op.crds, ".complete"), BUSYBOX, CURL], `k6-operator ${op.version} (from the Go module proxy; ~3 min on 2 cores)`);
  const build = async (kind: string, inputs: string[], spec: Omit<Parameters<typeof buildImageArchive>[0], "name">): Promise<OperatorImage> => {
    const tag = `${op.version}-${await hashOf(inputs, JSON.stringify(spec.entrypoint) + kind)}`;
    const name = `nodrop.local/k6-operator-${kind}:${tag}`;
    const archive = await cachedArchive(`k6-operator-${kind}-${tag}.tar`, (out) => buildImageArchive({ name, ...spec }, out), opts);
    return { archive, name };
  };
  const busybox = await realpath(BUSYBOX);
  const curlLibs = await sharedLibraries(CURL);
  const [manager, runner, starter] = await Promise.all([
    build("manager", [op.manager], {
      files: [{ path: "/manager", source: op.manager, mode: 0o755 }, ...BASE],
      entrypoint: ["/manager"],
      user: OPERATOR_USER,
      labels: { "org.opencontainers.image.title": "k6-operator (built by nodrop from the Go module)", "org.opencontainers.image.version": op.version },
    }),
    build("runner", [tools.k6, busybox], {
      files: [{ path: "/usr/bin/k6", source: tools.k6, mode: 0o755 }, ...busyboxFiles(), ...BASE],
      dirs: [{ path: "/tmp", mode: 0o1777 }, { path: "/home/k6", mode: 0o1777 }],
      entrypoint: ["/usr/bin/k6"],
      workingDir: "/home/k6",
      user: OPERATOR_USER,
      labels: { "org.opencontainers.image.title": "k6 runner for the k6-operator (nodrop's k6 + Debian's busybox)", "org.opencontainers.image.version": tools.versions.k6 },
    }),
    build("starter", [CURL, busybox, ...curlLibs], {
      files: [{ path: CURL, source: CURL, mode: 0o755 }, ...(await hostFiles(curlLibs)), ...busyboxFiles(), ...BASE],
      dirs: [{ path: "/tmp", mode: 0o1777 }],
      entrypoint: ["/bin/sh"],
      user: OPERATOR_USER,
      labels: { "org.opencontainers.image.title": "k6-operator starter (Debian's curl + busybox sh)" },
    }),
  ]);
  return { manager, runner, starter, version: op.version };
}
