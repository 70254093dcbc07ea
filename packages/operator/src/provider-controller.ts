import {
  ANNOTATION_OPERATION,
  API_VERSION,
  COMPONENT_CONTROLLER,
  CONDITION_INITIALIZED,
  CONDITION_READY,
  LABEL_COMPONENT,
  LABEL_INSTANCE,
  LABEL_NAME,
  MANAGED_BY_VALUE,
  PROVIDER_KINDS,
  RENDER_PROBLEM_TYPES,
  nameHash,
  providerObjectNames,
  validateProvider,
  type Deployment,
  type Job,
  type KubeObject,
  type Provider,
  type ProviderKind,
  type ProviderStatus,
  type RenderProblem,
  type Pod,
  type ReplicaSet,
  type Service,
} from "@openmcp-ts/contract";
import {
  OWN_STATUS_FIELDS,
  buildStatusPatch,
  failureStepFor,
  liveMatches,
  planFailure,
  planReconcile,
  type OwnStatusField,
} from "@openmcp-ts/reconciler";
import { RenderError, renderInitObjects, renderRunObjects, type RenderContext } from "@openmcp-ts/render";
import {
  ApiError,
  WorkQueue,
  hasFieldsToTakeOver,
  isWriteFenced,
  recordEvent,
  takeOverManagedFields,
  type ManagedFieldsEntry,
  type KubeClient,
} from "@openmcp-ts/kube";
import type { Logger } from "@openmcp-ts/kube";
import { ImageDigests } from "./image-digests.ts";
import { RuntimeConfigs } from "./runtime-configs.ts";
import { ObjectStepError, executePlan, type PlanPorts } from "./plan-executor.ts";
import { JOB_NAME_LABEL, ProviderInformers, type Obj } from "./provider-informers.ts";
import { workQueueMetrics, type OperatorMetrics } from "./metrics.ts";
import type { OperatorOptions } from "./operator-options.ts";

const ANNOTATION_APPLIED_HASH = "openmcp.cloud/applied-hash";
/** When a pass refused by the write fence is looked at again (about a lease renewal period). */
const FENCED_RETRY_MS = 1000;

/**
 * The imperative shell around the reconciler core: informers feed level-based work queues, each
 * pass reads the world from the caches, asks the core for a plan, and carries it out with
 * server-side apply, skipping writes whose result is already live.
 */
export class ProviderController {
  private readonly informers: ProviderInformers;
  private readonly queues = new Map<ProviderKind, WorkQueue>();
  /** Our last write of each provider, and the informer's resourceVersion when we made it. */
  private readonly written = new Map<string, { obj: Obj & Provider; cachedVersion: string | undefined }>();
  /** Per kind, our status fields its CRD prunes, learned from the responses to our status writes. */
  private readonly prunedStatus = new Map<ProviderKind, Set<OwnStatusField>>();
  private active = false;
  /** The stop of the previous workers, which new workers wait for (no two passes for one key). */
  private stopping: Promise<void> = Promise.resolve();
  private readonly digests: ImageDigests | undefined;
  private readonly runtimeConfigs: RuntimeConfigs;
  /** The image label of each provider's gauges, to remove exactly that series. */
  private readonly gaugeImages = new Map<string, string>();

  private readonly client: KubeClient;
  private readonly log: Logger;
  private readonly metrics: OperatorMetrics;
  private readonly options: OperatorOptions;

  constructor(client: KubeClient, log: Logger, metrics: OperatorMetrics, options: OperatorOptions) {
    this.client = client;
    this.log = log;
    this.metrics = metrics;
    this.options = options;
    const enqueue = (kind: ProviderKind, name: string): void => this.queues.get(kind)?.add(name);
    this.runtimeConfigs = new RuntimeConfigs(client, log, {
      defaultName: options.defaultRuntimeConfig,
      listProviders: () =>
        PROVIDER_KINDS.flatMap((kind) =>
          this.informers.providersOf(kind).map((provider) => ({ kind, provider })),
        ),
      enqueueProvider: enqueue,
    });
    this.informers = new ProviderInformers(client, options.namespace, log, enqueue, (kind, provider, name) =>
      this.runtimeConfigs.providerChanged(kind, provider, name),
    );
    this.digests = options.imageDigests
      ? new ImageDigests(client, log, { namespace: options.namespace, ...options.imageDigests })
      : undefined;
    for (const kind of PROVIDER_KINDS)
      metrics.maxConcurrentReconciles.set({ controller: controllerName(kind) }, options.workers);
  }

