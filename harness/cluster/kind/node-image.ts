// An offline kind node image, assembled here from pinned inputs because no
// kindest/node image can be pulled on these machines:
//   layer 1  a Debian 12 root filesystem (debootstrap: systemd, containerd,
//            runc, CNI plugins, iptables, conntrack, etcd) + kind's base files
//            from the pinned kind module (entrypoint, systemd units, kubelet
//            drop-ins) + the Kubernetes binaries `make tools` built + kubeadm
//            and kubectl;
//   layer 2  /var/lib/containerd with the images kubeadm expects already
//            imported (kube-apiserver, -controller-manager, -scheduler,
//            kube-proxy and etcd, all made from layer 1; pause compiled from
//            kubernetes' pause.c), so `kubeadm init` pulls nothing.
// CoreDNS is not included: the kind config skips kubeadm's coredns addon
// (nodrop never resolves names inside the cluster). The pod network is set up
// by the provider (kind/pod-network.ts), not by kindnetd.
//
// Cached by its inputs: a rebuild happens only when a version or this recipe changes.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, copyFile, mkdir, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { run } from "../../exec.ts";
import { buildImageArchive } from "../../images/oci.ts";
import { buildPauseImage } from "../../images/app-image.ts";
import { log, step } from "../../log.ts";
import { requireTool, toolPaths } from "../../tools.ts";
import { startPreloadContainerd } from "./preload.ts";

/** Bump when the recipe below changes in a way the versions do not show. */
const RECIPE = 5;
const SUITE = "bookworm";
const MIRROR = "http://deb.debian.org/debian";
export const NODE_PACKAGES = [
  "systemd", "systemd-sysv", "dbus", "conntrack", "iptables", "nftables", "iproute2", "ethtool", "kmod", "procps",
  "util-linux", "mount", "libseccomp2", "pigz", "ca-certificates", "containerd", "runc", "containernetworking-plugins",
  "etcd-server", "socat", "jq",
];

export interface NodeImage {
  archive: string;
  ref: string;
  /** The etcd image tag kubeadm must be told to use (Debian's etcd). */
  etcdTag: string;
}

export function nodeImageKey(): string {
  const t = toolPaths();
  const h = createHash("sha256").update(JSON.stringify({ RECIPE, SUITE, NODE_PACKAGES, v: t.versions.all })).digest("hex").slice(0, 12);
  return `${t.versions.kubernetes}-${h}`;
}

export function nodeImagePaths() {
  const t = toolPaths();
  const dir = join(t.toolsDir, `kind-node-${nodeImageKey()}`);
  return { dir, archive: join(dir, "node-image.tar"), meta: join(dir, "image.json"), complete: join(dir, ".complete") };
}

async function kindModuleDir(): Promise<string> {
  const t = toolPaths();
  const r = await run(["go", "mod", "download", "-json", `sigs.k8s.io/kind@${t.versions.kind}`], { timeoutMs: 300_000, env: { ...process.env, GOTOOLCHAIN: "local" } as Record<string, string> });
  const dir = (JSON.parse(r.stdout) as { Dir?: string }).Dir;
  if (!dir) throw new Error(`go mod download sigs.k8s.io/kind@${t.versions.kind} gave no directory`);
  return dir;
}

