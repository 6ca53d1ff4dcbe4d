// The local cluster's bring-up, step by step: host network (modules, sysctls,
// the node's address, the pods' egress rule, the cgroup root), certificates
// and configuration files, then each daemon started and waited on in turn
// until the node is Ready. Every change is recorded first (local-record.ts),
// so local-down.ts removes exactly what was made.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { run } from "../exec.ts";
import { httpGet } from "../http.ts";
import { buildPauseImage } from "../images/app-image.ts";
import { log, step } from "../log.ts";
import { toolPaths } from "../tools.ts";
import { containerdToml, cniConflist, kubeconfig, kubeletConfig, kubeProxyConfig, LOCAL, RESOLV_CONF, type LocalPaths } from "./local-config.ts";
import { type ComponentSpec, ctr, importImage, nodeReady, spawnDaemon, waitHealthy } from "./local-daemons.ts";
import { ensureNetnsMountPoint, prepareCgroupRoot, setSysctls, snapshotChains } from "./local-host.ts";
import { type LocalRecord, RECORD, RUN_DIR } from "./local-record.ts";
import { createPki } from "./pki.ts";

/** Brings the cluster up in the folders of `p`; the admin kubeconfig is `kubeconfigPath`. */
export async function bringUp(p: LocalPaths, kubeconfigPath: string): Promise<void> {
  const t = toolPaths();
  const kbin = (b: string) => join(t.kubernetesBin, b);
  await mkdir(p.logs, { recursive: true });
  await mkdir(RUN_DIR, { recursive: true });
  await mkdir(p.cniConfDir, { recursive: true });
  await mkdir(join(p.dir, "containerd"), { recursive: true });
  const record: LocalRecord = { dir: p.dir, pids: {} };
  const saveRecord = () => writeFile(RECORD, JSON.stringify(record, null, 2));
  await saveRecord();

  await step("host network: modules, sysctls, node address", async () => {
    for (const m of ["br_netfilter", "overlay"]) await run(["modprobe", m], { reject: false });
    // Recorded first: teardown removes only chains that were not there before.
    record.chainsBefore = await snapshotChains();
    record.sysctls = await setSysctls(
      { "net/ipv4/ip_forward": "1", "net/bridge/bridge-nf-call-iptables": "1", "net/ipv4/conf/all/route_localnet": "1" },
      (m) => log.warn(m),
    );
    await saveRecord();
    // A bridge with no ports: these kernels have no dummy driver.
    record.links = [LOCAL.dummyIf, LOCAL.bridge];
    await saveRecord();
    await run(["ip", "link", "add", LOCAL.dummyIf, "type", "bridge"]);
    await run(["ip", "addr", "add", `${LOCAL.nodeIp}/32`, "dev", LOCAL.dummyIf]);
    await run(["ip", "link", "set", LOCAL.dummyIf, "up"]);
    // Pods may talk to each other and to this machine, never beyond it.
    await run(["iptables", "-w", "-N", LOCAL.egressChain]);
    await run(["iptables", "-w", "-A", LOCAL.egressChain, "-d", LOCAL.clusterCidr, "-j", "RETURN"]);
    await run(["iptables", "-w", "-A", LOCAL.egressChain, "-j", "REJECT"]);
    await run(["iptables", "-w", "-I", "FORWARD", "1", "-s", LOCAL.clusterCidr, "-j", LOCAL.egressChain]);
    // kubelet's cgroupRoot: every pod process lives below it, so teardown kills only those.
    await prepareCgroupRoot();
    await ensureNetnsMountPoint();
  });

  const pki = await step("certificates and kubeconfigs", async () => {
    const server = `https://${LOCAL.nodeIp}:${LOCAL.apiPort}`;
    const pki = await createPki(p.pki, [
      { name: "apiserver", cn: "kube-apiserver", usage: "server", sans: [`IP:${LOCAL.nodeIp}`, "IP:127.0.0.1", `IP:${LOCAL.serviceIp}`, "DNS:localhost", "DNS:kubernetes", "DNS:kubernetes.default", "DNS:kubernetes.default.svc", "DNS:kubernetes.default.svc.cluster.local"] },
      { name: "apiserver-kubelet-client", cn: "kube-apiserver-kubelet-client", org: "system:masters", usage: "client" },
      { name: "admin", cn: "nodrop-admin", org: "system:masters", usage: "client" },
      { name: "controller-manager", cn: "system:kube-controller-manager", usage: "client" },
      { name: "scheduler", cn: "system:kube-scheduler", usage: "client" },
      { name: "kube-proxy", cn: "system:kube-proxy", usage: "client" },
      { name: "kubelet", cn: `system:node:${LOCAL.nodeName}`, org: "system:nodes", usage: "client" },
      { name: "kubelet-serving", cn: LOCAL.nodeName, usage: "server", sans: [`IP:${LOCAL.nodeIp}`, `DNS:${LOCAL.nodeName}`] },
    ]);
    for (const [file, cert, user] of [
      ["admin.kubeconfig", "admin", "nodrop-admin"],
      ["controller-manager.kubeconfig", "controller-manager", "system:kube-controller-manager"],
      ["scheduler.kubeconfig", "scheduler", "system:kube-scheduler"],
      ["kube-proxy.kubeconfig", "kube-proxy", "system:kube-proxy"],
      ["kubelet.kubeconfig", "kubelet", `system:node:${LOCAL.nodeName}`],
    ] as const) {
      const c = pki.cert(cert);
      await writeFile(join(p.dir, file), kubeconfig({ server, caFile: pki.ca.crt, certFile: c.crt, keyFile: c.key, user }));
    }
    await writeFile(p.containerdConfig, containerdToml(p, t.versions.pauseImage));
    await writeFile(join(p.cniConfDir, "10-nodrop.conflist"), cniConflist(p));
    await writeFile(p.kubeletConfig, kubeletConfig(p));
    await writeFile(p.kubeProxyConfig, kubeProxyConfig(join(p.dir, "kube-proxy.kubeconfig")));
    await writeFile(p.resolvConf, RESOLV_CONF);
    return pki;
  });

  const start = async (c: ComponentSpec) => {
    record.pids[c.name] = spawnDaemon(p.logs, c);
    await saveRecord();
  };
  const tls = { ca: pki.ca.crt, cert: pki.cert("admin").crt, key: pki.cert("admin").key };

  await step("etcd", async () => {
    const url = `http://127.0.0.1:${LOCAL.etcdClientPort}`;
    const peer = `http://127.0.0.1:${LOCAL.etcdPeerPort}`;
    await start({
      name: "etcd",
      argv: ["/usr/bin/etcd", "--name", "nodrop", "--data-dir", join(p.dir, "etcd"), "--listen-client-urls", url, "--advertise-client-urls", url, "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", `nodrop=${peer}`, "--logger", "zap", "--log-outputs", "stderr"],
    });
    await waitHealthy(p.logs, "etcd", () => httpGet(`${url}/health`).then((r) => r.status === 200 && r.body.includes("true")), 60_000);
  });

  await step("kube-apiserver", async () => {
    await start({
      name: "kube-apiserver",
      argv: [
        kbin("kube-apiserver"),
        `--etcd-servers=http://127.0.0.1:${LOCAL.etcdClientPort}`,
        `--bind-address=${LOCAL.nodeIp}`,
        `--advertise-address=${LOCAL.nodeIp}`,
        `--secure-port=${LOCAL.apiPort}`,
        `--tls-cert-file=${pki.cert("apiserver").crt}`,
        `--tls-private-key-file=${pki.cert("apiserver").key}`,
        `--client-ca-file=${pki.ca.crt}`,
        `--kubelet-client-certificate=${pki.cert("apiserver-kubelet-client").crt}`,
        `--kubelet-client-key=${pki.cert("apiserver-kubelet-client").key}`,
        // The node's Hostname address (nodrop-local) resolves nowhere: reach the
        // kubelet (logs, exec) at its InternalIP, or every pod log is "unavailable".
        "--kubelet-preferred-address-types=InternalIP,Hostname",
        `--service-account-key-file=${pki.saPub}`,
        `--service-account-signing-key-file=${pki.saKey}`,
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        `--service-cluster-ip-range=${LOCAL.serviceCidr}`,
        "--authorization-mode=Node,RBAC",
        "--allow-privileged=false",
        "--profiling=false",
        `--cert-dir=${join(p.dir, "apiserver-certs")}`,
        "--v=1",
      ],
    });
    await waitHealthy(p.logs, "kube-apiserver", () => httpGet(`https://${LOCAL.nodeIp}:${LOCAL.apiPort}/readyz`, { tls }).then((r) => r.status === 200), 120_000);
  });

  await step("kube-controller-manager and kube-scheduler", async () => {
    const cm = join(p.dir, "controller-manager.kubeconfig");
    const sc = join(p.dir, "scheduler.kubeconfig");
    await start({
      name: "kube-controller-manager",
      argv: [kbin("kube-controller-manager"), `--kubeconfig=${cm}`, `--authentication-kubeconfig=${cm}`, `--authorization-kubeconfig=${cm}`, `--service-account-private-key-file=${pki.saKey}`, `--root-ca-file=${pki.ca.crt}`, "--use-service-account-credentials=true", "--leader-elect=false", "--bind-address=127.0.0.1", `--secure-port=${LOCAL.controllerManagerPort}`, "--v=1"],
    });
    await start({
      name: "kube-scheduler",
      argv: [kbin("kube-scheduler"), `--kubeconfig=${sc}`, `--authentication-kubeconfig=${sc}`, `--authorization-kubeconfig=${sc}`, "--leader-elect=false", "--bind-address=127.0.0.1", `--secure-port=${LOCAL.schedulerPort}`, "--v=1"],
    });
    await waitHealthy(p.logs, "kube-controller-manager", () => httpGet(`https://127.0.0.1:${LOCAL.controllerManagerPort}/healthz`, { tls: { insecure: true } }).then((r) => r.status === 200), 60_000);
    await waitHealthy(p.logs, "kube-scheduler", () => httpGet(`https://127.0.0.1:${LOCAL.schedulerPort}/healthz`, { tls: { insecure: true } }).then((r) => r.status === 200), 60_000);
  });

  await step("containerd", async () => {
    await start({ name: "containerd", argv: ["/usr/bin/containerd", "--config", p.containerdConfig] });
    await waitHealthy(p.logs, "containerd", async () => (await ctr(p.containerdSock, ["version"], false)).exitCode === 0, 60_000);
  });

  await step(`sandbox image ${t.versions.pauseImage} (compiled locally, imported)`, async () => {
    const archive = join(p.dir, "pause.tar");
    await buildPauseImage(t.pause, t.versions.pauseImage, archive);
    await importImage(p.containerdSock, archive, t.versions.pauseImage);
  });

  await step("kubelet", async () => {
    await start({
      name: "kubelet",
      argv: [kbin("kubelet"), `--config=${p.kubeletConfig}`, `--kubeconfig=${join(p.dir, "kubelet.kubeconfig")}`, `--root-dir=${join(p.dir, "kubelet")}`, `--cert-dir=${join(p.dir, "kubelet-pki")}`, `--hostname-override=${LOCAL.nodeName}`, `--node-ip=${LOCAL.nodeIp}`, "--v=1"],
    });
    await waitHealthy(p.logs, "kubelet", () => httpGet(`http://127.0.0.1:${LOCAL.kubeletHealthzPort}/healthz`).then((r) => r.status === 200), 90_000);
  });

  await step("kube-proxy (iptables mode)", async () => {
    await start({ name: "kube-proxy", argv: [kbin("kube-proxy"), `--config=${p.kubeProxyConfig}`, "--v=1"] });
    await waitHealthy(p.logs, "kube-proxy", () => httpGet(`http://127.0.0.1:${LOCAL.proxyHealthzPort}/healthz`).then((r) => r.status === 200), 60_000);
  });

  await step(`node ${LOCAL.nodeName} Ready`, async () => {
    await waitHealthy(p.logs, "node Ready", () => nodeReady(kubeconfigPath), 120_000, "kubelet");
  });
}
