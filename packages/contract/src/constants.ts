/** API group, version and kinds of the provider resources and the cluster access requests. */
export const GROUP = "openmcp.cloud";
export const VERSION = "v1alpha1";
export const API_VERSION = `${GROUP}/${VERSION}` as const;

export const CLUSTERS_GROUP = "clusters.openmcp.cloud";
export const CLUSTERS_API_VERSION = `${CLUSTERS_GROUP}/${VERSION}` as const;

export const PROVIDER_KINDS = ["ClusterProvider", "ServiceProvider", "PlatformService"] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

/** Everything that differs between the three kinds: their CRD names and the prefix of generated objects. */
export const PROVIDER_KIND_INFO = {
  ClusterProvider: {
    plural: "clusterproviders",
    singular: "clusterprovider",
    listKind: "ClusterProviderList",
    prefix: "cp",
    shortNames: ["cprov"],
  },
  ServiceProvider: {
    plural: "serviceproviders",
    singular: "serviceprovider",
    listKind: "ServiceProviderList",
    prefix: "sp",
    shortNames: ["sprov"],
  },
  PlatformService: {
    plural: "platformservices",
    singular: "platformservice",
    listKind: "PlatformServiceList",
    prefix: "ps",
    shortNames: ["psvc"],
  },
} as const satisfies Record<
  ProviderKind,
  { plural: string; singular: string; listKind: string; prefix: string; shortNames: readonly string[] }
>;

/** `kubectl get openmcp` lists all three kinds. */
export const CRD_CATEGORY = "openmcp";

export const LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";
export const LABEL_NAME = "app.kubernetes.io/name";
export const LABEL_INSTANCE = "app.kubernetes.io/instance";
export const LABEL_COMPONENT = "app.kubernetes.io/component";
export const MANAGED_BY_VALUE = "openmcp-operator";
export const COMPONENT_INIT = "init-job";
export const COMPONENT_CONTROLLER = "controller";

/** Routes a CRD to the platform or the onboarding cluster. */
export const LABEL_CLUSTER = "openmcp.cloud/cluster";
export const LABEL_TOPOLOGY = "openmcp.cloud/topology";
export const LABEL_TOPOLOGY_NS = "openmcp.cloud/topology-ns";
/** Set by the reference on requests a provider creates for itself. */
export const LABEL_OPENMCP_MANAGED_BY = "openmcp.cloud/managed-by";

export const ANNOTATION_PROVIDER_KIND = "openmcp.cloud/provider-kind";
export const ANNOTATION_PROVIDER_NAME = "openmcp.cloud/provider-name";
export const ANNOTATION_PROVIDER_GENERATION = "openmcp.cloud/provider-generation";
/** Ours: hash of the inputs that matter to init, so run-only changes do not re-run it. */
export const ANNOTATION_INIT_HASH = "openmcp.cloud/init-hash";
/** Ours: the image the init Job runs, so status can say which version was initialized. */
export const ANNOTATION_PROVIDER_IMAGE = "openmcp.cloud/provider-image";
export const ANNOTATION_OPERATION = "openmcp.cloud/operation";
/**
 * Ours, on the provider: init Jobs created for the current init hash, kept here only when the
 * provider's CRD drops `status.initAttempts` (the reference's CRDs do), so backoff and Stalled work.
 */
export const ANNOTATION_INIT_ATTEMPTS = "openmcp.cloud/init-attempts";
/**
 * Ours, on the provider: `disabled` turns off the rollback to the last good release (issue 20) for
 * this provider; a failing new release then stays as it is, as with the reference.
 */
export const ANNOTATION_ROLLBACK = "openmcp.cloud/rollback";
export const ROLLBACK_DISABLED = "disabled";
export const OPERATION_IGNORE = "ignore";
export const OPERATION_RECONCILE = "reconcile";

export const FINALIZER = "openmcp.cloud/finalizer";

/** Server-side apply field managers: one for the operator, one for the GitHub Action. */
export const FIELD_MANAGER_OPERATOR = "openmcp-operator";
export const FIELD_MANAGER_ACTION = "openmcp-deploy-action";
export const FIELD_MANAGER_PROVIDER_SDK = "openmcp-provider-sdk";

export const CONDITION_INITIALIZED = "Initialized";
export const CONDITION_READY = "Ready";
export const CONDITION_UNINSTALLED = "Uninstalled";
/** kstatus "abnormal-true" conditions, understood by Flux, Argo CD and kstatus-aware tools. */
export const CONDITION_RECONCILING = "Reconciling";
export const CONDITION_STALLED = "Stalled";
/** Whether `spec.image` was resolved to a digest (only with the operator's --resolve-image-digests). */
export const CONDITION_IMAGE_RESOLVED = "ImageResolved";

export const REASONS = {
  InitPending: "InitPending",
  InitRunning: "InitRunning",
  InitCompleted: "InitCompleted",
  InitJobCreationFailed: "InitJobCreationFailed",
  InitFailed: "InitFailed",
  /** A pod of the init Job failed and the Job will try again (the Job itself has not given up). */
  InitPodFailed: "InitPodFailed",
  InitBackoff: "InitBackoff",
  ProviderInstallationPending: "ProviderInstallationPending",
  ProviderInstallationFailed: "ProviderInstallationFailed",
  ProviderNotReady: "ProviderNotReady",
  ProviderReady: "ProviderReady",
  /** Reconciling while Ready: the operator rolls out a new pod template (no spec change) and old pods serve. */
  RollingOut: "RollingOut",
  /** A new release failed (not ready in time, crash loop, image pull, init stalled) and the last good one runs again. */
  RolledBack: "RolledBack",
  ImageResolved: "ImageResolved",
  ImageResolveFailed: "ImageResolveFailed",
  UninstallFailed: "UninstallFailed",
  Uninstalling: "Uninstalling",
  InvalidSpec: "InvalidSpec",
} as const;
export type Reason = (typeof REASONS)[keyof typeof REASONS];

export const PHASES = {
  Progressing: "Progressing",
  Ready: "Ready",
  Uninstalling: "Uninstalling",
  Failed: "Failed",
} as const;
export type Phase = (typeof PHASES)[keyof typeof PHASES];

export const VERBOSITIES = ["DEBUG", "INFO", "ERROR", "debug", "info", "error"] as const;
export type Verbosity = (typeof VERBOSITIES)[number];

/** Environment variables the operator sets from the downward API, in this order, after spec.env. */
export const POD_ENV_VARS = [
  { name: "POD_NAME", fieldPath: "metadata.name" },
  { name: "POD_NAMESPACE", fieldPath: "metadata.namespace" },
  { name: "POD_IP", fieldPath: "status.podIP" },
  { name: "POD_SERVICE_ACCOUNT_NAME", fieldPath: "spec.serviceAccountName" },
] as const;
export const RESERVED_ENV_NAMES: readonly string[] = POD_ENV_VARS.map((v) => v.name);

/**
 * Ours (the reference has no maximum): providers are leader-elected controllers, so replicas beyond
 * a few are idle standbys; 100 leaves ample room and still catches typos such as 1000.
 */
export const MAX_RUN_REPLICAS = 100;
export const METRICS_PORT_NAME = "metrics-http";
export const INIT_CONTAINER_NAME = "init";
export const INIT_JOB_BACKOFF_LIMIT = 4;

export const WEBHOOK_VOLUME_NAME = "webhook-tls";
export const WEBHOOK_CERT_DIR = "/tmp/k8s-webhook-server/serving-certs";

export const PROVIDER_CLUSTER_ROLE = "cluster-admin";
export const CLUSTER_SCOPED_NAME_PREFIX = "openmcp.cloud:";
