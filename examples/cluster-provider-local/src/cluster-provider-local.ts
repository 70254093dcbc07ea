import { isDeepStrictEqual } from "node:util";
import {
  CLUSTERS_API_VERSION,
  type AccessRequest,
  type Condition,
  type ObjectMeta,
} from "@openmcp-ts/contract";
import { Informer, KubeClient, WorkQueue, type Logger } from "@openmcp-ts/kube";
import { formatTime, setCondition } from "@openmcp-ts/reconciler";
import { defineProvider, type Provider } from "@openmcp-ts/provider-sdk";
import {
  ACCESS_FINALIZER,
  ACCESS_NAMESPACE,
  LABEL_ACCESS_REQUEST_UID,
  LABEL_PROVIDER,
  accessObjects,
  accessSecretName,
  isResponsible,
  serviceAccountName,
  tokenKubeconfigYaml,
} from "./access-objects.ts";

export const FIELD_MANAGER = "cluster-provider-local";
/**
 * The Secret (in the provider's namespace) that says which control planes this provider serves:
 * one key per Cluster name, the admin kubeconfig of the control plane behind it. A real
 * ClusterProvider would create the cluster here; this one is handed running control planes.
 */
export const CLUSTERS_SECRET_ENV = "LOCAL_CLUSTERS_SECRET";
export const DEFAULT_CLUSTERS_SECRET = "cluster-provider-local-clusters";
/** How long a granted token lives unless the request's TTL is shorter (TokenRequest's minimum: 10 min). */
export const TOKEN_LIFETIME_SECONDS = 3600;
const MIN_TOKEN_SECONDS = 600;
/** A cluster that answers is looked at again this often; one that does not, sooner. */
const HEALTHY_RECHECK_MS = 30_000;
const UNHEALTHY_RECHECK_MS = 5_000;

interface Cluster {
  apiVersion: string;
  kind: "Cluster";
  metadata: ObjectMeta;
  spec: { profile: string; tenancy: string; purposes?: string[] };
  status?: { phase?: string; observedGeneration?: number; apiServer?: string; conditions?: Condition[] };
}
interface SecretData {
  metadata: ObjectMeta;
  data?: Record<string, string>;
}

/** The Kubernetes versions its ClusterProfile lists (comma-separated); default: what testenv builds. */
export const VERSIONS_ENV = "LOCAL_KUBERNETES_VERSIONS";
const DEFAULT_VERSIONS = "1.37.2";

/** The ClusterProfile a provider owns: clusters of this profile are its to answer. */
export function clusterProfile(providerName: string, versions: readonly string[]) {
  return {
    apiVersion: CLUSTERS_API_VERSION,
    kind: "ClusterProfile",
    metadata: { name: providerName },
    spec: {
      providerRef: { name: providerName },
      providerConfigRef: { name: "default" },
      supportedVersions: versions.map((version) => ({ version })),
    },
  };
}

/** One reason a request or cluster cannot be answered now; it is written to the status, then retried. */
class NotAnswerable extends Error {
  readonly reason: string;
  constructor(reason: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
  }
}

/** The clients for the control planes in the clusters Secret, rebuilt when the Secret changes. */
class Targets {
  private clients = new Map<string, KubeClient>();
  private version = "";
  private readonly secretName: string;
  constructor(secretName: string) {
    this.secretName = secretName;
  }

  update(secret: SecretData | undefined): void {
    const version = secret?.metadata.resourceVersion ?? "";
    if (version === this.version) return;
    this.version = version;
    this.clients = new Map();
    for (const [name, encoded] of Object.entries(secret?.data ?? {})) {
      try {
        this.clients.set(name, KubeClient.create({ kubeconfig: Buffer.from(encoded, "base64").toString() }));
      } catch {
        // A key that is not a kubeconfig serves nothing; the Cluster's status names the key.
      }
    }
  }

  get(clusterName: string): KubeClient {
    const client = this.clients.get(clusterName);
    if (!client)
      throw new NotAnswerable(
        "ClusterNotServed",
        `no control plane for Cluster ${JSON.stringify(clusterName)}: Secret ${this.secretName} has no usable key ${JSON.stringify(clusterName)}`,
      );
    return client;
  }
}

async function reachable(target: KubeClient, clusterName: string): Promise<void> {
  try {
    await target.call("GET", "/version", { verb: "get", timeoutMs: 5000 });
  } catch (err) {
    throw new NotAnswerable(
      "ClusterUnreachable",
      `the API server of Cluster ${JSON.stringify(clusterName)} (${target.server}) does not answer: ${(err as Error).message}`,
      { cause: err },
    );
  }
}

