import {
  ANNOTATION_RUNTIME_CONFIG,
  FINALIZER_RUNTIME_CONFIG_IN_USE,
  RUNTIME_API_VERSION,
  RUNTIME_CONFIG_KIND,
  type Provider,
  type ProviderKind,
  type ProviderRuntimeConfig,
} from "@openmcp-ts/contract";
import type { RuntimeConfigLayer, RuntimeConfigLayers } from "@openmcp-ts/render";
import {
  ApiError,
  Informer,
  WorkQueue,
  type CachedObject,
  type KubeClient,
  type Logger,
} from "@openmcp-ts/kube";

type Config = CachedObject & ProviderRuntimeConfig;
type ProviderRef = { kind: ProviderKind; name: string };

/** How many users a config's status lists by name. */
const MAX_USED_BY = 20;

export interface RuntimeConfigsOptions {
  /** `--default-runtime-config`: the config of providers without the annotation. */
  defaultName?: string | undefined;
  /** Every provider the operator knows, for the config → users mapping. */
  listProviders: () => { kind: ProviderKind; provider: Provider }[];
  /** Called with each provider whose pods a config event may change. */
  enqueueProvider: (kind: ProviderKind, name: string) => void;
}

/** The name of the config a provider uses: its annotation, else the operator's default. */
export function runtimeConfigName(provider: Provider, defaultName: string | undefined): string | undefined {
  const named = provider.metadata.annotations?.[ANNOTATION_RUNTIME_CONFIG]?.trim();
  return named ? named : defaultName || undefined;
}

/**
 * ProviderRuntimeConfigs in the shell: a cache of them, the layers that apply to a provider, the
 * config → users mapping that re-queues only a config's users, and the in-use finalizer and status
 * of each config (ADR 0013). Works without the CRD (the reference's CRDs): then no config exists.
 */
export class RuntimeConfigs {
  private readonly informer: Informer<Config>;
  private queue: WorkQueue | undefined;
  private crdMissing = false;
  /** Which config each provider used when last seen, so a switch re-counts the old one too. */
  private readonly lastUsed = new Map<string, string>();

  private readonly client: KubeClient;
  private readonly log: Logger;
  private readonly options: RuntimeConfigsOptions;

  constructor(client: KubeClient, log: Logger, options: RuntimeConfigsOptions) {
    this.client = client;
    this.log = log;
    this.options = options;
    let notFound: (() => void) | undefined;
    this.missing = new Promise<void>((resolve) => (notFound = resolve));
    this.informer = new Informer<Config>(
      client,
      { apiVersion: RUNTIME_API_VERSION, kind: RUNTIME_CONFIG_KIND },
      {
        onEvent: (_type, config) => this.onConfigEvent(config.metadata.name!),
        onError: (err) => {
          if (err instanceof ApiError && err.code === 404) {
            if (!this.crdMissing)
              this.log.info("the ProviderRuntimeConfig CRD is not installed: no runtime configs");
            this.crdMissing = true;
            notFound?.();
            return;
          }
          this.log.error("watch failed, retrying", { resource: RUNTIME_CONFIG_KIND, error: err.message });
        },
      },
    );
  }

  private readonly missing: Promise<void>;

  /** Resolves once the configs are listed, or it is known that their CRD is not installed. */
  async start(): Promise<void> {
    await Promise.race([this.informer.start(), this.missing]);
  }

  async stop(): Promise<void> {
    await this.stopWorkers();
    await this.informer.stop();
  }

  /** The in-use bookkeeping writes, so it runs on the leader only, as the provider workers do. */
  startWorkers(): void {
    if (this.queue) return;
    this.queue = new WorkQueue({
      workers: 1,
      process: (name) => this.reconcileConfig(name),
      onError: (name, err, retryInMs) =>
        this.log.error("runtime config bookkeeping failed", { config: name, error: String(err), retryInMs }),
    });
    for (const c of this.informer.list()) this.queue.add(c.metadata.name!);
  }

  /** Resolves when the bookkeeping pass in flight has finished (ADR 0011). */
  stopWorkers(): Promise<void> {
    const queue = this.queue;
    this.queue = undefined;
    return queue ? queue.stop() : Promise.resolve();
  }

  async idle(): Promise<void> {
    await this.queue?.idle();
  }

