import { Agent, request, type AgentOptions, type RequestOptions } from "node:https";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { KubeConfig } from "@kubernetes/client-node";
import { ResourcePaths, type ObjectRef } from "./resource-path.ts";

/** An error answer from the API server, with its HTTP code and the Status message. */
export class ApiError extends Error {
  readonly code: number;
  readonly reason: string;
  constructor(message: string, code: number, reason: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ApiError";
    this.code = code;
    this.reason = reason;
  }
}

/** A request a write guard refused to send (see withWriteGuard). */
export class WriteFencedError extends Error {}

/** Whether the error, or one it was wrapped around, is a WriteFencedError. */
export function isWriteFenced(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) if (e instanceof WriteFencedError) return true;
  return false;
}

export function isNotFound(err: unknown): boolean {
  return err instanceof ApiError && err.code === 404;
}

export interface RequestCounter {
  /** `verb` as the API server's audit log names it (get, list, watch, patch, …); `method` is HTTP's. */
  (verb: string, path: string, status: number, method: string): void;
}

export interface KubeClientOptions {
  /** Path of a kubeconfig file, or its YAML text; absent = in-cluster config. */
  kubeconfig?: string;
  context?: string;
  /** Called once per request, for metrics and benchmarks. */
  onRequest?: RequestCounter;
  timeoutMs?: number;
  /** The User-Agent header of every request (none by default), e.g. to tell clients apart in the audit log. */
  userAgent?: string;
}

/** What apply and create need of an object; everything else is sent as it is. */
export interface ApplyObject extends ObjectRef {
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    generateName?: string;
  };
  /** The usual top-level bodies, so object literals of any kind type-check. */
  spec?: unknown;
  status?: unknown;
  data?: unknown;
  stringData?: unknown;
  /** A Secret's type (`kubernetes.io/dockerconfigjson`, …). */
  type?: string;
  rules?: unknown;
  roleRef?: unknown;
  subjects?: unknown;
}

/** Options of one request; `verb` names it for request counting (get, list, watch, patch, …). */
export interface CallOptions {
  body?: unknown;
  contentType?: string;
  query?: Record<string, string>;
  timeoutMs?: number;
  verb?: string;
  accept?: string;
  signal?: AbortSignal;
}

export interface Response {
  status: number;
  body: string;
}

/**
 * client-node caches one https.Agent per cluster and user but builds it without keep-alive, so every
 * request paid a TCP and TLS handshake. Each of its plain agents gets one keep-alive twin with the
 * same TLS options; proxy agents are used as they are.
 */
const keepAliveAgents = new WeakMap<object, Agent>();

/** Methods that are safe to send twice. */
const READ_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD"]);

function keepAlive(agent: RequestOptions["agent"]): RequestOptions["agent"] {
  if (
    !(agent instanceof Agent) ||
    agent.constructor !== Agent ||
    (agent as { keepAlive?: boolean }).keepAlive
  )
    return agent;
  let twin = keepAliveAgents.get(agent);
  if (!twin) {
    const options = (agent as Agent & { options: AgentOptions }).options;
    twin = new Agent({ ...options, keepAlive: true, scheduling: "lifo" });
    keepAliveAgents.set(agent, twin);
  }
  return twin;
}

/** Throttled requests (429) are retried this often, waiting what Retry-After says, as client-go does. */
const MAX_THROTTLE_RETRIES = 5;
const MAX_RETRY_AFTER_MS = 10_000;

function retryAfterMs(header: string | string[] | undefined, attempt: number): number {
  const seconds = Number(Array.isArray(header) ? header[0] : header);
  const ms = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 250 * 2 ** attempt;
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}

const PATCH_TYPES = {
  apply: "application/apply-patch+yaml",
  merge: "application/merge-patch+json",
  json: "application/json-patch+json",
} as const;

/**
 * A small Kubernetes REST client: credentials from client-node's KubeConfig (files, in-cluster,
 * exec plugins), transport on node:https so every request is visible and countable.
 */
export class KubeClient {
  readonly server: string;
  readonly kubeConfig: KubeConfig;
  private readonly onRequest: RequestCounter | undefined;
  private readonly timeoutMs: number;
  private readonly options: KubeClientOptions;
  private writeGuard: ((method: string, path: string) => void) | undefined;
  /** This client's kind → resource table (shared with its write-guarded twin). */
  readonly resources: ResourcePaths;

