import { ANNOTATION_OPERATION, OPERATION_RECONCILE, type Provider } from "@openmcp-ts/contract";
import {
  credentialsFromDockerConfig,
  resolveImageDigest,
  type KubeClient,
  type Logger,
  type RegistryCredentials,
} from "@openmcp-ts/kube";

export interface ImageDigestOptions {
  namespace: string;
  /** Resolve again after this long (a moved tag is picked up); 0: only on a spec change or `reconcile`. */
  intervalMs: number;
  /** Extra trusted CA certificates (PEM) for private registries. */
  registryCa?: string | undefined;
  /** How soon a failed resolution is tried again. */
  retryMs?: number;
}

/** What a pass deploys: `image` (digest, or the tag while resolution fails) and why it failed, if it did. */
export interface ImageResolution {
  tag: string;
  image: string;
  error?: string;
  /** When the shell should look again (interval or retry). */
  recheckInMs?: number;
}

interface Entry {
  tag: string;
  /** The last good digest reference for `tag`, kept through failures. */
  image?: string;
  error?: string;
  at: number;
}

/**
 * Tag → digest resolution for providers (issue 20): resolves `spec.image` through the registry with
 * the provider's pull secrets, remembers the answer per provider, and resolves again when the tag
 * changes, when `openmcp.cloud/operation: reconcile` is set, after the interval, or (on failure)
 * after a retry delay. A failure never stops a provider: the last good digest, else the tag, is
 * deployed and the error is reported.
 */
export class ImageDigests {
  private readonly entries = new Map<string, Entry>();
  private readonly client: KubeClient;
  private readonly log: Logger;
  private readonly options: ImageDigestOptions;
  /** Registry requests made, for metrics and benchmarks. */
  requests = 0;

  constructor(client: KubeClient, log: Logger, options: ImageDigestOptions) {
    this.client = client;
    this.log = log;
    this.options = options;
  }

  /** Undefined when there is nothing to resolve: the image is given by digest. */
  async resolve(key: string, provider: Provider, now = Date.now()): Promise<ImageResolution | undefined> {
    const tag = provider.spec?.image ?? "";
    if (tag === "" || tag.includes("@")) {
      this.entries.delete(key);
      return undefined;
    }
    const retryMs = this.options.retryMs ?? 30_000;
    const entry = this.entries.get(key);
    const requested = provider.metadata.annotations?.[ANNOTATION_OPERATION] === OPERATION_RECONCILE;
    const due =
      entry === undefined ||
      entry.tag !== tag ||
      requested ||
      (entry.error !== undefined && now - entry.at >= retryMs) ||
      (this.options.intervalMs > 0 && now - entry.at >= this.options.intervalMs);
    let current = entry?.tag === tag ? entry : undefined;
    if (due) {
      try {
        const resolved = await resolveImageDigest(tag, {
          credentials: (registry) => this.pullCredentials(provider, registry),
          ...(this.options.registryCa ? { ca: this.options.registryCa } : {}),
          onRequest: () => this.requests++,
        });
        if (current?.image !== undefined && current.image !== resolved.image)
          this.log.info("image tag moved", { provider: key, tag, from: current.image, to: resolved.image });
        current = { tag, image: resolved.image, at: now };
      } catch (err) {
        const error = (err as Error).message;
        if (current?.error !== error) this.log.error("cannot resolve image", { provider: key, error });
        current = { tag, ...(current?.image ? { image: current.image } : {}), error, at: now };
      }
      this.entries.set(key, current);
    }
    const entryNow = current!;
    const recheck = entryNow.error !== undefined ? retryMs : this.options.intervalMs;
    const elapsed = now - entryNow.at;
    return {
      tag,
      image: entryNow.image ?? tag,
      ...(entryNow.error === undefined ? {} : { error: entryNow.error }),
      ...(recheck > 0 ? { recheckInMs: Math.max(recheck - elapsed, 0) } : {}),
    };
  }

  forget(key: string): void {
    this.entries.delete(key);
  }

  /** The credentials for `registry` in the provider's pull secrets (`kubernetes.io/dockerconfigjson`), first match. */
  private async pullCredentials(
    provider: Provider,
    registry: string,
  ): Promise<RegistryCredentials | undefined> {
    for (const { name } of provider.spec?.imagePullSecrets ?? []) {
      if (!name) continue;
      const secret = await this.client.find<{ data?: Record<string, string> }>({
        apiVersion: "v1",
        kind: "Secret",
        namespace: this.options.namespace,
        name,
      });
      const config = secret?.data?.[".dockerconfigjson"];
      if (config === undefined) continue;
      const creds = credentialsFromDockerConfig(Buffer.from(config, "base64").toString(), registry);
      if (creds) return creds;
    }
    return undefined;
  }
}