/** A ClusterProvider serving local control planes: `init` owns its ClusterProfile, `run` answers its Clusters and AccessRequests. */
export function clusterProviderLocal(): Provider {
  return defineProvider({
    name: "cluster-provider-local",
    async init({ invocation, platform, log }) {
      const versions = (process.env[VERSIONS_ENV] || DEFAULT_VERSIONS).split(",").map((v) => v.trim());
      await platform.apply(clusterProfile(invocation.providerName, versions), FIELD_MANAGER, { force: true });
      log.info("ClusterProfile applied", { profile: invocation.providerName });
    },
    async run({ invocation, platform, namespace, signal, log }) {
      const provider = invocation.providerName;
      const secretName = process.env[CLUSTERS_SECRET_ENV] || DEFAULT_CLUSTERS_SECRET;
      const targets = new Targets(`${namespace}/${secretName}`);
      const controller = new LocalController(platform, targets, provider, log);
      await controller.start(namespace, secretName);
      log.info("answering Clusters and AccessRequests", { profile: provider, clustersSecret: secretName });
      await new Promise<void>((resolve) => {
        if (signal.aborted) resolve();
        signal.addEventListener("abort", () => resolve(), { once: true });
      });
      await controller.stop();
    },
  });
}

class LocalController {
  private readonly queue: WorkQueue;
  private readonly clusters: Informer<Cluster>;
  private readonly requests: Informer<AccessRequest>;
  private secret: Informer<SecretData> | undefined;
  private readonly platform: KubeClient;
  private readonly targets: Targets;
  private readonly provider: string;
  private readonly log: Logger;

  constructor(platform: KubeClient, targets: Targets, provider: string, log: Logger) {
    this.platform = platform;
    this.targets = targets;
    this.provider = provider;
    this.log = log;
    this.queue = new WorkQueue({
      workers: 2,
      baseDelayMs: 500,
      maxDelayMs: 30_000,
      process: (key) => this.process(key),
      onError: (key, err, retryInMs) =>
        log.error("cannot reconcile", { key, error: err, retryInMs: Math.round(retryInMs) }),
    });
    const onError = (err: Error): void => log.error("watch failed", { error: err });
    this.clusters = new Informer<Cluster>(
      platform,
      { apiVersion: CLUSTERS_API_VERSION, kind: "Cluster" },
      {
        onEvent: (_t, c) => {
          if (c.spec.profile === provider)
            this.queue.add(`Cluster/${c.metadata.namespace}/${c.metadata.name}`);
        },
        onError,
      },
    );
    this.requests = new Informer<AccessRequest>(
      platform,
      { apiVersion: CLUSTERS_API_VERSION, kind: "AccessRequest" },
      {
        labelSelector: `${LABEL_PROVIDER}=${provider}`,
        onEvent: (_t, ar) => this.queue.add(`AccessRequest/${ar.metadata.namespace}/${ar.metadata.name}`),
        onError,
      },
    );
  }

  async start(namespace: string, secretName: string): Promise<void> {
    this.secret = new Informer<SecretData>(
      this.platform,
      { apiVersion: "v1", kind: "Secret", namespace },
      {
        fieldSelector: `metadata.name=${secretName}`,
        onEvent: () => {
          this.targets.update(this.secret?.get(secretName, namespace));
          // Which control planes exist changed: every Cluster and request is looked at again.
          for (const c of this.clusters.list())
            if (c.spec.profile === this.provider)
              this.queue.add(`Cluster/${c.metadata.namespace}/${c.metadata.name}`);
          for (const ar of this.requests.list())
            this.queue.add(`AccessRequest/${ar.metadata.namespace}/${ar.metadata.name}`);
        },
        onError: (err) => this.log.error("watch failed", { error: err }),
      },
    );
    await this.secret.start();
    this.targets.update(this.secret.get(secretName, namespace));
    await Promise.all([this.clusters.start(), this.requests.start()]);
  }

  async stop(): Promise<void> {
    await this.queue.stop();
    await Promise.all([this.clusters.stop(), this.requests.stop(), this.secret?.stop()]);
  }

  private async process(key: string): Promise<{ requeueAfterMs?: number } | undefined> {
    const [kind, namespace = "", name = ""] = key.split("/");
    if (kind === "Cluster") {
      const cluster = this.clusters.get(name, namespace);
      return cluster ? this.reconcileCluster(cluster) : undefined;
    }
    const ar = this.requests.get(name, namespace);
    return ar ? this.reconcileAccessRequest(ar) : undefined;
  }