  private constructor(kc: KubeConfig, options: KubeClientOptions, resources = new ResourcePaths()) {
    this.resources = resources;
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error("cannot create a Kubernetes client: the kubeconfig has no current cluster");
    this.kubeConfig = kc;
    this.server = cluster.server.replace(/\/$/, "");
    this.onRequest = options.onRequest;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.options = options;
  }

  /**
   * The same client, except that `guard` runs before every request that is not a GET and may
   * throw to stop it from being sent: a fence, e.g. for a leader that may have lost its lease.
   */
  withWriteGuard(guard: (method: string, path: string) => void): KubeClient {
    const guarded = new KubeClient(this.kubeConfig, this.options, this.resources);
    guarded.writeGuard = guard;
    return guarded;
  }

  /** Teaches this client the resource (plural) of a kind it does not know, e.g. a provider's own CRD. */
  registerPlural(kind: string, plural: string): void {
    this.resources.register(kind, plural);
  }

  /** The REST path of `ref` for this client. */
  resourcePath(ref: ObjectRef, subresource?: string): string {
    return this.resources.path(ref, subresource);
  }

  static create(options: KubeClientOptions = {}): KubeClient {
    const kc = new KubeConfig();
    try {
      if (options.kubeconfig === undefined) {
        // client-node would build a client for https://undefined:undefined outside a pod.
        if (!process.env.KUBERNETES_SERVICE_HOST || !process.env.KUBERNETES_SERVICE_PORT)
          throw new Error(
            "not running in a Kubernetes pod (KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set); give a kubeconfig",
          );
        kc.loadFromCluster();
      } else if (options.kubeconfig.includes("apiVersion:") || options.kubeconfig.trimStart().startsWith("{"))
        kc.loadFromString(options.kubeconfig);
      else kc.loadFromFile(options.kubeconfig);
      if (options.context) kc.setCurrentContext(options.context);
    } catch (err) {
      const where = options.kubeconfig === undefined ? "the in-cluster service account" : "the kubeconfig";
      throw new Error(`cannot load ${where}: ${(err as Error).message}`, { cause: err });
    }
    return new KubeClient(kc, options);
  }

  /** One HTTP exchange; resolves with any status (callers decide), rejects only on transport errors. */
  async raw(
    method: string,
    path: string,
    options: Omit<CallOptions, "body"> & { body?: string } = {},
  ): Promise<{ status: number; stream: IncomingMessage }> {
    if (method !== "GET") this.writeGuard?.(method, path);
    const query = options.query ?? {};
    const qs = new URLSearchParams(query).toString();
    const url = new URL(`${this.server}${path}${qs ? `?${qs}` : ""}`);
    const opts: RequestOptions = { method, headers: { accept: options.accept ?? "application/json" } };
    await this.kubeConfig.applyToHTTPSOptions(opts);
    opts.agent = keepAlive(opts.agent);
    const headers = opts.headers as Record<string, string>;
    if (this.options.userAgent !== undefined) headers["user-agent"] = this.options.userAgent;
    if (options.body !== undefined) {
      headers["content-type"] = options.contentType ?? "application/json";
      headers["content-length"] = String(Buffer.byteLength(options.body));
    }
    const send = url.protocol === "http:" ? httpRequest : request;
    const exchange = (retried: boolean): Promise<{ status: number; stream: IncomingMessage }> =>
      new Promise((resolve, reject) => {
        const req = send(url, { ...opts, ...(options.signal ? { signal: options.signal } : {}) }, (res) => {
          this.onRequest?.(options.verb ?? method.toLowerCase(), path, res.statusCode ?? 0, method);
          resolve({ status: res.statusCode ?? 0, stream: res });
        });
        const timeout = options.timeoutMs ?? this.timeoutMs;
        if (timeout > 0)
          req.setTimeout(timeout, () => req.destroy(new Error(`no answer within ${timeout} ms`)));
        req.on("error", (err: NodeJS.ErrnoException) => {
          // A kept-alive connection the server closed just as it was reused: once more on a new
          // one, for reads only, as Go's transport does (a write may have reached the server).
          if (!retried && req.reusedSocket && err.code === "ECONNRESET" && READ_METHODS.has(method))
            resolve(exchange(true));
          else reject(new Error(`cannot ${method} ${url.pathname}: ${err.message}`, { cause: err }));
        });
        req.end(options.body);
      });
    return exchange(false);
  }

