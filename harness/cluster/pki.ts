// Certificates and keys for the local cluster, made with the openssl CLI
// (EC P-256 keys: fast to generate). Everything lives in the cluster's state
// directory and is thrown away by `cluster down`.
import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { run } from "../exec.ts";

export interface CertSpec {
  name: string;
  cn: string;
  org?: string;
  /** subjectAltNames, e.g. ["IP:10.200.255.1", "DNS:localhost"] */
  sans?: string[];
  usage: "server" | "client" | "both";
}

export interface Pki {
  dir: string;
  ca: { crt: string; key: string };
  cert(name: string): { crt: string; key: string };
  saKey: string;
  saPub: string;
}

const DAYS = "3650";

export async function createPki(dir: string, certs: CertSpec[]): Promise<Pki> {
  await mkdir(dir, { recursive: true });
  const p = (f: string) => join(dir, f);
  const ecKey = (out: string) => run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", out]);

  await ecKey(p("ca.key"));
  await run(["openssl", "req", "-x509", "-new", "-key", p("ca.key"), "-days", DAYS, "-subj", "/CN=nodrop-local-ca", "-out", p("ca.crt")]);

  // Service-account tokens are signed with RSA (RS256 is what the apiserver expects by default).
  await run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", p("sa.key")]);
  await run(["openssl", "pkey", "-in", p("sa.key"), "-pubout", "-out", p("sa.pub")]);

  await Promise.all(
    certs.map(async (c) => {
      const key = p(`${c.name}.key`);
      const csr = p(`${c.name}.csr`);
      const ext = p(`${c.name}.ext`);
      await ecKey(key);
      const subj = `/CN=${c.cn}${c.org ? `/O=${c.org}` : ""}`;
      await run(["openssl", "req", "-new", "-key", key, "-subj", subj, "-out", csr]);
      const eku = c.usage === "server" ? "serverAuth" : c.usage === "client" ? "clientAuth" : "serverAuth,clientAuth";
      const lines = ["basicConstraints=CA:FALSE", "keyUsage=critical,digitalSignature,keyEncipherment", `extendedKeyUsage=${eku}`];
      if (c.sans?.length) lines.push(`subjectAltName=${c.sans.join(",")}`);
      await writeFile(ext, lines.join("\n") + "\n");
      await run(["openssl", "x509", "-req", "-in", csr, "-CA", p("ca.crt"), "-CAkey", p("ca.key"), "-set_serial", `0x${randomBytes(8).toString("hex")}`, "-days", DAYS, "-extfile", ext, "-out", p(`${c.name}.crt`)]);
    }),
  );

  return {
    dir,
    ca: { crt: p("ca.crt"), key: p("ca.key") },
    cert: (name) => ({ crt: p(`${name}.crt`), key: p(`${name}.key`) }),
    saKey: p("sa.key"),
    saPub: p("sa.pub"),
  };
}