  /** A Cluster of our profile is Ready while the control plane behind it answers. */
  private async reconcileCluster(cluster: Cluster): Promise<{ requeueAfterMs: number }> {
    const name = cluster.metadata.name ?? "";
    let ready: Omit<Condition, "lastTransitionTime">;
    let apiServer: string | undefined;
    try {
      const target = this.targets.get(name);
      await reachable(target, name);
      apiServer = target.server;
      ready = { type: "Ready", status: "True", reason: "ClusterReady", message: `served at ${apiServer}` };
    } catch (err) {
      if (!(err instanceof NotAnswerable)) throw err;
      ready = { type: "Ready", status: "False", reason: err.reason, message: err.message };
    }
    const phase = ready.status === "True" ? "Ready" : "Not Ready";
    const conditions = setCondition(
      cluster.status?.conditions,
      { ...ready, observedGeneration: cluster.metadata.generation ?? 0 },
      new Date(),
    );
    const status = {
      phase,
      observedGeneration: cluster.metadata.generation ?? 0,
      conditions,
      ...(apiServer ? { apiServer } : {}),
    };
    // Only what we set is compared: an unchanged Cluster costs no write.
    const before = Object.fromEntries(
      Object.keys(status).map((k) => [k, (cluster.status as Record<string, unknown> | undefined)?.[k]]),
    );
    if (!isDeepStrictEqual(status, before)) {
      await this.platform.patch(clusterRef(cluster), "merge", { status }, { subresource: "status" });
      this.log.info("Cluster status", {
        cluster: `${cluster.metadata.namespace}/${name}`,
        phase,
        reason: ready.reason,
      });
    }
    return { requeueAfterMs: ready.status === "True" ? HEALTHY_RECHECK_MS : UNHEALTHY_RECHECK_MS };
  }

  private async reconcileAccessRequest(ar: AccessRequest): Promise<{ requeueAfterMs?: number } | undefined> {
    const id = `${ar.metadata.namespace}/${ar.metadata.name}`;
    if (ar.metadata.deletionTimestamp) return this.revoke(ar, id);
    if (!isResponsible(ar, this.provider)) return undefined;
    const clusterName = ar.spec.clusterRef?.name;
    // The reference's AccessRequest controller sets clusterRef with the labels; until then, wait.
    if (!clusterName) return undefined;
    if (!(ar.metadata.finalizers ?? []).includes(ACCESS_FINALIZER)) {
      await this.platform.patch(arRef(ar), "merge", {
        metadata: {
          resourceVersion: ar.metadata.resourceVersion,
          finalizers: [...(ar.metadata.finalizers ?? []), ACCESS_FINALIZER],
        },
      });
      return undefined; // the update comes back through the watch
    }
    try {
      return await this.grant(ar, clusterName, id);
    } catch (err) {
      const reason = err instanceof NotAnswerable ? err.reason : "GrantFailed";
      const message = `cannot grant access to Cluster ${JSON.stringify(clusterName)}: ${(err as Error).message}`;
      await this.writeAccessStatus(ar, "Pending", { status: "False", reason, message });
      throw new Error(`cannot grant AccessRequest ${id}: ${message}`, { cause: err });
    }
  }

