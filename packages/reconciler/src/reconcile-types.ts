import type {
  ClusterRoleBinding,
  Deployment,
  Job,
  KubeObject,
  Pod,
  Provider,
  ProviderStatus,
  RenderProblem,
  ReplicaSet,
  Role,
  RoleBinding,
  Service,
  ServiceAccount,
} from "@openmcp-ts/contract";
import type { ReconcileOptionsInput } from "./reconcile-options.ts";

/** The init phase as `@openmcp-ts/render` renders it (structurally, so the core does not depend on render). */
export interface DesiredInitObjects {
  serviceAccount: ServiceAccount;
  clusterRoleBinding: ClusterRoleBinding;
  role: Role;
  roleBinding: RoleBinding;
  job: Job;
  /** The Job's `openmcp.cloud/init-hash`: what identifies "the current init". */
  initHash: string;
}

/** The run phase as `@openmcp-ts/render` renders it. */
export interface DesiredRunObjects {
  serviceAccount: ServiceAccount;
  clusterRoleBinding: ClusterRoleBinding;
  deployment: Deployment;
  metricsService?: Service | undefined;
}

/**
 * One thing wrong with the spec, structurally the same as contract's `FieldProblem`:
 * `message` already names the field path and the value.
 */
export interface SpecProblem {
  path: string;
  value?: unknown;
  reason: string;
  message: string;
}

/** A render failure (a `RenderError` is one), passed as data: the reconciler reads its `type`. */
export type RenderFailure = RenderProblem;

/** What the shell read from the API server for one provider. */
export interface ObservedState {
  /** The init Job, fetched by name. */
  initJob?: Job | undefined;
  /** The pods of that Job (label or controller-uid selector); used to explain failures. */
  initPods?: Pod[] | undefined;
  /** The run Deployment, fetched by name. */
  deployment?: Deployment | undefined;
  /** The Deployment's pods; used to explain why it is not ready. */
  runPods?: Pod[] | undefined;
  /**
   * The Deployment's ReplicaSets (the Deployment controller keeps old ones): the last good
   * release's template to roll back to, and which pods belong to a new release.
   */
  replicaSets?: ReplicaSet[] | undefined;
  /**
   * The metrics Service, if the shell looked it up. Only used to delete a Service that is left over
   * after metrics were switched off; without it no such clean-up is planned.
   */
  metricsService?: Service | undefined;
}

export interface ReconcileInput {
  /** The provider as read from the API server. */
  provider: Provider;
  /** Rendered by the shell; undefined when rendering failed (then `problems` says why). */
  desired?: { init: DesiredInitObjects; run: DesiredRunObjects } | undefined;
  /**
   * Validation problems or the render error; non-empty means: apply nothing. When undefined, the core
   * runs contract's `validateProvider` itself; pass `[]` to skip that (e.g. already validated).
   */
  problems?: readonly SpecProblem[] | RenderFailure | undefined;
  /**
   * What the shell's tag → digest resolution gave (undefined: resolution off or the image is a
   * digest). `image` is what `desired` was rendered with; `error` says why resolution failed.
   */
  imageResolution?: { tag: string; image?: string | undefined; error?: string | undefined } | undefined;
  observed: ObservedState;
  now: Date;
  options: ReconcileOptionsInput;
}

export interface ObjectReference {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

export interface PlannedDelete extends ObjectReference {
  propagationPolicy?: "Background" | "Foreground";
}

/** Annotations to merge into an existing object's metadata (nothing else of it is touched). */
export interface PlannedAnnotation extends ObjectReference {
  annotations: Record<string, string>;
}

export interface PlannedEvent {
  type: "Normal" | "Warning";
  reason: string;
  message: string;
}

/**
 * What one pass wants done. The shell executes it in this order and stops at the first failure
 * (then writes `statusForFailure(...)` instead of `status`):
 * 1. `finalizer: "add"` (before anything is created),
 * 2. `removeOperationAnnotation`,
 * 3. `annotate` (merge patches of metadata.annotations, e.g. adopting another operator's init Job),
 * 4. `apply` (server-side apply, in order),
 * 5. `delete` (in order; 404 counts as success),
 * 6. `finalizer: "remove"` (only after every delete succeeded),
 * 7. `status` to the status subresource (never touching `status.resources`), then `events`,
 * 8. requeue after `requeueAfterMs` if set.
 */
export interface Plan {
  finalizer?: "add" | "remove";
  removeOperationAnnotation?: boolean;
  annotate?: PlannedAnnotation[];
  /** Annotations to merge into the provider (null removes), after `apply` and `delete`, before `status`. */
  providerAnnotations?: Record<string, string | null>;
  apply: KubeObject[];
  delete: PlannedDelete[];
  /** The full desired status of our fields; undefined when it equals what the provider already has. */
  status?: ProviderStatus;
  events: PlannedEvent[];
  requeueAfterMs?: number;
}
