import { execFile } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

export interface Pki {
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  adminCert: string;
  adminKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
}

async function openssl(args: string[]): Promise<void> {
  try {
    await execFileAsync("openssl", args);
  } catch (err) {
    throw new Error(`cannot generate certificates with "openssl ${args[0]}": ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** A throw-away CA, an apiserver serving certificate for loopback, an admin client certificate and the service-account key pair. */
export async function generatePki(dir: string): Promise<Pki> {
  const p = (name: string): string => join(dir, name);
  const days = "3650";
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await openssl([
    "req",
    "-x509",
    ...ec,
    "-keyout",
    p("ca.key"),
    "-out",
    p("ca.crt"),
    "-days",
    days,
    "-subj",
    "/CN=openmcp-testenv-ca",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
  ]);
  const sans = [
    "DNS:localhost",
    "DNS:kubernetes",
    "DNS:kubernetes.default",
    "DNS:kubernetes.default.svc",
    "DNS:kubernetes.default.svc.cluster.local",
    "IP:127.0.0.1",
    "IP:10.0.0.1",
  ].join(",");
  await Promise.all([
    openssl([
      "req",
      "-x509",
      ...ec,
      "-keyout",
      p("apiserver.key"),
      "-out",
      p("apiserver.crt"),
      "-days",
      days,
      "-CA",
      p("ca.crt"),
      "-CAkey",
      p("ca.key"),
      "-subj",
      "/CN=kube-apiserver",
      "-addext",
      `subjectAltName=${sans}`,
      "-addext",
      "basicConstraints=critical,CA:FALSE",
      "-addext",
      "keyUsage=critical,digitalSignature,keyEncipherment",
      "-addext",
      "extendedKeyUsage=serverAuth",
    ]),
    openssl([
      "req",
      "-x509",
      ...ec,
      "-keyout",
      p("admin.key"),
      "-out",
      p("admin.crt"),
      "-days",
      days,
      "-CA",
      p("ca.crt"),
      "-CAkey",
      p("ca.key"),
      "-subj",
      "/O=system:masters/CN=testenv-admin",
      "-addext",
      "basicConstraints=critical,CA:FALSE",
      "-addext",
      "keyUsage=critical,digitalSignature,keyEncipherment",
      "-addext",
      "extendedKeyUsage=clientAuth",
    ]),
  ]);
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  await writeFile(p("sa.key"), privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
  await writeFile(p("sa.pub"), publicKey.export({ type: "spki", format: "pem" }));
  return {
    caCert: p("ca.crt"),
    caKey: p("ca.key"),
    servingCert: p("apiserver.crt"),
    servingKey: p("apiserver.key"),
    adminCert: p("admin.crt"),
    adminKey: p("admin.key"),
    serviceAccountKey: p("sa.key"),
    serviceAccountPub: p("sa.pub"),
  };
}
