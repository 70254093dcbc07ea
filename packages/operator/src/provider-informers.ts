import {
  API_VERSION,
  LABEL_INSTANCE,
  LABEL_MANAGED_BY,
  LABEL_NAME,
  MANAGED_BY_VALUE,
  PROVIDER_KINDS,
  providerObjectNames,
  type KubeObject,
  type Pod,
  type Provider,
  type ProviderKind,
  type ReplicaSet,
} from "@openmcp-ts/contract";
import { ANNOTATION_RUN_HASH } from "@openmcp-ts/reconciler";
import { Informer, type CachedObject, type KubeClient, type Logger } from "@openmcp-ts/kube";

export type Obj = CachedObject & KubeObject;

const MANAGED_SELECTOR = `${LABEL_MANAGED_BY}=${MANAGED_BY_VALUE}`;

/** The kinds the operator creates in its namespace for each provider (and watches, with its Pods). */
export const GENERATED_NAMESPACED_KINDS = [
  { apiVersion: "v1", kind: "ServiceAccount" },
  { apiVersion: "v1", kind: "Service" },
  { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role" },
  { apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding" },
  { apiVersion: "batch/v1", kind: "Job" },
  { apiVersion: "apps/v1", kind: "Deployment" },
] as const;

/**
 * Watched, not created: Pods explain failures; ReplicaSets (the Deployment controller's, which
 * carry our labels) hold the last good release's pod template to roll back to.
 */
const OWNED_NAMESPACED = [
  ...GENERATED_NAMESPACED_KINDS,
  { apiVersion: "v1", kind: "Pod" },
  { apiVersion: "apps/v1", kind: "ReplicaSet" },
] as const;

/**
 * The part of a Pod the operator reads (to say why a Job or Deployment is not done: phase,
 * conditions, container states and termination messages); the rest is not worth holding for
 * thousands of pods.
 */
function podEssentials(obj: Obj): Obj {
  const pod = obj as Obj & Pod;
  const m = pod.metadata;
  return {
    apiVersion: pod.apiVersion,
    kind: pod.kind,
    metadata: {
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      // Which failure is the newest (describeLastFailure, failedInitPods) goes by it.
      creationTimestamp: m.creationTimestamp,
      labels: m.labels,
      ownerReferences: m.ownerReferences,
      ...(m.deletionTimestamp ? { deletionTimestamp: m.deletionTimestamp } : {}),
    },
    ...(pod.status ? { status: pod.status } : {}),
  } as Obj;
}

/** The part of a ReplicaSet the rollback reads: identity, run-hash annotation, template, replicas. */
function replicaSetEssentials(obj: Obj): Obj {
  const rs = obj as Obj & ReplicaSet;
  const m = rs.metadata;
  const runHash = m.annotations?.[ANNOTATION_RUN_HASH];
  return {
    apiVersion: rs.apiVersion,
    kind: rs.kind,
    metadata: {
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      labels: m.labels,
      ...(runHash === undefined ? {} : { annotations: { [ANNOTATION_RUN_HASH]: runHash } }),
      ...(m.deletionTimestamp ? { deletionTimestamp: m.deletionTimestamp } : {}),
    },
    spec: { replicas: rs.spec.replicas, template: rs.spec.template },
    ...(rs.status ? { status: rs.status } : {}),
  } as Obj;
}

const TRANSFORMS: Record<string, (obj: Obj) => Obj> = {
  Pod: podEssentials,
  ReplicaSet: replicaSetEssentials,
};

/** The label the Job controller puts on the pods of a Job: the Job's name. */
export const JOB_NAME_LABEL = "batch.kubernetes.io/job-name";

/**
 * Labels `cachedWith` looks Pods and ReplicaSets up by: every pass reads a provider's init pods (by
 * Job name) and run pods and ReplicaSets (by provider name). A scan of all of them per pass made a
 * ramp of N providers cost O(N²): at N=200 a quarter of the operator's CPU.
 */
const INDEXED_LABELS = [JOB_NAME_LABEL, LABEL_INSTANCE] as const;
const INDEXED_KINDS = ["Pod", "ReplicaSet"] as const;
const LABEL_INDEXES: Record<string, (obj: Obj) => string | undefined> = Object.fromEntries(
  INDEXED_LABELS.map((label) => [label, (obj: Obj) => obj.metadata.labels?.[label]]),
);

/**
 * The operator's watches and their caches: the providers of every kind, the objects it creates
 * for them (and their Pods, trimmed), and the metadata of webhook TLS Secrets. Every event turns
 * into `enqueue(kind, name)` of the provider concerned; reads come from the caches.
 */
/** A provider of `kind` named `name` was added or changed (`provider`), or deleted (undefined). */
export type ProviderChangeListener = (
  kind: ProviderKind,
  provider: (Obj & Provider) | undefined,
  name: string,
) => void;

export class ProviderInformers {
  private readonly providers = new Map<ProviderKind, Informer<Obj & Provider>>();
  private readonly owned = new Map<string, Informer<Obj>>();
  private webhookSecrets: Informer<Obj> | undefined;
  private readonly client: KubeClient;
  private readonly namespace: string;
  private readonly log: Logger;
  private readonly enqueue: (kind: ProviderKind, name: string) => void;
  private readonly onProviderChange: ProviderChangeListener | undefined;

  constructor(
    client: KubeClient,
    namespace: string,
    log: Logger,
    enqueue: (kind: ProviderKind, name: string) => void,
    /** Told of every provider event before it is queued (the runtime configs' users, issue 19). */
    onProviderChange?: ProviderChangeListener,
  ) {
    this.client = client;
    this.namespace = namespace;
    this.log = log;
    this.enqueue = enqueue;
    this.onProviderChange = onProviderChange;
  }

  /** Starts the informers (caches fill even on a follower, so fail-over is fast). */
  async start(): Promise<void> {
    const onError = (what: string) => (err: Error) =>
      this.log.error("watch failed, retrying", { resource: what, error: err.message });
    for (const kind of PROVIDER_KINDS) {
      const informer = new Informer<Obj & Provider>(
        this.client,
        { apiVersion: API_VERSION, kind },
        {
          onEvent: (type, obj) => {
            this.onProviderChange?.(kind, type === "deleted" ? undefined : obj, obj.metadata.name!);
            this.enqueue(kind, obj.metadata.name!);
          },
          onError: onError(kind),
        },
      );
      this.providers.set(kind, informer);
    }
    for (const ref of OWNED_NAMESPACED) {
      this.owned.set(
        ref.kind,
        new Informer<Obj>(
          this.client,
          { ...ref, namespace: this.namespace },
          {
            labelSelector: MANAGED_SELECTOR,
            onEvent: (_t, obj) => this.enqueueOwner(obj),
            onError: onError(ref.kind),
            ...(TRANSFORMS[ref.kind] ? { transform: TRANSFORMS[ref.kind] } : {}),
            ...((INDEXED_KINDS as readonly string[]).includes(ref.kind) ? { indexes: LABEL_INDEXES } : {}),
          },
        ),
      );
    }
    this.owned.set(
      "ClusterRoleBinding",
      new Informer<Obj>(
        this.client,
        { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding" },
        {
          labelSelector: MANAGED_SELECTOR,
          onEvent: (_t, obj) => this.enqueueOwner(obj),
          onError: onError("ClusterRoleBinding"),
        },
      ),
    );
    // Webhook TLS secrets are created by providers, not by us: watch their metadata only.
    this.webhookSecrets = new Informer<Obj>(
      this.client,
      { apiVersion: "v1", kind: "Secret", namespace: this.namespace },
      {
        metadataOnly: true,
        onEvent: (_t, obj) => this.enqueueWebhookOwner(obj.metadata.name ?? ""),
        onError: onError("Secret"),
      },
    );
    await Promise.all(
      [...this.providers.values(), ...this.owned.values(), this.webhookSecrets].map((i) => i.start()),
    );
  }

  async stop(): Promise<void> {
    await Promise.all(
      [
        ...this.providers.values(),
        ...this.owned.values(),
        ...(this.webhookSecrets ? [this.webhookSecrets] : []),
      ].map((i) => i.stop()),
    );
  }

  provider(kind: ProviderKind, name: string): (Obj & Provider) | undefined {
    return this.providers.get(kind)?.get(name);
  }

  providersOf(kind: ProviderKind): (Obj & Provider)[] {
    return this.providers.get(kind)?.list() ?? [];
  }

  webhookSecretPresent(name: string): boolean {
    return this.webhookSecrets?.get(name, this.namespace) !== undefined;
  }

  private enqueueOwner(obj: Obj): void {
    const kind = obj.metadata.labels?.[LABEL_NAME] as ProviderKind | undefined;
    const name = obj.metadata.labels?.[LABEL_INSTANCE];
    if (kind && name && (PROVIDER_KINDS as readonly string[]).includes(kind)) this.enqueue(kind, name);
  }

  private enqueueWebhookOwner(secretName: string): void {
    if (!secretName.endsWith("-webhook-tls")) return;
    for (const [kind, informer] of this.providers) {
      for (const p of informer.list()) {
        if (providerObjectNames(kind, p.metadata.name!).webhookSecret === secretName)
          this.enqueue(kind, p.metadata.name!);
      }
    }
  }

  cached<T>(kind: string, name: string, namespaced = true): T | undefined {
    return this.owned.get(kind)?.get(name, namespaced ? this.namespace : undefined) as T | undefined;
  }

  /** The cached Pods or ReplicaSets with all of `labels`, found by one of INDEXED_LABELS. */
  cachedWith<T>(kind: (typeof INDEXED_KINDS)[number], labels: Record<string, string>): T[] {
    const informer = this.owned.get(kind);
    if (!informer) return [];
    const by = INDEXED_LABELS.find((label) => labels[label] !== undefined);
    const candidates = by === undefined ? informer.list() : informer.byIndex(by, labels[by]!);
    return candidates.filter((p) =>
      Object.entries(labels).every(([k, v]) => p.metadata.labels?.[k] === v),
    ) as unknown as T[];
  }
}
