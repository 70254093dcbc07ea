export { planReconcile, READY_MESSAGE, NOT_READY_PREFIX } from "./plan-reconcile.ts";
export type {
  DesiredInitObjects,
  DesiredRunObjects,
  ObjectReference,
  ObservedState,
  Plan,
  PlannedAnnotation,
  PlannedDelete,
  PlannedEvent,
  ReconcileInput,
  RenderFailure,
  SpecProblem,
} from "./reconcile-types.ts";
export {
  DEFAULT_RECONCILE_OPTIONS,
  resolveReconcileOptions,
  type ReconcileOptions,
  type ReconcileOptionsInput,
} from "./reconcile-options.ts";
export {
  classifyApiError,
  describeStepFailure,
  failureStepFor,
  isStatusChange,
  planFailure,
  statusForFailure,
  type FailureOutcome,
  type FailureStep,
  type RetryPolicy,
  type StepFailure,
} from "./plan-failure.ts";
export {
  findCondition,
  formatTime,
  isConditionTrue,
  removeCondition,
  setCondition,
  type ConditionInput,
} from "./set-condition.ts";
export {
  buildStatusPatch,
  ownStatus,
  recordedInitAttempts,
  statusEquals,
  OWN_STATUS_FIELDS,
  type OwnStatusField,
} from "./provider-status.ts";
export {
  checkDeploymentReadiness,
  deploymentImage,
  type DeploymentReadiness,
} from "./check-deployment-readiness.ts";
export { describePodProblems, describeLastFailure } from "./describe-pods.ts";
export { ANNOTATION_RUN_HASH, computeRunHash } from "./compute-run-hash.ts";
export { planDeletion, providerObjectsToDelete } from "./plan-deletion.ts";
export {
  initBackoffMs,
  isJobFailed,
  isJobSucceeded,
  INIT_COMPLETED_MESSAGE,
  INIT_RUNNING_MESSAGE,
} from "./plan-init-job.ts";
export { transitionEvents, EVENT_REASONS } from "./transition-events.ts";
export { liveMatches } from "./live-matches.ts";
export { runsSameInit } from "./adopt-init-job.ts";
