import { createHash } from "node:crypto";
import { request } from "node:https";

/** Credentials for one registry, as a pull secret holds them. */
export interface RegistryCredentials {
  username: string;
  password: string;
}

export interface ResolveImageOptions {
  /**
   * Credentials for a registry host (`ghcr.io`, `127.0.0.1:5000`, `docker.io`), e.g. from the
   * provider's pull secrets; asked only when the registry answers 401.
   */
  credentials?: (
    registry: string,
  ) => RegistryCredentials | undefined | Promise<RegistryCredentials | undefined>;
  /** Extra trusted CA certificates (PEM), e.g. a private registry's. */
  ca?: string;
  timeoutMs?: number;
  /** Counts each HTTP request (for cost measurements). */
  onRequest?: (method: string, url: string, status: number) => void;
}

export interface ResolvedImage {
  /** `sha256:…`: the manifest's digest (an index's own digest for a multi-arch image). */
  digest: string;
  /** `repository@sha256:…`, the reference to deploy. */
  image: string;
}

/** Why a tag could not be resolved; `kind` says whether retrying may help. */
export class ImageResolveError extends Error {
  readonly kind: "unauthorized" | "not-found" | "unreachable" | "invalid";
  constructor(message: string, kind: ImageResolveError["kind"], options?: ErrorOptions) {
    super(message, options);
    this.kind = kind;
  }
}

const MANIFEST_TYPES = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

const DOCKER_HUB = "registry-1.docker.io";

/** `[registry/]repository[:tag]` → where to ask: docker.io's defaults as the distribution reference has them. */
export function registryLocation(image: string): { registry: string; repository: string; tag: string } {
  const at = image.indexOf("@");
  const name = at === -1 ? image : image.slice(0, at);
  const lastSlash = name.lastIndexOf("/");
  const colon = name.indexOf(":", lastSlash + 1);
  const path = colon === -1 ? name : name.slice(0, colon);
  const tag = colon === -1 ? "latest" : name.slice(colon + 1);
  const first = path.split("/")[0] ?? "";
  const hasRegistry =
    path.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
  const registry = hasRegistry ? first : DOCKER_HUB;
  let repository = hasRegistry ? path.slice(first.length + 1) : path;
  if (registry === DOCKER_HUB && !repository.includes("/")) repository = `library/${repository}`;
  return { registry: registry === "docker.io" ? DOCKER_HUB : registry, repository, tag };
}

interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function httpRequest(
  method: string,
  url: URL,
  headers: Record<string, string>,
  options: ResolveImageOptions,
): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method, headers, ...(options.ca ? { ca: options.ca } : {}), timeout: options.timeoutMs ?? 10_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          options.onRequest?.(method, url.href, res.statusCode ?? 0);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${options.timeoutMs ?? 10_000} ms`)));
    req.on("error", reject);
    req.end();
  });
}

/** `Bearer realm="…",service="…",scope="…"` → its parameters. */
function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const scheme = header.split(" ", 1)[0] ?? "";
  const params: Record<string, string> = {};
  for (const m of header.slice(scheme.length).matchAll(/([a-zA-Z_]+)="([^"]*)"/g)) params[m[1]!] = m[2]!;
  return { scheme: scheme.toLowerCase(), params };
}

/**
 * Resolves an image tag to the digest its registry serves now, by the OCI distribution API:
 * `HEAD /v2/<repository>/manifests/<tag>` (a multi-arch index keeps its own digest), answering a
 * 401 with the bearer token flow (or basic auth) and the given credentials. An image given by
 * digest is returned as it is, without a request.
 */
export async function resolveImageDigest(
  image: string,
  options: ResolveImageOptions = {},
): Promise<ResolvedImage> {
  const at = image.indexOf("@");
  if (at !== -1) return { digest: image.slice(at + 1), image };
  const { registry, repository, tag } = registryLocation(image);
  const what = `cannot resolve image ${image}`;
  const manifestUrl = new URL(`https://${registry}/v2/${repository}/manifests/${tag}`);
  let credentials: RegistryCredentials | undefined;
  const ask = async (authorization?: string): Promise<HttpResponse> => {
    try {
      return await httpRequest(
        "HEAD",
        manifestUrl,
        { accept: MANIFEST_TYPES, ...(authorization ? { authorization } : {}) },
        options,
      );
    } catch (err) {
      throw new ImageResolveError(
        `${what}: registry ${registry} is unreachable: ${(err as Error).message}`,
        "unreachable",
        {
          cause: err,
        },
      );
    }
  };

  let authorization: string | undefined;
  let res = await ask();
  if (res.status === 401) {
    credentials = await options.credentials?.(registry === DOCKER_HUB ? "docker.io" : registry);
    const challenge = parseChallenge(String(res.headers["www-authenticate"] ?? ""));
    const basic = credentials
      ? `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")}`
      : undefined;
    if (challenge.scheme === "bearer" && challenge.params.realm) {
      const tokenUrl = new URL(challenge.params.realm);
      if (challenge.params.service) tokenUrl.searchParams.set("service", challenge.params.service);
      tokenUrl.searchParams.set("scope", challenge.params.scope ?? `repository:${repository}:pull`);
      let tokenRes: HttpResponse;
      try {
        tokenRes = await httpRequest("GET", tokenUrl, basic ? { authorization: basic } : {}, options);
      } catch (err) {
        throw new ImageResolveError(
          `${what}: the token server ${tokenUrl.origin} of registry ${registry} is unreachable: ${(err as Error).message}`,
          "unreachable",
          { cause: err },
        );
      }
      if (tokenRes.status !== 200) {
        throw new ImageResolveError(
          `${what}: registry ${registry} refused a token for ${repository} (HTTP ${tokenRes.status})${
            credentials
              ? " with the credentials of the pull secret"
              : ": no pull secret has credentials for it"
          }`,
          tokenRes.status === 401 || tokenRes.status === 403 ? "unauthorized" : "unreachable",
        );
      }
      const body = JSON.parse(tokenRes.body.toString()) as { token?: string; access_token?: string };
      const token = body.token ?? body.access_token;
      if (!token)
        throw new ImageResolveError(
          `${what}: the token server of ${registry} answered no token`,
          "unauthorized",
        );
      authorization = `Bearer ${token}`;
      res = await ask(authorization);
    } else if (challenge.scheme === "basic" && basic) {
      authorization = basic;
      res = await ask(authorization);
    }
  }
  if (res.status === 401 || res.status === 403) {
    throw new ImageResolveError(
      `${what}: registry ${registry} denies access to ${repository} (HTTP ${res.status})${
        credentials ? "" : ": no pull secret has credentials for it"
      }`,
      "unauthorized",
    );
  }
  if (res.status === 404) {
    throw new ImageResolveError(
      `${what}: registry ${registry} has no tag ${tag} of ${repository}`,
      "not-found",
    );
  }
  if (res.status !== 200) {
    throw new ImageResolveError(`${what}: registry ${registry} answered HTTP ${res.status}`, "unreachable");
  }
  let digest = res.headers["docker-content-digest"];
  if (typeof digest !== "string" || !/^sha256:[0-9a-f]{64}$/.test(digest)) {
    // Some registries leave the header out on HEAD: the digest is the hash of the manifest itself.
    const got = await httpRequest(
      "GET",
      manifestUrl,
      { accept: MANIFEST_TYPES, ...(authorization ? { authorization } : {}) },
      options,
    );
    digest = `sha256:${createHash("sha256").update(got.body).digest("hex")}`;
  }
  const name = image.slice(0, image.length - (image.endsWith(`:${tag}`) ? tag.length + 1 : 0));
  return { digest, image: `${name}@${digest}` };
}

/** The credentials for `registry` in a `.dockerconfigjson` (as `kubernetes.io/dockerconfigjson` Secrets hold it). */
export function credentialsFromDockerConfig(json: string, registry: string): RegistryCredentials | undefined {
  let parsed: { auths?: Record<string, { username?: string; password?: string; auth?: string }> };
  try {
    parsed = JSON.parse(json) as typeof parsed;
  } catch {
    return undefined;
  }
  const hostOf = (key: string) => key.replace(/^https?:\/\//, "").split("/")[0];
  for (const [key, entry] of Object.entries(parsed.auths ?? {})) {
    const host = hostOf(key);
    const matches = host === registry || (registry === "docker.io" && host === "index.docker.io");
    if (!matches) continue;
    if (entry.username !== undefined && entry.password !== undefined)
      return { username: entry.username, password: entry.password };
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, "base64").toString();
      const colon = decoded.indexOf(":");
      if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
  }
  return undefined;
}
