/**
 * ProviderRuntimeConfig: pod settings the platform team sets for provider pods (issue 19, ADR 0013).
 * Cluster-scoped, in this project's own API group, so the providers' own CRDs stay upstream's.
 */
import type { EnvVar, KubeObject } from "../kube/kube-types.ts";

export const RUNTIME_GROUP = "deployer.openmcp-ts.dev";
export const RUNTIME_API_VERSION = `${RUNTIME_GROUP}/v1alpha1` as const;
export const RUNTIME_CONFIG_KIND = "ProviderRuntimeConfig";
export const RUNTIME_CONFIG_PLURAL = "providerruntimeconfigs";

/** On a provider: the name of the ProviderRuntimeConfig its pods use (keeps the provider's CRD upstream's). */
export const ANNOTATION_RUNTIME_CONFIG = "openmcp.cloud/runtime-config";
/** On a ProviderRuntimeConfig while providers use it: its deletion waits until none does. */
export const FINALIZER_RUNTIME_CONFIG_IN_USE = "deployer.openmcp-ts.dev/in-use";

/** Bounds that keep the CEL rules of the CRD within the API server's cost budget. */
export const MAX_RUNTIME_ENV = 256;
export const MAX_RUNTIME_MAP_ENTRIES = 64;

export type Quantity = string | number;

export interface ResourceRequirements {
  limits?: Record<string, Quantity>;
  requests?: Record<string, Quantity>;
}

export interface Toleration {
  key?: string;
  operator?: "Equal" | "Exists" | "Lt" | "Gt";
  value?: string;
  effect?: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
  tolerationSeconds?: number;
}

/** core/v1 Affinity; its shape is checked by the CRD (the upstream schema), not here. */
export type Affinity = Record<string, unknown>;

export interface EnvFromSource {
  prefix?: string;
  configMapRef?: { name: string; optional?: boolean };
  secretRef?: { name: string; optional?: boolean };
}

/** The part of core/v1 PodSecurityContext that the restricted Pod Security Standard leaves open. */
export interface RuntimePodSecurityContext {
  runAsUser?: number;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  fsGroup?: number;
  fsGroupChangePolicy?: string;
  supplementalGroups?: number[];
  supplementalGroupsPolicy?: string;
  seccompProfile?: { type: string; localhostProfile?: string };
  appArmorProfile?: { type: string; localhostProfile?: string };
}

export interface MetadataOverlay {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Settings for the pods of one phase (or both); each is optional, unset means "not from this layer". */
export interface PodSettings {
  resources?: ResourceRequirements;
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  affinity?: Affinity;
  priorityClassName?: string;
  podMetadata?: MetadataOverlay;
  serviceAccountMetadata?: MetadataOverlay;
  env?: EnvVar[];
  envFrom?: EnvFromSource[];
  podSecurityContext?: RuntimePodSecurityContext;
}

export interface ProviderRuntimeConfigSpec {
  /** For the init Job and the run Deployment. */
  common?: PodSettings;
  /** For the init Job only; a field set here wins over `common`. */
  init?: PodSettings;
  /** For the run Deployment only; a field set here wins over `common`. */
  run?: PodSettings;
}

export interface ProviderRuntimeConfig extends KubeObject {
  apiVersion: typeof RUNTIME_API_VERSION;
  kind: typeof RUNTIME_CONFIG_KIND;
  spec?: ProviderRuntimeConfigSpec;
  status?: { users?: number; usedBy?: string[] };
}

export const POD_SETTINGS_FIELDS = [
  "resources",
  "nodeSelector",
  "tolerations",
  "affinity",
  "priorityClassName",
  "podMetadata",
  "serviceAccountMetadata",
  "env",
  "envFrom",
  "podSecurityContext",
] as const satisfies readonly (keyof PodSettings)[];
