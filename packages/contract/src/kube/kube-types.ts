/**
 * The slice of the Kubernetes API the core reads and writes, as plain structural types.
 * The core must not depend on a client library, so these mirror the upstream shapes by hand;
 * fields we never touch are left out, and open-ended objects stay `Record<string, unknown>`.
 */

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
}

/** metav1.Condition, generated from the CRD schema's condition. */
export type { Condition } from "../schema/generated-types.ts";

export interface LocalObjectReference {
  name: string;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string; apiVersion?: string } } & Record<string, unknown>;
}

/** A core/v1 Volume: `name` plus exactly one volume source, kept opaque. */
export type Volume = { name: string } & Record<string, unknown>;

export interface VolumeMount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
  subPath?: string;
  subPathExpr?: string;
  mountPropagation?: string;
  recursiveReadOnly?: string;
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export interface TopologySpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  whenUnsatisfiable: string;
  labelSelector?: LabelSelector;
  minDomains?: number;
  nodeAffinityPolicy?: string;
  nodeTaintsPolicy?: string;
  matchLabelKeys?: string[];
}

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: string;
}

export interface SecurityContext {
  runAsNonRoot?: boolean;
  allowPrivilegeEscalation?: boolean;
  readOnlyRootFilesystem?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
  seccompProfile?: { type: string };
}

export interface Container {
  name: string;
  image: string;
  imagePullPolicy?: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  ports?: ContainerPort[];
  volumeMounts?: VolumeMount[];
  securityContext?: SecurityContext;
  terminationMessagePolicy?: string;
}

export interface PodSpec {
  restartPolicy?: string;
  serviceAccountName?: string;
  imagePullSecrets?: LocalObjectReference[];
  volumes?: Volume[];
  containers: Container[];
  topologySpreadConstraints?: TopologySpreadConstraint[];
  securityContext?: { runAsNonRoot?: boolean; seccompProfile?: { type: string } } & Record<string, unknown>;
  nodeName?: string;
}

export interface PodTemplateSpec {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: PodSpec;
}

export interface JobCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface Job extends KubeObject {
  apiVersion: "batch/v1";
  kind: "Job";
  spec: { backoffLimit?: number; template: PodTemplateSpec } & Record<string, unknown>;
  status?: {
    active?: number;
    succeeded?: number;
    failed?: number;
    conditions?: JobCondition[];
    startTime?: string;
    completionTime?: string;
  };
}

export interface DeploymentCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface Deployment extends KubeObject {
  apiVersion: "apps/v1";
  kind: "Deployment";
  spec: {
    replicas?: number;
    selector: LabelSelector;
    template: PodTemplateSpec;
  } & Record<string, unknown>;
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    unavailableReplicas?: number;
    conditions?: DeploymentCondition[];
  };
}

/** The part of a Deployment's ReplicaSet the operator reads: which template it runs, and for whom. */
export interface ReplicaSet extends KubeObject {
  apiVersion: "apps/v1";
  kind: "ReplicaSet";
  spec: { replicas?: number; template: PodTemplateSpec } & Record<string, unknown>;
  status?: { replicas?: number; readyReplicas?: number; availableReplicas?: number };
}

export interface ContainerStateTerminated {
  exitCode: number;
  reason?: string;
  message?: string;
  finishedAt?: string;
}

export interface ContainerStatus {
  name: string;
  ready: boolean;
  restartCount: number;
  image?: string;
  state?: {
    waiting?: { reason?: string; message?: string };
    running?: { startedAt?: string };
    terminated?: ContainerStateTerminated;
  };
  lastState?: { terminated?: ContainerStateTerminated };
}

export interface Pod extends KubeObject {
  apiVersion: "v1";
  kind: "Pod";
  spec?: PodSpec;
  status?: {
    phase?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    containerStatuses?: ContainerStatus[];
  };
}

export interface Service extends KubeObject {
  apiVersion: "v1";
  kind: "Service";
  spec: {
    type?: string;
    selector?: Record<string, string>;
    ports: { name?: string; port: number; protocol?: string; targetPort?: string | number }[];
  };
}

export interface ServiceAccount extends KubeObject {
  apiVersion: "v1";
  kind: "ServiceAccount";
}

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface RoleRef {
  apiGroup: "rbac.authorization.k8s.io";
  kind: "Role" | "ClusterRole";
  name: string;
}

export interface Subject {
  kind: "ServiceAccount" | "User" | "Group";
  name: string;
  namespace?: string;
  apiGroup?: string;
}

export interface Role extends KubeObject {
  apiVersion: "rbac.authorization.k8s.io/v1";
  kind: "Role";
  rules: PolicyRule[];
}

export interface RoleBinding extends KubeObject {
  apiVersion: "rbac.authorization.k8s.io/v1";
  kind: "RoleBinding" | "ClusterRoleBinding";
  roleRef: RoleRef;
  subjects: Subject[];
}

export interface ClusterRoleBinding extends RoleBinding {
  kind: "ClusterRoleBinding";
}

export interface Secret extends KubeObject {
  apiVersion: "v1";
  kind: "Secret";
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  type?: string;
}