  async call(method: string, path: string, options: CallOptions = {}): Promise<unknown> {
    const body =
      options.body === undefined
        ? undefined
        : typeof options.body === "string"
          ? options.body
          : JSON.stringify(options.body);
    const rest: Omit<CallOptions, "body"> = { ...options };
    delete (rest as CallOptions).body;
    let attempt = 0;
    for (;;) {
      const { status, stream } = await this.raw(method, path, {
        ...rest,
        ...(body === undefined ? {} : { body }),
      });
      let text = "";
      for await (const chunk of stream) text += (chunk as Buffer).toString();
      if (status === 429 && attempt < MAX_THROTTLE_RETRIES && !options.signal?.aborted) {
        const waitMs = retryAfterMs(stream.headers["retry-after"], attempt++);
        await sleep(waitMs, undefined, options.signal ? { signal: options.signal } : {}).catch(
          () => undefined,
        );
        continue;
      }
      return this.answer(method, path, status, text);
    }
  }

  private answer(method: string, path: string, status: number, text: string): unknown {
    const parsed: unknown = text ? safeJson(text) : undefined;
    if (status >= 200 && status < 300) return parsed;
    const st = (parsed ?? {}) as { message?: string; reason?: string };
    throw new ApiError(
      `${method} ${path}: ${st.message ?? (text.slice(0, 300) || `HTTP ${status}`)}`,
      status,
      st.reason ?? "",
    );
  }

  get<T>(ref: ObjectRef & { name: string }): Promise<T> {
    return this.call("GET", this.resourcePath(ref), { verb: "get" }) as Promise<T>;
  }

  /** GET that maps 404 to undefined. */
  async find<T>(ref: ObjectRef & { name: string }): Promise<T | undefined> {
    try {
      return await this.get<T>(ref);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  list<T>(
    ref: ObjectRef,
    query: Record<string, string> = {},
    accept?: string,
    signal?: AbortSignal,
  ): Promise<{ metadata: { resourceVersion: string }; items: T[] }> {
    return this.call("GET", this.resourcePath(ref), {
      query,
      verb: "list",
      ...(accept ? { accept } : {}),
      ...(signal ? { signal } : {}),
    }) as Promise<{ metadata: { resourceVersion: string }; items: T[] }>;
  }

  /** Server-side apply of a whole object we own, with one field manager. */
  apply<T>(
    obj: ApplyObject,
    fieldManager: string,
    options: { force?: boolean; dryRun?: boolean; subresource?: string } = {},
  ): Promise<T> {
    const meta = obj.metadata ?? {};
    const ref = {
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      ...(meta.name ? { name: meta.name } : {}),
      ...(meta.namespace ? { namespace: meta.namespace } : {}),
    };
    if (!ref.name) throw new Error(`cannot apply ${obj.kind}: metadata.name is missing`);
    const query: Record<string, string> = { fieldManager, force: String(options.force ?? true) };
    if (options.dryRun) query.dryRun = "All";
    return this.call("PATCH", this.resourcePath(ref, options.subresource), {
      body: obj,
      contentType: PATCH_TYPES.apply,
      query,
    }) as Promise<T>;
  }

  patch<T>(
    ref: ObjectRef & { name: string },
    type: keyof typeof PATCH_TYPES,
    body: unknown,
    options: { subresource?: string; fieldManager?: string } = {},
  ): Promise<T> {
    return this.call("PATCH", this.resourcePath(ref, options.subresource), {
      body,
      contentType: PATCH_TYPES[type],
      ...(options.fieldManager ? { query: { fieldManager: options.fieldManager } } : {}),
    }) as Promise<T>;
  }

  create<T>(obj: ApplyObject & { metadata: NonNullable<ApplyObject["metadata"]> }): Promise<T> {
    const ref = {
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
    };
    return this.call("POST", this.resourcePath(ref), { body: obj }) as Promise<T>;
  }

  /** DELETE that treats 404 as success; returns whether something was deleted. */
  async delete(
    ref: ObjectRef & { name: string },
    propagationPolicy?: "Background" | "Foreground" | "Orphan",
  ): Promise<boolean> {
    try {
      await this.call(
        "DELETE",
        this.resourcePath(ref),
        propagationPolicy ? { body: { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy } } : {},
      );
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
