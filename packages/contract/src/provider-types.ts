import type { ProviderKind, Verbosity } from "./constants.ts";
import type {
  Condition,
  EnvVar,
  LocalObjectReference,
  ObjectMeta,
  TopologySpreadConstraint,
  Volume,
  VolumeMount,
} from "./kube-types.ts";

/** `spec` shared by ClusterProvider, ServiceProvider and PlatformService (the reference's DeploymentSpec). */
export interface ProviderSpec {
  image: string;
  imagePullSecrets?: LocalObjectReference[];
  initCommand?: string[];
  runCommand?: string[];
  /** Literal values only; the four POD_* variables are reserved. */
  env?: { name: string; value?: string }[];
  verbosity?: Verbosity;
  extraVolumes?: Volume[];
  extraVolumeMounts?: VolumeMount[];
  runReplicas?: number;
  topologySpreadConstraints?: TopologySpreadConstraint[];
  metrics?: MetricsSpec;
}

export interface MetricsSpec {
  disabled: boolean;
  path?: string;
  port?: number;
}

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** What identifies one version of a provider: its image (a digest when resolved) and the hashes of its init and run. */
export interface Release {
  image: string;
  initHash: string;
  runHash: string;
}

export interface ProviderStatus {
  observedGeneration?: number;
  phase?: string;
  conditions?: Condition[];
  metrics?: { serviceRef: { name: string; namespace: string } };
  /** Ours: the image whose init Job last succeeded. */
  initializedImage?: string;
  /** Ours: the image the run Deployment runs. */
  runningImage?: string;
  /** Ours: init attempts for the current init hash, for backoff and Stalled. */
  initAttempts?: number;
  /** `spec.image` resolved to `repository@sha256:…`, what the Job and Deployment run (with --resolve-image-digests). */
  resolvedImage?: string;
  /** Ours: the release that last became Ready; what a failed new release is rolled back to. */
  lastGoodRelease?: Release;
  /** Ours: the new release being rolled out, and since when (its deadline runs from then). */
  pendingRelease?: Release & { since: string };
  /** Ours: the release that was rolled back, and why; not tried again until the spec changes or `reconcile`. */
  failedRelease?: Release & { reason: string; message: string };
  /** ServiceProvider only: written by the provider itself, never by the operator. */
  resources?: GroupVersionKind[];
}

export interface Provider<K extends ProviderKind = ProviderKind> {
  apiVersion: "openmcp.cloud/v1alpha1";
  kind: K;
  metadata: ObjectMeta;
  spec: ProviderSpec;
  status?: ProviderStatus;
}

export type ClusterProvider = Provider<"ClusterProvider">;
export type ServiceProvider = Provider<"ServiceProvider">;
export type PlatformService = Provider<"PlatformService">;

export type { EnvVar };

/** clusters.openmcp.cloud/v1alpha1 ClusterRequest (namespaced). */
export interface ClusterRequest {
  apiVersion: "clusters.openmcp.cloud/v1alpha1";
  kind: "ClusterRequest";
  metadata: ObjectMeta;
  spec: { purpose: string; waitForClusterDeletion?: boolean };
  status?: {
    phase?: "Pending" | "Granted" | "Denied" | "";
    observedGeneration?: number;
    conditions?: Condition[];
    cluster?: { name: string; namespace: string };
    reason?: string;
    message?: string;
  };
}

export interface PermissionsRequest {
  name?: string;
  namespace?: string;
  disableAutomaticNamespaceCreation?: boolean;
  rules: { apiGroups?: string[]; resources?: string[]; verbs: string[]; resourceNames?: string[] }[];
}

/** clusters.openmcp.cloud/v1alpha1 AccessRequest (namespaced). */
export interface AccessRequest {
  apiVersion: "clusters.openmcp.cloud/v1alpha1";
  kind: "AccessRequest";
  metadata: ObjectMeta;
  spec: {
    clusterRef?: { name: string; namespace: string };
    requestRef?: { name: string; namespace: string };
    token?: {
      permissions?: PermissionsRequest[];
      roleRefs?: { name: string; namespace?: string; kind: "Role" | "ClusterRole" }[];
    };
    oidc?: Record<string, unknown>;
    ttl?: string;
  };
  status?: {
    phase?: "Pending" | "Granted" | "Denied" | "";
    observedGeneration?: number;
    conditions?: Condition[];
    secretRef?: { name: string };
    reason?: string;
    message?: string;
  };
}
