// An image archive into every kind node's containerd, the way `kind load
// image-archive` does it (ctr import from stdin, with the snapshotter the
// node's CRI uses) but for the host's platform only, and with the name a
// digest-pinned pod asks for (images/containerd-names.ts): kind imports
// --all-platforms, which fails on a multi-platform archive that carries
// only this platform's layers, and names a digest only "import-<date>@…".
import { importPlatformArgs } from "../../images/containerd-names.ts";
import { importOnce } from "../../images/import-once.ts";
import type { KindEngine } from "./engine.ts";

/** The snapshotter in `containerd config dump` output: the CRI's (config version 2 or 3), as kind reads it. */
export function criSnapshotter(dump: string): string | undefined {
  const sections = ['plugins."io.containerd.grpc.v1.cri".containerd', 'plugins."io.containerd.cri.v1.images"'];
  let section = "";
  for (const raw of dump.split("\n")) {
    const line = raw.trim();
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) section = header[1]!.trim();
    else if (sections.includes(section)) {
      const m = /^snapshotter\s*=\s*"([^"]*)"/.exec(line);
      if (m && m[1]) return m[1];
    }
  }
  return undefined;
}

export async function loadImageIntoNodes(engine: KindEngine, nodes: readonly string[], archive: string, ref: string): Promise<void> {
  if (nodes.length === 0) throw new Error(`no kind node to load ${ref} into`);
  for (const node of nodes) {
    const ctr = (args: string[]) => engine.exec(node, ["ctr", "--namespace=k8s.io", ...args], { timeoutMs: 300_000 });
    await importOnce(ctr, archive, ref, `kind node ${node}'s containerd`, async () => {
      const dump = await engine.exec(node, ["containerd", "config", "dump"]);
      const snapshotter = criSnapshotter(dump.stdout);
      if (!snapshotter) throw new Error(`could not read the CRI snapshotter from \`containerd config dump\` on ${node}`);
      await engine.exec(node, ["ctr", "--namespace=k8s.io", "images", "import", ...importPlatformArgs(), `--snapshotter=${snapshotter}`, "-"], { inputFile: archive, timeoutMs: 600_000 });
    });
  }
}
