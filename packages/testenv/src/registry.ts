import { spawn } from "node:child_process";
import { createHash, createPrivateKey, createPublicKey, randomUUID, sign } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, request, type Server } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureBinaries, type Progress } from "./binaries.ts";
import { freePort } from "./control-plane.ts";
import { generatePki } from "./pki.ts";

/** A real OCI registry (CNCF distribution) on loopback with TLS and token auth, for tests. */
export interface Registry {
  /** `127.0.0.1:<port>`: the registry part of image references. */
  host: string;
  /** PEM of the CA that signed the registry's (and the token server's) serving certificate. */
  caCert: string;
  /** Credentials that may pull and push (when started with `auth`). */
  username: string;
  password: string;
  /**
   * Pushes a small image (a config blob, one layer, an OCI manifest) as `<repository>:<tag>`;
   * `content` makes it differ from others. Returns the manifest digest.
   */
  pushImage(repository: string, tag: string, content?: string): Promise<string>;
  /** Pushes an OCI index over the given manifest digests (a multi-arch image). Returns its digest. */
  pushIndex(repository: string, tag: string, manifests: readonly string[]): Promise<string>;
  /** Stops the registry (and the token server): later requests fail with ECONNREFUSED. */
  stop(): Promise<void>;
}

export interface RegistryOptions {
  /** Token auth (a bearer token server as docker.io and ghcr.io have): pulls need the credentials. */
  auth?: boolean;
  progress?: Progress;
}

const SERVICE = "testenv-registry";
const ISSUER = "testenv-token-issuer";

const base64url = (data: Buffer | string): string => Buffer.from(data).toString("base64url");
const sha256 = (data: Buffer | string): string => `sha256:${createHash("sha256").update(data).digest("hex")}`;

/** RFC 7638 thumbprint of an EC public key, as distribution computes it (big-endian, leading zeros dropped). */
function ecThumbprint(jwk: { crv?: string; x?: string; y?: string }): string {
  const trim = (b64: string): string => {
    const bytes = Buffer.from(b64, "base64url");
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0) start++;
    return base64url(bytes.subarray(start));
  };
  const json = `{"crv":"${jwk.crv ?? ""}","kty":"EC","x":"${trim(jwk.x ?? "")}","y":"${trim(jwk.y ?? "")}"}`;
  return base64url(createHash("sha256").update(json).digest());
}

