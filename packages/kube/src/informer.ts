import type { KubeClient } from "./kube-client.ts";
import type { ObjectRef } from "./resource-path.ts";
import type { ManagedFieldsEntry } from "./upgrade-managed-fields.ts";

export interface CachedObject {
  apiVersion?: string;
  kind?: string;
  metadata: { name?: string; namespace?: string; resourceVersion?: string };
}

export type InformerEvent = "added" | "modified" | "deleted";

export interface InformerOptions<T> {
  labelSelector?: string;
  fieldSelector?: string;
  onEvent?: (type: InformerEvent, obj: T) => void;
  onError?: (err: Error) => void;
  /** Cache only metadata (PartialObjectMetadata), e.g. for Secrets whose data we must not hold. */
  metadataOnly?: boolean;
  /** What the cache keeps of each object (after managedFields are summarised), e.g. only the fields read. */
  transform?: (obj: T) => T;
  /** Server-side watch timeout; the watch is re-opened from the last resourceVersion after it. */
  watchTimeoutSeconds?: number;
  /**
   * Ways to look cached objects up without a scan, as client-go's indexers: index name → the
   * object's value in it (undefined: not in that index). Read with `byIndex`.
   */
  indexes?: Record<string, (obj: T) => string | undefined>;
}

const key = (o: CachedObject): string => `${o.metadata.namespace ?? ""}/${o.metadata.name ?? ""}`;

/**
 * What a cache keeps of an object: metadata.managedFields, often the largest part of an object,
 * shrinks to who manages it and how (`manager`, `operation`, `subresource`), without the field
 * sets; a takeover of another manager's fields reads those from the server when it needs them.
 */
function trimmed<T extends CachedObject>(obj: T): T {
  const metadata = obj.metadata as CachedObject["metadata"] & { managedFields?: ManagedFieldsEntry[] };
  if (metadata.managedFields === undefined) return obj;
  const managedFields = metadata.managedFields.map(({ manager, operation, subresource }) => ({
    ...(manager === undefined ? {} : { manager }),
    ...(operation === undefined ? {} : { operation }),
    ...(subresource === undefined ? {} : { subresource }),
  }));
  return { ...obj, metadata: { ...metadata, managedFields } };
}

/**
 * List-then-watch cache of one resource type, as client-go's reflector does it: resumes from the
 * last resourceVersion after a disconnect, relists on 410 Gone, uses bookmarks, treats a silent
 * connection as dead, and backs off on errors.
 */
export class Informer<T extends CachedObject> {
  private readonly cache = new Map<string, T>();
  /** The options' indexes as a list, so informers without any do no index work per event. */
  private readonly indexFns: readonly [string, (obj: T) => string | undefined][];
  /** index name → value → cache keys, kept in step with `cache` by put() and remove(). */
  private readonly indexed = new Map<string, Map<string, Set<string>>>();
  private resourceVersion = "";
  private stopped = false;
  /** Aborts the request or backoff sleep in flight when the informer stops. */
  private readonly aborter = new AbortController();
  private syncedResolve!: () => void;
  /** Resolves after the first complete list. */
  readonly synced: Promise<void> = new Promise((r) => (this.syncedResolve = r));
  private loop: Promise<void> | undefined;
  /** Counters for metrics and tests. */
  readonly stats = { lists: 0, watches: 0, relists410: 0, errors: 0 };

  private readonly client: KubeClient;
  private readonly ref: ObjectRef;
  private readonly options: InformerOptions<T>;

  constructor(client: KubeClient, ref: ObjectRef, options: InformerOptions<T> = {}) {
    this.client = client;
    this.ref = ref;
    this.options = options;
    this.indexFns = Object.entries(options.indexes ?? {});
  }

  start(): Promise<void> {
    this.loop ??= this.run();
    return this.synced;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.aborter.abort();
    await this.loop;
  }

  get(name: string, namespace?: string): T | undefined {
    return this.cache.get(`${namespace ?? ""}/${name}`);
  }

  list(): T[] {
    return [...this.cache.values()];
  }

  /** The cached objects whose value in `index` (one of the options' `indexes`) is `value`. */
  byIndex(index: string, value: string): T[] {
    if (this.options.indexes?.[index] === undefined)
      throw new Error(`the informer of ${this.ref.kind} has no index "${index}"`);
    const keys = this.indexed.get(index)?.get(value);
    return keys ? [...keys].map((k) => this.cache.get(k)!) : [];
  }

  private put(k: string, obj: T): void {
    if (this.indexFns.length > 0) this.remove(k);
    this.cache.set(k, obj);
    for (const [index, valueOf] of this.indexFns) {
      const value = valueOf(obj);
      if (value === undefined) continue;
      let values = this.indexed.get(index);
      if (!values) this.indexed.set(index, (values = new Map<string, Set<string>>()));
      let keys = values.get(value);
      if (!keys) values.set(value, (keys = new Set<string>()));
      keys.add(k);
    }
  }