  private async grant(
    ar: AccessRequest,
    clusterName: string,
    id: string,
  ): Promise<{ requeueAfterMs: number }> {
    const target = this.targets.get(clusterName);
    await reachable(target, clusterName);
    for (const obj of accessObjects(ar)) await target.apply(obj, FIELD_MANAGER, { force: true });

    const secretName = accessSecretName(ar);
    const secretRef = {
      apiVersion: "v1",
      kind: "Secret",
      namespace: ar.metadata.namespace ?? "",
      name: secretName,
    };
    const existing = await this.platform.find<SecretData>(secretRef);
    const now = Date.now();
    const expires = Date.parse(Buffer.from(existing?.data?.expirationTimestamp ?? "", "base64").toString());
    const created = Date.parse(Buffer.from(existing?.data?.creationTimestamp ?? "", "base64").toString());
    const granted = ar.status?.phase === "Granted" && ar.status.observedGeneration === ar.metadata.generation;
    // A token is renewed when 80 % of its life has passed (as kubelets renew projected tokens).
    const renewAt = created + 0.8 * (expires - created);
    if (granted && existing && Number.isFinite(renewAt) && now < renewAt)
      return { requeueAfterMs: renewAt - now };

    const ttlSeconds = parseDurationSeconds(ar.spec.ttl);
    const lifetime = Math.max(MIN_TOKEN_SECONDS, Math.min(TOKEN_LIFETIME_SECONDS, ttlSeconds ?? Infinity));
    const sa = serviceAccountName(ar);
    const review = (await target.call(
      "POST",
      `/api/v1/namespaces/${ACCESS_NAMESPACE}/serviceaccounts/${sa}/token`,
      {
        body: {
          apiVersion: "authentication.k8s.io/v1",
          kind: "TokenRequest",
          spec: { expirationSeconds: lifetime },
        },
        verb: "create",
      },
    )) as { status: { token: string; expirationTimestamp: string } };
    const cluster = target.kubeConfig.getCurrentCluster();
    const caData = cluster?.caData ?? "";
    const kubeconfig = tokenKubeconfigYaml(
      target.server,
      caData,
      `${ACCESS_NAMESPACE}/${sa}`,
      review.status.token,
    );
    const b64 = (s: string): string => Buffer.from(s).toString("base64");
    await this.platform.apply(
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: {
          name: secretName,
          namespace: ar.metadata.namespace ?? "",
          labels: { [LABEL_ACCESS_REQUEST_UID]: ar.metadata.uid ?? "" },
          // Deleting the request deletes its Secret (garbage collection), whoever deletes it.
          ownerReferences: [
            {
              apiVersion: CLUSTERS_API_VERSION,
              kind: "AccessRequest",
              name: ar.metadata.name,
              uid: ar.metadata.uid,
              controller: true,
            },
          ],
        } as ObjectMeta,
        type: "Opaque",
        data: {
          kubeconfig: b64(kubeconfig),
          token: b64(review.status.token),
          host: b64(target.server),
          "ca.crt": caData,
          creationTimestamp: b64(formatTime(new Date(now))),
          expirationTimestamp: b64(review.status.expirationTimestamp),
        },
      },
      FIELD_MANAGER,
      { force: true },
    );
    await this.writeAccessStatus(
      ar,
      "Granted",
      {
        status: "True",
        reason: "AccessGranted",
        message: `ServiceAccount ${ACCESS_NAMESPACE}/${sa} on Cluster ${JSON.stringify(clusterName)}, token until ${review.status.expirationTimestamp}`,
      },
      secretName,
    );
    this.log.info("AccessRequest granted", { accessRequest: id, cluster: clusterName, secret: secretName });
    return { requeueAfterMs: 0.8 * lifetime * 1000 };
  }

  /** Deletion (by a user, or by the reference when the TTL expired): what the grant created goes first. */
  private async revoke(ar: AccessRequest, id: string): Promise<undefined> {
    if (!(ar.metadata.finalizers ?? []).includes(ACCESS_FINALIZER)) return undefined;
    const clusterName = ar.spec.clusterRef?.name;
    if (clusterName) {
      const target = this.targets.get(clusterName);
      // Reverse order: bindings before roles, the ServiceAccount last; the shared namespaces stay.
      for (const obj of accessObjects(ar).reverse()) {
        if (obj.kind === "Namespace") continue;
        await target.delete({
          apiVersion: obj.apiVersion,
          kind: obj.kind,
          name: obj.metadata.name,
          ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
        });
      }
    }
    await this.platform.delete({
      apiVersion: "v1",
      kind: "Secret",
      namespace: ar.metadata.namespace ?? "",
      name: accessSecretName(ar),
    });
    await this.platform.patch(arRef(ar), "merge", {
      metadata: {
        resourceVersion: ar.metadata.resourceVersion,
        finalizers: (ar.metadata.finalizers ?? []).filter((f) => f !== ACCESS_FINALIZER),
      },
    });
    this.log.info("AccessRequest revoked", { accessRequest: id, cluster: clusterName });
    return undefined;
  }

  private async writeAccessStatus(
    ar: AccessRequest,
    phase: "Granted" | "Pending",
    granted: Pick<Condition, "status" | "reason" | "message">,
    secretName?: string,
  ): Promise<void> {
    const generation = ar.metadata.generation ?? 0;
    const conditions = setCondition(
      ar.status?.conditions,
      { type: "Granted", ...granted, observedGeneration: generation },
      new Date(),
    );
    await this.platform.patch(
      arRef(ar),
      "merge",
      {
        status: {
          phase,
          observedGeneration: generation,
          conditions,
          ...(secretName ? { secretRef: { name: secretName } } : {}),
        },
      },
      { subresource: "status" },
    );
  }
}

function clusterRef(c: Cluster) {
  return {
    apiVersion: CLUSTERS_API_VERSION,
    kind: "Cluster",
    namespace: c.metadata.namespace ?? "",
    name: c.metadata.name ?? "",
  };
}
function arRef(ar: AccessRequest) {
  return {
    apiVersion: CLUSTERS_API_VERSION,
    kind: "AccessRequest",
    namespace: ar.metadata.namespace ?? "",
    name: ar.metadata.name ?? "",
  };
}

/** metav1.Duration's text (`1h30m`, `90s`, `1.5h`) in seconds; undefined when absent or not a duration. */
export function parseDurationSeconds(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
  let total = 0;
  const rest = text.replace(/(\d+(?:\.\d+)?)(ms|h|m|s)/g, (_, n: string, u: string) => {
    total += Number(n) * (units[u] ?? 0);
    return "";
  });
  return rest === "" ? total : undefined;
}