export async function startRegistry(options: RegistryOptions = {}): Promise<Registry> {
  const progress = options.progress ?? ((line: string) => process.stderr.write(`testenv: ${line}\n`));
  const { registry: binary } = await ensureBinaries(["registry"], { progress });
  const dir = await mkdtemp(join(tmpdir(), "testenv-registry-"));
  const pki = await generatePki(dir);
  const caCert = await readFile(pki.caCert, "utf8");
  const signingKey = createPrivateKey(await readFile(pki.caKey));
  const kid = ecThumbprint(createPublicKey(signingKey).export({ format: "jwk" }));
  const username = "testenv";
  const password = randomUUID();
  const [port, tokenPort] = [await freePort(), await freePort()];
  const host = `127.0.0.1:${port}`;

  const issue = (scope: string | null, subject: string): string => {
    const now = Math.floor(Date.now() / 1000);
    const access = (scope ?? "")
      .split(" ")
      .filter(Boolean)
      .map((s) => {
        // `type:name:actions`; a name may hold a colon (a registry host with a port).
        const [, type, name, actions] = /^([^:]+):(.+):([^:]+)$/.exec(s) ?? [];
        return { type, name, actions: (actions ?? "").split(",") };
      });
    const header = base64url(JSON.stringify({ alg: "ES256", typ: "JWT", kid }));
    const claims = base64url(
      JSON.stringify({
        iss: ISSUER,
        sub: subject,
        aud: SERVICE,
        exp: now + 300,
        nbf: now - 10,
        iat: now,
        jti: randomUUID(),
        access,
      }),
    );
    const signature = sign("sha256", Buffer.from(`${header}.${claims}`), {
      key: signingKey,
      dsaEncoding: "ieee-p1363",
    });
    return `${header}.${claims}.${base64url(signature)}`;
  };

  let tokenServer: Server | undefined;
  if (options.auth) {
    const [cert, key] = await Promise.all([readFile(pki.servingCert), readFile(pki.servingKey)]);
    tokenServer = createServer({ cert, key }, (req, res) => {
      const url = new URL(req.url ?? "/", `https://127.0.0.1:${tokenPort}`);
      const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? "")?.[1];
      const [user, pass] = basic ? Buffer.from(basic, "base64").toString().split(":") : [];
      if (user !== username || pass !== password) {
        res.writeHead(401, { "content-type": "application/json" });
        res.end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }));
        return;
      }
      const token = issue(url.searchParams.get("scope"), user);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ token, access_token: token, expires_in: 300 }));
    });
    await new Promise<void>((resolve) => tokenServer!.listen(tokenPort, "127.0.0.1", resolve));
  }

  const config = {
    version: 0.1,
    log: { level: "warn" },
    storage: { filesystem: { rootdirectory: join(dir, "data") }, delete: { enabled: true } },
    http: { addr: host, tls: { certificate: pki.servingCert, key: pki.servingKey } },
    ...(options.auth
      ? {
          auth: {
            token: {
              realm: `https://127.0.0.1:${tokenPort}/token`,
              service: SERVICE,
              issuer: ISSUER,
              rootcertbundle: pki.caCert,
            },
          },
        }
      : {}),
  };
  const configPath = join(dir, "config.json");
  await writeFile(configPath, JSON.stringify(config));
  const logs: string[] = [];
  const child = spawn(binary, ["serve", configPath], { stdio: ["ignore", "pipe", "pipe"] });
  const keep = (c: Buffer) => {
    logs.push(...c.toString().split("\n").filter(Boolean));
    if (logs.length > 50) logs.splice(0, logs.length - 50);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  /** One request to the registry, with a token of its own when auth is on. */
  const call = async (
    method: string,
    path: string,
    body?: Buffer | string,
    headers: Record<string, string> = {},
    scope?: string,
  ): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> => {
    const auth = options.auth && scope ? { authorization: `Bearer ${issue(scope, username)}` } : {};
    return new Promise((resolve, reject) => {
      const req = request(
        { host: "127.0.0.1", port, method, path, ca: caCert, headers: { ...headers, ...auth } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
          );
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  };

  const deadline = Date.now() + 20_000;
  for (;;) {
    const up = await call("GET", "/v2/").then(
      () => true,
      () => false,
    );
    if (up) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      await rm(dir, { recursive: true, force: true });
      throw new Error(`cannot start the registry on ${host}: ${logs.slice(-10).join("\n")}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  const uploadBlob = async (repository: string, data: Buffer | string): Promise<string> => {
    const digest = sha256(data);
    const scope = `repository:${repository}:pull,push`;
    const started = await call("POST", `/v2/${repository}/blobs/uploads/`, undefined, {}, scope);
    const location = started.headers.location;
    if (started.status !== 202 || typeof location !== "string")
      throw new Error(
        `cannot start a blob upload to ${repository}: HTTP ${started.status} ${started.body.toString()}`,
      );
    const url = new URL(location, `https://${host}`);
    url.searchParams.set("digest", digest);
    const put = await call(
      "PUT",
      `${url.pathname}${url.search}`,
      data,
      { "content-type": "application/octet-stream" },
      scope,
    );
    if (put.status !== 201)
      throw new Error(`cannot upload a blob to ${repository}: HTTP ${put.status} ${put.body.toString()}`);
    return digest;
  };
  const putManifest = async (
    repository: string,
    tag: string,
    mediaType: string,
    manifest: object,
  ): Promise<string> => {
    const body = JSON.stringify(manifest);
    const res = await call(
      "PUT",
      `/v2/${repository}/manifests/${tag}`,
      body,
      { "content-type": mediaType },
      `repository:${repository}:pull,push`,
    );
    if (res.status !== 201)
      throw new Error(`cannot push ${repository}:${tag}: HTTP ${res.status} ${res.body.toString()}`);
    return sha256(body);
  };

  return {
    host,
    caCert,
    username,
    password,
    pushImage: async (repository, tag, content = `${repository}:${tag}`) => {
      const config = JSON.stringify({
        architecture: "amd64",
        os: "linux",
        rootfs: { type: "layers", diff_ids: [] },
        config: { Labels: { content } },
      });
      const layer = Buffer.from(content);
      const [configDigest, layerDigest] = [
        await uploadBlob(repository, config),
        await uploadBlob(repository, layer),
      ];
      return putManifest(repository, tag, "application/vnd.oci.image.manifest.v1+json", {
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: {
          mediaType: "application/vnd.oci.image.config.v1+json",
          digest: configDigest,
          size: Buffer.byteLength(config),
        },
        layers: [
          { mediaType: "application/vnd.oci.image.layer.v1.tar", digest: layerDigest, size: layer.length },
        ],
      });
    },
    pushIndex: async (repository, tag, manifests) => {
      const entries = [];
      for (const [i, digest] of manifests.entries()) {
        const got = await call(
          "GET",
          `/v2/${repository}/manifests/${digest}`,
          undefined,
          { accept: "application/vnd.oci.image.manifest.v1+json" },
          `repository:${repository}:pull`,
        );
        if (got.status !== 200) throw new Error(`cannot read ${repository}@${digest}: HTTP ${got.status}`);
        entries.push({
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          digest,
          size: got.body.length,
          platform: { architecture: ["amd64", "arm64", "s390x"][i % 3], os: "linux" },
        });
      }
      return putManifest(repository, tag, "application/vnd.oci.image.index.v1+json", {
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.index.v1+json",
        manifests: entries,
      });
    },
    stop: async () => {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
      await new Promise<void>((resolve) => (tokenServer ? tokenServer.close(() => resolve()) : resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