  /**
   * The layers for one provider, or why there are none: a config it names (or the default names)
   * that does not exist. Nothing is rendered then, so nothing changes until it exists.
   */
  layersFor(provider: Provider): { layers: RuntimeConfigLayers } | { missing: string } {
    const named = provider.metadata.annotations?.[ANNOTATION_RUNTIME_CONFIG]?.trim() || undefined;
    const fallbackName = this.options.defaultName || undefined;
    const layers: RuntimeConfigLayers = {};
    if (named !== undefined) {
      const config = this.layer(named);
      if (config === undefined)
        return {
          missing: `ProviderRuntimeConfig "${named}" (annotation ${ANNOTATION_RUNTIME_CONFIG}) ${this.absence()}: nothing is applied until it exists, the running objects stay as they are`,
        };
      layers.referenced = config;
    }
    if (fallbackName !== undefined && fallbackName !== named) {
      const config = this.layer(fallbackName);
      if (config === undefined)
        return {
          missing: `ProviderRuntimeConfig "${fallbackName}" (the operator's --default-runtime-config) ${this.absence()}: nothing is applied until it exists, the running objects stay as they are`,
        };
      layers.fallback = config;
    }
    return { layers };
  }

  /** A provider changed: the configs it used and uses now get their users counted again. */
  providerChanged(kind: ProviderKind, provider: Provider | undefined, name: string): void {
    const key = `${kind}/${name}`;
    const before = this.lastUsed.get(key);
    const now =
      provider && !provider.metadata.deletionTimestamp
        ? runtimeConfigName(provider, this.options.defaultName)
        : undefined;
    if (now === undefined) this.lastUsed.delete(key);
    else this.lastUsed.set(key, now);
    if (before !== undefined && before !== now) this.queue?.add(before);
    if (now !== undefined && before !== now) this.queue?.add(now);
  }

  private absence(): string {
    return this.crdMissing
      ? "cannot exist: its CRD is not installed (run openmcp-operator init)"
      : "does not exist";
  }

  private layer(name: string): RuntimeConfigLayer | undefined {
    const config = this.informer.get(name);
    return config === undefined ? undefined : { name, spec: config.spec ?? {} };
  }

  private users(name: string): ProviderRef[] {
    return this.options
      .listProviders()
      .filter(
        ({ provider }) =>
          !provider.metadata.deletionTimestamp &&
          runtimeConfigName(provider, this.options.defaultName) === name,
      )
      .map(({ kind, provider }) => ({ kind, name: provider.metadata.name! }))
      .sort((a, b) => `${a.kind}/${a.name}`.localeCompare(`${b.kind}/${b.name}`));
  }

  /** Only the config's users are queued: a provider that does not use it is not even looked at. */
  private onConfigEvent(name: string): void {
    for (const user of this.users(name)) this.options.enqueueProvider(user.kind, user.name);
    this.queue?.add(name);
  }

  /**
   * While providers use a config, it carries the in-use finalizer, so its deletion waits (and
   * `status.users` and `usedBy` say for whom) until none does; then the finalizer goes.
   */
  private async reconcileConfig(name: string): Promise<undefined> {
    const config = this.informer.get(name);
    if (config === undefined) return undefined;
    const users = this.users(name);
    const ref = { apiVersion: RUNTIME_API_VERSION, kind: RUNTIME_CONFIG_KIND, name };
    const finalizers = config.metadata.finalizers ?? [];
    const has = finalizers.includes(FINALIZER_RUNTIME_CONFIG_IN_USE);
    const want = users.length > 0;
    try {
      if (has !== want) {
        const next = want
          ? [...finalizers, FINALIZER_RUNTIME_CONFIG_IN_USE]
          : finalizers.filter((f) => f !== FINALIZER_RUNTIME_CONFIG_IN_USE);
        await this.client.patch(ref, "merge", {
          metadata: { finalizers: next, resourceVersion: config.metadata.resourceVersion },
        });
        this.log.info(
          want ? "runtime config in use: deletion waits for its users" : "runtime config unused",
          {
            config: name,
            users: users.length,
          },
        );
      }
      const usedBy = users.slice(0, MAX_USED_BY).map((u) => `${u.kind}/${u.name}`);
      const status = config.status;
      if (status?.users !== users.length || JSON.stringify(status.usedBy ?? []) !== JSON.stringify(usedBy)) {
        await this.client.patch(
          ref,
          "merge",
          { status: { users: users.length, usedBy } },
          { subresource: "status" },
        );
      }
    } catch (err) {
      // Deleted meanwhile, or our copy was stale (409): the informer's next event brings it back here.
      if (err instanceof ApiError && (err.code === 404 || err.code === 409)) return undefined;
      throw err;
    }
    return undefined;
  }
}