/** Returns the cached node image, building it first when missing. */
export async function ensureNodeImage(): Promise<NodeImage> {
  const p = nodeImagePaths();
  if (existsSync(p.complete)) return JSON.parse(await readFile(p.meta, "utf8")) as NodeImage;
  const started = Date.now();
  await rm(p.dir, { recursive: true, force: true });
  await mkdir(p.dir, { recursive: true });
  const work = join(p.dir, "work");
  try {
    const img = await build(work, p.archive);
    await writeFile(p.meta, JSON.stringify(img, null, 2));
    await writeFile(p.complete, "");
    log.info(`kind node image ${img.ref} built in ${((Date.now() - started) / 1000).toFixed(0)} s (${p.dir})`);
    return img;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function build(work: string, archive: string): Promise<NodeImage> {
  const t = toolPaths();
  const k8s = t.versions.kubernetes;
  const rootfs = join(work, "rootfs");
  const kbin = (b: string) => requireTool(join(t.kubernetesBin, b), b);
  const abin = (b: string) => requireTool(join(t.kubeadmBin, b), `${b} (make tools-kind)`);

  await step(`node root filesystem: debootstrap ${SUITE} (${NODE_PACKAGES.length} packages)`, async () => {
    await mkdir(work, { recursive: true });
    await run(["debootstrap", "--variant=minbase", `--include=${NODE_PACKAGES.join(",")}`, SUITE, rootfs, MIRROR], { timeoutMs: 1_200_000 });
    for (const d of ["var/cache/apt/archives", "var/lib/apt/lists"]) {
      for (const f of await readdir(join(rootfs, d))) if (f !== "partial" && f !== "lock") await rm(join(rootfs, d, f), { recursive: true, force: true });
    }
  });

  const etcdVersion = (await run(["chroot", rootfs, "etcd", "--version"])).stdout.match(/etcd Version: (\S+)/)?.[1];
  if (!etcdVersion) throw new Error("could not read the etcd version of the node root filesystem");
  const etcdTag = `${etcdVersion}-0`;

  await step("node files: kind's base files, Kubernetes binaries, containerd config, systemd units", async () => {
    const kind = join(await kindModuleDir(), "images", "base", "files");
    const put = async (src: string, dest: string, mode: number) => {
      await mkdir(join(rootfs, dest, ".."), { recursive: true });
      await copyFile(src, join(rootfs, dest));
      await chmod(join(rootfs, dest), mode);
    };
    await put(join(kind, "usr/local/bin/entrypoint"), "usr/local/bin/entrypoint", 0o755);
    for (const f of await readdir(join(kind, "kind/bin"))) await put(join(kind, "kind/bin", f), `kind/bin/${f}`, 0o755);
    for (const f of await readdir(join(kind, "etc/systemd/system"), { withFileTypes: true })) {
      if (f.isFile()) await put(join(kind, "etc/systemd/system", f.name), `etc/systemd/system/${f.name}`, 0o644);
    }
    for (const d of ["etc/systemd/system/kubelet.service.d", "etc/sysctl.d", "etc/default"]) {
      for (const f of await readdir(join(kind, d))) await put(join(kind, d, f), `${d}/${f}`, 0o644);
    }
    await put(join(kind, "etc/crictl.yaml"), "etc/crictl.yaml", 0o644);
    // kind's units name the binaries where its own base image puts them.
    await symlink("/usr/bin/containerd", join(rootfs, "usr/local/bin/containerd"));
    await mkdir(join(rootfs, "opt/cni"), { recursive: true });
    await symlink("/usr/lib/cni", join(rootfs, "opt/cni/bin"));
    for (const b of ["kubelet"]) await put(kbin(b), `usr/bin/${b}`, 0o755);
    for (const b of ["kubeadm", "kubectl"]) await put(abin(b), `usr/bin/${b}`, 0o755);
    for (const b of ["kube-apiserver", "kube-controller-manager", "kube-scheduler"]) await put(kbin(b), `usr/local/bin/${b}`, 0o755);
    // kube-proxy runs from this root filesystem in its own container: it must
    // write to the iptables backend the node uses (legacy or nft, chosen by
    // kind's entrypoint from the host's rules), as upstream's iptables-wrapper does.
    await put(kbin("kube-proxy"), "usr/local/bin/kube-proxy.bin", 0o755);
    await writeFile(join(rootfs, "usr/local/bin/kube-proxy"), KUBE_PROXY_WRAPPER, { mode: 0o755 });
    await mkdir(join(rootfs, "etc/kubernetes/manifests"), { recursive: true });
    await writeFile(join(rootfs, "kind/version"), k8s + "\n");
    await writeFile(join(rootfs, "etc/containerd/config.toml"), nodeContainerdConfig(t.versions.pauseImage));
    const spec = JSON.parse((await run(["ctr", "oci", "spec"])).stdout) as { process?: { rlimits?: unknown }; hooks?: { createContainer?: { path: string }[] } };
    delete spec.process?.rlimits;
    spec.hooks = { ...(spec.hooks ?? {}), createContainer: [...(spec.hooks?.createContainer ?? []), { path: "/kind/bin/mount-product-files.sh" }] };
    await writeFile(join(rootfs, "etc/containerd/cri-base.json"), JSON.stringify(spec, null, 2));
    // As kind's base Dockerfile: only the units a node needs start.
    const wants = async (dir: string, match: (f: string) => boolean) => {
      const full = join(rootfs, dir);
      if (!existsSync(full)) return;
      for (const f of await readdir(full)) if (match(f)) await rm(join(full, f), { recursive: true, force: true });
    };
    await wants("lib/systemd/system/sysinit.target.wants", (f) => f === "systemd-tmpfiles-setup.service");
    await wants("lib/systemd/system/multi-user.target.wants", () => true);
    for (const d of await readdir(join(rootfs, "etc/systemd/system"))) if (d.endsWith(".wants")) await wants(`etc/systemd/system/${d}`, () => true);
    await wants("lib/systemd/system/local-fs.target.wants", () => true);
    await wants("lib/systemd/system/sockets.target.wants", (f) => f.includes("udev") || f.includes("initctl"));
    await wants("lib/systemd/system/basic.target.wants", () => true);
    await writeFile(join(rootfs, "etc/systemd/journald.conf"), (await readFile(join(rootfs, "etc/systemd/journald.conf"), "utf8")) + "ReadKMsg=no\n");
    await run(["chroot", rootfs, "systemctl", "enable", "kubelet.service", "containerd.service", "undo-mount-hacks.service"]);
    await run(["chroot", rootfs, "systemctl", "mask", "systemd-binfmt.service"]);
  });

  const layerRoot = join(work, "layer-root.tar");
  await step("layer 1: the node root filesystem (GNU tar: device nodes, hard links, owners)", async () => {
    await run(["tar", "--numeric-owner", "--sort=name", "--xattrs", "-C", rootfs, "-cf", layerRoot, "."], { timeoutMs: 600_000 });
  });

  const preload = join(work, "preload");
  await step("layer 2: control-plane, kube-proxy, etcd and pause images preloaded into the node's containerd", async () => {
    const components = join(work, "components.tar");
    const names = ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy"].map((c) => `registry.k8s.io/${c}:${k8s}`);
    names.push(`registry.k8s.io/etcd:${etcdTag}`);
    const built = await buildImageArchive({ name: names[0]!, files: [], baseLayers: [layerRoot], entrypoint: ["/usr/local/bin/kube-apiserver"] }, components);
    const pause = join(work, "pause.tar");
    await buildPauseImage(t.pause, t.versions.pauseImage, pause);
    const c = await startPreloadContainerd(join(preload, "var/lib/containerd"), join(work, "preload-state"));
    try {
      await c.ctr(["images", "import", "--snapshotter", "overlayfs", components]);
      await c.ctr(["images", "import", "--snapshotter", "overlayfs", pause]);
      for (const n of names.slice(1)) await c.ctr(["images", "tag", "--force", names[0]!, n]);
      // The unpacked snapshot is what runs; the compressed copy would double the layer.
      await c.ctr(["content", "rm", built.layerDigest]);
    } finally {
      await c.stop();
    }
    await rm(components, { force: true });
  });
  const layerPreload = join(work, "layer-preload.tar");
  await run(["tar", "--numeric-owner", "--sort=name", "--xattrs", "-C", preload, "-cf", layerPreload, "var"], { timeoutMs: 600_000 });

  const ref = `nodrop.local/kind-node:${nodeImageKey()}`;
  await step(`node image ${ref}`, async () => {
    await buildImageArchive(
      {
        name: ref,
        files: [],
        baseLayers: [layerRoot, layerPreload],
        entrypoint: ["/usr/local/bin/entrypoint", "/sbin/init"],
        env: ["container=docker"],
        stopSignal: "SIGRTMIN+3",
        labels: { "nodrop.io/kubernetes": k8s, "nodrop.io/etcd": etcdTag },
      },
      archive,
    );
  });
  return { archive, ref, etcdTag };
}

const KUBE_PROXY_WRAPPER = `#!/bin/sh
# nodrop: pick the iptables backend holding the kubelet's KUBE-IPTABLES-HINT chain, then run kube-proxy.
mode=nft
if iptables-legacy-save -t mangle 2>/dev/null | grep -q KUBE-IPTABLES-HINT; then mode=legacy; fi
if iptables-nft-save -t mangle 2>/dev/null | grep -q KUBE-IPTABLES-HINT; then mode=nft; fi
update-alternatives --set iptables /usr/sbin/iptables-$mode >/dev/null
update-alternatives --set ip6tables /usr/sbin/ip6tables-$mode >/dev/null
exec /usr/local/bin/kube-proxy.bin "$@"
`;

/** containerd 1.6 (config version 2) as kind's base configures 2.x. */
export function nodeContainerdConfig(pauseImage: string): string {
  const cri = `plugins."io.containerd.grpc.v1.cri"`;
  return `# Written by nodrop's kind node image (harness/cluster/kind/node-image.ts).
version = 2

[${cri}]
  sandbox_image = "${pauseImage}"
  tolerate_missing_hugepages_controller = true
  # The node runs in a container whose own oom_score_adj bounds its children's.
  restrict_oom_score_adj = true

[${cri}.containerd]
  snapshotter = "overlayfs"
  default_runtime_name = "runc"

[${cri}.containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"
  base_runtime_spec = "/etc/containerd/cri-base.json"
  [${cri}.containerd.runtimes.runc.options]
    SystemdCgroup = true

[${cri}.cni]
  bin_dir = "/opt/cni/bin"
  conf_dir = "/etc/cni/net.d"
`;
}