  private remove(k: string): void {
    const old = this.cache.get(k);
    if (old === undefined) return;
    this.cache.delete(k);
    for (const [index, valueOf] of this.indexFns) {
      const value = valueOf(old);
      if (value === undefined) continue;
      const keys = this.indexed.get(index)?.get(value);
      keys?.delete(k);
      if (keys?.size === 0) this.indexed.get(index)!.delete(value);
    }
  }

  private keep(obj: T): T {
    const kept = trimmed(obj);
    return this.options.transform ? this.options.transform(kept) : kept;
  }

  private selectors(): Record<string, string> {
    const q: Record<string, string> = {};
    if (this.options.labelSelector) q.labelSelector = this.options.labelSelector;
    if (this.options.fieldSelector) q.fieldSelector = this.options.fieldSelector;
    return q;
  }

  private emit(type: InformerEvent, obj: T): void {
    try {
      this.options.onEvent?.(type, obj);
    } catch (err) {
      this.options.onError?.(err as Error);
    }
  }

  private async relist(): Promise<void> {
    this.stats.lists++;
    const list = await this.client.list<T>(
      this.ref,
      this.selectors(),
      this.options.metadataOnly
        ? "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"
        : undefined,
    );
    const seen = new Set<string>();
    for (const item of list.items ?? []) {
      const obj = this.keep({ apiVersion: this.ref.apiVersion, kind: this.ref.kind, ...item });
      const k = key(obj);
      seen.add(k);
      const old = this.cache.get(k);
      this.put(k, obj);
      if (!old) this.emit("added", obj);
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.emit("modified", obj);
    }
    for (const [k, old] of this.cache) {
      if (!seen.has(k)) {
        this.remove(k);
        this.emit("deleted", old);
      }
    }
    this.resourceVersion = list.metadata.resourceVersion;
    this.syncedResolve();
  }

  private async watchOnce(): Promise<void> {
    this.stats.watches++;
    const timeoutSeconds = this.options.watchTimeoutSeconds ?? 300;
    const { status, stream } = await this.client.raw("GET", this.client.resourcePath(this.ref), {
      query: {
        ...this.selectors(),
        watch: "true",
        allowWatchBookmarks: "true",
        resourceVersion: this.resourceVersion,
        timeoutSeconds: String(timeoutSeconds),
      },
      // A connection that stays silent past the server timeout (plus slack) is a dead one.
      timeoutMs: (timeoutSeconds + 30) * 1000,
      verb: "watch",
      signal: this.aborter.signal,
      ...(this.options.metadataOnly
        ? { accept: "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1" }
        : {}),
    });
    if (status === 410) {
      this.resourceVersion = "";
      this.stats.relists410++;
      stream.resume();
      return;
    }
    if (status !== 200) {
      let text = "";
      for await (const c of stream) text += (c as Buffer).toString();
      throw new Error(
        `cannot watch ${this.client.resourcePath(this.ref)}: HTTP ${status} ${text.slice(0, 200)}`,
      );
    }
    let buffer = "";
    try {
      for await (const chunk of stream) {
        buffer += (chunk as Buffer).toString();
        let nl: number;
        while ((nl = buffer.indexOf("\n")) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (line.trim()) this.handleWatchLine(line);
          if (this.resourceVersion === "") return;
        }
      }
    } catch (err) {
      if (!this.stopped) throw err;
    }
  }

  private handleWatchLine(line: string): void {
    const event = JSON.parse(line) as { type: string; object: T & { code?: number; message?: string } };
    const obj = event.object;
    if (event.type === "ERROR") {
      if (obj.code === 410) {
        this.stats.relists410++;
        this.resourceVersion = "";
        return;
      }
      throw new Error(
        `watch of ${this.client.resourcePath(this.ref)} failed: ${obj.message ?? "unknown error"}`,
      );
    }
    if (obj.metadata.resourceVersion) this.resourceVersion = obj.metadata.resourceVersion;
    if (event.type === "BOOKMARK") return;
    const full = this.keep({ apiVersion: this.ref.apiVersion, kind: this.ref.kind, ...obj });
    if (event.type === "DELETED") {
      this.remove(key(full));
      this.emit("deleted", full);
    } else {
      const existed = this.cache.has(key(full));
      this.put(key(full), full);
      this.emit(existed ? "modified" : "added", full);
    }
  }

  private async run(): Promise<void> {
    let backoffMs = 200;
    while (!this.stopped) {
      try {
        if (this.resourceVersion === "") await this.relist();
        if (this.stopped) break;
        await this.watchOnce();
        backoffMs = 200;
      } catch (err) {
        if (this.stopped) break;
        this.stats.errors++;
        this.options.onError?.(err as Error);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, backoffMs);
          this.aborter.signal.addEventListener(
            "abort",
            () => {
              clearTimeout(timer);
              resolve();
            },
            { once: true },
          );
        });
        backoffMs = Math.min(backoffMs * 2, 30_000);
      }
    }
  }
}