  /** Starts the informers (caches fill even on a follower, so fail-over is fast). */
  async startInformers(): Promise<void> {
    await Promise.all([this.informers.start(), this.runtimeConfigs.start()]);
  }

  /**
   * Begins reconciling (as leader) once the workers of an earlier term have finished their passes;
   * every known provider is queued once.
   */
  async startWorkers(): Promise<void> {
    if (this.active) return;
    this.active = true;
    await this.stopping;
    if (!this.active || this.queues.size > 0) return;
    for (const kind of PROVIDER_KINDS) {
      const queue = new WorkQueue({
        workers: this.options.workers,
        metrics: workQueueMetrics(this.metrics, controllerName(kind)),
        process: (name) => this.reconcile(kind, name),
        onError: (name, err, retryInMs) =>
          this.log.error("reconcile failed", {
            kind,
            name,
            error: err instanceof Error ? err.message : String(err),
            retryInMs,
          }),
      });
      this.queues.set(kind, queue);
      for (const p of this.informers.providersOf(kind)) queue.add(p.metadata.name!);
    }
    this.runtimeConfigs.startWorkers();
  }

  /**
   * Stops reconciling (leadership lost or shutdown) and resolves when the passes in flight have
   * finished (their writes are fenced meanwhile); informers keep running until stop().
   */
  stopWorkers(): Promise<void> {
    this.active = false;
    const queues = [...this.queues.values()];
    this.queues.clear();
    const previous = this.stopping;
    this.stopping = Promise.all([
      previous,
      ...queues.map((q) => q.stop()),
      this.runtimeConfigs.stopWorkers(),
    ]).then(() => undefined);
    return this.stopping;
  }

  async stop(): Promise<void> {
    await this.stopWorkers();
    await Promise.all([this.informers.stop(), this.runtimeConfigs.stop()]);
  }

  /** Resolves when no reconcile is queued or running (for tests and benchmarks). */
  async idle(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.idle()));
    await this.runtimeConfigs.idle();
  }

  /**
   * The provider as our own last write returned it, when that is newer than the informer's copy:
   * a pass woken right after our status write must not plan (and announce) the same transition again.
   */
  private freshest(kind: ProviderKind, name: string): (Obj & Provider) | undefined {
    const key = `${kind}/${name}`;
    const cached = this.informers.provider(kind, name);
    const mine = this.written.get(key);
    // resourceVersions are opaque: never ordered, only compared for equality. While the informer
    // still holds what it held when we wrote, our write is the newer; once it moved on, it has
    // caught up with our write (or something after it).
    if (
      cached &&
      mine &&
      mine.obj.metadata.uid === cached.metadata.uid &&
      cached.metadata.resourceVersion === mine.cachedVersion &&
      cached.metadata.resourceVersion !== mine.obj.metadata.resourceVersion
    ) {
      return mine.obj;
    }
    this.written.delete(key);
    return cached;
  }

  private remember(obj: unknown): void {
    const p = obj as (Obj & Provider) | undefined;
    if (!p?.kind || !p.metadata.name) return;
    const cached = this.informers.provider(p.kind, p.metadata.name);
    this.written.set(`${p.kind}/${p.metadata.name}`, {
      obj: p,
      cachedVersion: cached?.metadata.resourceVersion,
    });
  }

  /** One pass for one provider: read, plan, act. Throws to retry with backoff. */
  async reconcile(kind: ProviderKind, name: string): Promise<{ requeueAfterMs?: number } | undefined> {
    const started = performance.now();
    const log = this.log.with({ kind, name });
    const controller = controllerName(kind);
    try {
      const result = await this.reconcileOnce(kind, name, log);
      this.metrics.reconcileTotal.inc({ controller, result: resultLabel(result) });
      return result;
    } catch (err) {
      // Not the provider's failure: this replica lost the lease. Look again soon, without growing
      // the key's backoff (a replica that leads again must not find its keys minutes away).
      if (isWriteFenced(err)) {
        this.metrics.reconcileTotal.inc({ controller, result: "requeue_after" });
        log.debug("reconcile fenced: not the leader", { error: (err as Error).message });
        return { requeueAfterMs: FENCED_RETRY_MS };
      }
      this.metrics.reconcileTotal.inc({ controller, result: "error" });
      this.metrics.reconcileErrors.inc({ controller });
      throw err;
    } finally {
      this.metrics.reconcileTime.observe({ controller }, (performance.now() - started) / 1000);
    }
  }

  private async reconcileOnce(
    kind: ProviderKind,
    name: string,
    log: Logger,
  ): Promise<{ requeueAfterMs?: number } | undefined> {
    const provider = this.freshest(kind, name);
    if (!provider) {
      this.digests?.forget(`${kind}/${name}`);
      this.forgetProviderGauges(kind, name);
      return undefined;
    }
    const names = providerObjectNames(kind, name);
    const problems = validateProvider(provider, kind);
    let desired: Parameters<typeof planReconcile>[0]["desired"];
    let renderProblem: RenderProblem | undefined;
    const resolution =
      this.digests && problems.length === 0 && !provider.metadata.deletionTimestamp
        ? await this.digests.resolve(`${kind}/${name}`, provider)
        : undefined;
    // The digest is what runs: it goes into the init hash, so a moved tag runs init again.
    const rendered =
      resolution && resolution.image !== resolution.tag
        ? { ...provider, spec: { ...provider.spec, image: resolution.image } }
        : provider;
    const runtime =
      problems.length === 0 && !provider.metadata.deletionTimestamp
        ? this.runtimeConfigs.layersFor(provider)
        : undefined;
    if (runtime !== undefined && "missing" in runtime) {
      renderProblem = { type: RENDER_PROBLEM_TYPES.RuntimeConfigNotFound, message: runtime.missing };
    } else if (runtime !== undefined) {
      const ctx: RenderContext = {
        runtimeConfigs: runtime.layers,
        environment: this.options.environment,
        namespace: this.options.namespace,
        webhookSecretPresent: this.informers.webhookSecretPresent(names.webhookSecret),
        securityContext: this.options.securityContext,
        ...(this.options.providerClusterRoles?.[kind]
          ? { providerClusterRole: this.options.providerClusterRoles[kind] }
          : {}),
        initJobBackoffLimit: this.options.initJobBackoffLimit,
      };
      try {
        desired = { init: renderInitObjects(rendered, ctx), run: renderRunObjects(rendered, ctx) };
      } catch (err) {
        if (!(err instanceof RenderError)) throw err;
        renderProblem = err;
      }
    }
    const runLabels = {
      [LABEL_NAME]: kind,
      [LABEL_INSTANCE]: name,
      [LABEL_COMPONENT]: COMPONENT_CONTROLLER,
    };
    const plan = planReconcile({
      provider,
      ...(desired ? { desired } : {}),
      ...(problems.length > 0 ? { problems } : renderProblem ? { problems: renderProblem } : {}),
      ...(resolution ? { imageResolution: resolution } : {}),
      observed: {
        initJob: this.informers.cached<Job>("Job", names.init),
        initPods: this.informers.cachedWith<Pod>("Pod", { [JOB_NAME_LABEL]: names.init }),
        deployment: this.informers.cached<Deployment>("Deployment", names.run),
        runPods: this.informers.cachedWith<Pod>("Pod", runLabels),
        replicaSets: this.informers.cachedWith<ReplicaSet>("ReplicaSet", runLabels),
        metricsService: this.informers.cached<Service>("Service", names.metricsService),
      },
      now: new Date(),
      options: {
        namespace: this.options.namespace,
        maxInitAttempts: this.options.maxInitAttempts,
        ...(this.options.initBackoffBaseMs !== undefined
          ? { initBackoffBaseMs: this.options.initBackoffBaseMs }
          : {}),
        ...(this.options.initBackoffMaxMs !== undefined
          ? { initBackoffMaxMs: this.options.initBackoffMaxMs }
          : {}),
        prunedStatusFields: [...(this.prunedStatus.get(kind) ?? [])],
        rollback: this.options.rollback,
        rolloutDeadlineMs: this.options.rolloutDeadlineMs,
        rolloutFailureGraceMs: this.options.rolloutFailureGraceMs,
      },
    });
    try {
      await executePlan(provider, plan, this.planPorts(kind, provider, log));
    } catch (err) {
      if (!(err instanceof ObjectStepError) || isWriteFenced(err)) throw err;
      const code = codeOf(err.cause);
      const outcome = planFailure(
        provider,
        err.step,
        { message: err.message, action: err.action, object: err.object, ...(code ? { code } : {}) },
        new Date(),
        plan.status,
      );
      await this.writeStatus(kind, provider, outcome.status).catch((e: unknown) =>
        log.error("cannot write failure status", { error: String(e) }),
      );
      for (const e of outcome.events) this.emitEvent(kind, provider, e);
      this.recordProviderGauges(kind, name, provider, outcome.status);
      // Invalid objects (400/422) wait for a spec change instead of hammering the API server.
      if (outcome.retry === "terminal") return undefined;
      if (outcome.retry === "requeue") return { requeueAfterMs: 0 };
      throw err;
    }
    this.recordProviderGauges(kind, name, provider, plan.status ?? provider.status);
    const requeue = [plan.requeueAfterMs, resolution?.recheckInMs].filter((ms) => ms !== undefined);
    return requeue.length === 0 ? undefined : { requeueAfterMs: Math.min(...requeue) };
  }

  /** The plan executor's writes, with this controller's client, caches and log. */
  private planPorts(kind: ProviderKind, provider: Obj & Provider, log: Logger): PlanPorts {
    const ref = { apiVersion: API_VERSION, kind, name: provider.metadata.name! };
    const patchProvider = async (patch: object): Promise<void> =>
      this.remember(await this.client.patch(ref, "merge", patch));
    return {
      setFinalizers: (finalizers) => this.patchFinalizers(ref, provider, finalizers),
      removeOperationAnnotation: () =>
        patchProvider({ metadata: { annotations: { [ANNOTATION_OPERATION]: null } } }),
      annotate: async (object, annotations) => {
        await this.client.patch(object, "merge", { metadata: { annotations } });
        log.info("adopted", { object: `${object.kind}/${object.name}`, annotations });
      },
      apply: async (obj) => {
        await this.deleteIfRoleRefChanged(provider, obj, log);
        await this.applyIfChanged(obj, log);
      },
      delete: async (d) => {
        const { propagationPolicy, ...object } = d;
        if (await this.client.delete(object, propagationPolicy))
          log.info("deleted", { object: `${d.kind}/${d.name}` });
      },
      setProviderAnnotations: (annotations) => patchProvider({ metadata: { annotations } }),
      writeStatus: (status) => this.writeStatus(kind, provider, status),
      recordEvent: (e) => this.emitEvent(kind, provider, e),
    };
  }

  private async patchFinalizers(
    ref: { apiVersion: string; kind: string; name: string },
    provider: Provider,
    finalizers: string[],
  ): Promise<void> {
    try {
      this.remember(
        await this.client.patch(ref, "merge", {
          metadata: { finalizers, resourceVersion: provider.metadata.resourceVersion },
        }),
      );
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return;
      throw new Error(`cannot update the finalizers of ${ref.kind} ${ref.name}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }

  private async applyIfChanged(obj: KubeObject, log: Logger): Promise<void> {
    const hash = nameHash(JSON.stringify(obj));
    const stamped = {
      ...obj,
      metadata: {
        ...obj.metadata,
        annotations: { ...obj.metadata.annotations, [ANNOTATION_APPLIED_HASH]: hash },
      },
    };
    const live = this.informers.cached<KubeObject & { metadata: { managedFields?: ManagedFieldsEntry[] } }>(
      obj.kind,
      obj.metadata.name!,
      obj.metadata.namespace !== undefined,
    );
    const takeOver = this.options.takeOverFieldManagers;
    const foreignFields = hasFieldsToTakeOver(live?.metadata.managedFields, takeOver);
    if (
      !foreignFields &&
      live &&
      live.metadata.annotations?.[ANNOTATION_APPLIED_HASH] === hash &&
      liveMatches(obj, live)
    ) {
      this.metrics.writesSkipped.inc({ object: obj.kind });
      return;
    }
    const ref = {
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      name: obj.metadata.name!,
      ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
    };
    if (
      foreignFields &&
      (await takeOverManagedFields(this.client, ref, this.options.fieldManager, takeOver))
    ) {
      log.info("took over fields written by another operator", {
        object: `${obj.kind}/${ref.name}`,
        from: takeOver,
      });
    }
    await this.client.apply(stamped, this.options.fieldManager, { force: true });
    log.debug("applied", { object: `${obj.kind}/${obj.metadata.name}` });
  }

  /**
   * A binding's roleRef cannot change (the API server refuses it), so one whose role changed, e.g.
   * after a new --provider-cluster-role, is deleted first and the apply that follows creates it anew.
   */
  private async deleteIfRoleRefChanged(provider: Provider, obj: KubeObject, log: Logger): Promise<void> {
    if (obj.kind !== "ClusterRoleBinding" && obj.kind !== "RoleBinding") return;
    type RoleRef = { apiGroup?: string; kind?: string; name?: string };
    const want = (obj as KubeObject & { roleRef?: RoleRef }).roleRef;
    const live = this.informers.cached<KubeObject & { roleRef?: RoleRef }>(
      obj.kind,
      obj.metadata.name!,
      obj.metadata.namespace !== undefined,
    )?.roleRef;
    if (!live || !want) return;
    if (live.apiGroup === want.apiGroup && live.kind === want.kind && live.name === want.name) return;
    const ref = {
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      name: obj.metadata.name!,
      ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
    };
    try {
      await this.client.delete(ref);
      log.info("deleted to change its roleRef", {
        object: `${obj.kind}/${ref.name}`,
        from: live,
        to: want,
      });
    } catch (err) {
      throw new ObjectStepError(failureStepFor(provider, ref), "delete", ref, err);
    }
  }

  /** Merge patch of our status fields on the status subresource; `resources` is never mentioned. */
  private async writeStatus(kind: ProviderKind, provider: Provider, status: ProviderStatus): Promise<void> {
    try {
      const patch = buildStatusPatch(provider.status, status);
      const written = await this.client.patch<Provider>(
        { apiVersion: API_VERSION, kind, name: provider.metadata.name! },
        "merge",
        patch,
        { subresource: "status" },
      );
      this.learnPrunedStatus(kind, patch.status, written);
      this.remember(written);
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return;
      throw err;
    }
  }

  /** A field we sent that the response lacks is pruned by the CRD's schema; one it has is kept. */
  private learnPrunedStatus(
    kind: ProviderKind,
    sent: Record<string, unknown>,
    written: Provider | undefined,
  ): void {
    if (!written?.status) return;
    const pruned = this.prunedStatus.get(kind) ?? new Set<OwnStatusField>();
    for (const field of OWN_STATUS_FIELDS) {
      if (sent[field] === undefined || sent[field] === null) continue;
      const kept = written.status[field] !== undefined;
      if (kept === !pruned.has(field)) continue;
      if (kept) pruned.delete(field);
      else pruned.add(field);
      this.log.info(
        kept
          ? "the CRD keeps a status field again"
          : "the CRD prunes a status field: not comparing it (init attempts go to an annotation)",
        { kind, field },
      );
    }
    this.prunedStatus.set(kind, pruned);
  }

  private emitEvent(
    kind: ProviderKind,
    provider: Provider,
    e: { type: "Normal" | "Warning"; reason: string; message: string },
  ): void {
    recordEvent(
      this.client,
      {
        namespace: this.options.eventNamespace ?? "default",
        involvedObject: {
          apiVersion: API_VERSION,
          kind,
          name: provider.metadata.name!,
          ...(provider.metadata.uid ? { uid: provider.metadata.uid } : {}),
          ...(provider.metadata.resourceVersion
            ? { resourceVersion: provider.metadata.resourceVersion }
            : {}),
        },
        ...e,
        component: MANAGED_BY_VALUE,
      },
      (err) => this.log.debug("cannot record event", { reason: e.reason, error: String(err) }),
    );
  }

  private recordProviderGauges(
    kind: ProviderKind,
    name: string,
    provider: Provider,
    status: ProviderStatus | undefined,
  ): void {
    const is = (type: string): number =>
      status?.conditions?.find((c) => c.type === type)?.status === "True" ? 1 : 0;
    this.forgetProviderGauges(kind, name);
    if (provider.metadata.deletionTimestamp) return;
    const labels = { kind, name, image: provider.spec?.image ?? "" };
    this.gaugeImages.set(`${kind}/${name}`, labels.image);
    this.metrics.providerReady.set(labels, is(CONDITION_READY));
    this.metrics.providerInitialized.set(labels, is(CONDITION_INITIALIZED));
  }

  /** The image label is part of the series: the old image's series goes when the image changes. */
  private forgetProviderGauges(kind: ProviderKind, name: string): void {
    const image = this.gaugeImages.get(`${kind}/${name}`);
    if (image === undefined) return;
    this.gaugeImages.delete(`${kind}/${name}`);
    this.metrics.providerReady.remove({ kind, name, image });
    this.metrics.providerInitialized.remove({ kind, name, image });
  }
}

/** controller-runtime names a controller after its kind, lower case. */
function controllerName(kind: ProviderKind): string {
  return kind.toLowerCase();
}

/** controller-runtime's `result` label: success, error, requeue (now) or requeue_after (later). */
function resultLabel(result: { requeueAfterMs?: number } | undefined): string {
  if (result?.requeueAfterMs === undefined) return "success";
  return result.requeueAfterMs > 0 ? "requeue_after" : "requeue";
}

function codeOf(err: unknown): number | undefined {
  return err instanceof ApiError ? err.code : undefined;
}
