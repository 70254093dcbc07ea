import type { OwnStatusField } from "./provider-status.ts";

/** Tuning of one reconcile pass. Only `namespace` is required; see `DEFAULT_RECONCILE_OPTIONS`. */
export interface ReconcileOptions {
  /** The system namespace where all provider workloads live. */
  namespace: string;
  /** Init Jobs created for one init hash before the provider is marked `Stalled`. */
  maxInitAttempts: number;
  /** Wait after the first failed init Job before the next one; doubles per attempt. */
  initBackoffBaseMs: number;
  /** Upper bound of that wait. */
  initBackoffMaxMs: number;
  /** Requeue while a deleted init Job is still terminating (or not yet seen as gone). */
  jobDeletionPollMs: number;
  /**
   * Requeue while waiting for a running init Job or a Deployment rollout, so that pod-level detail
   * in the message stays current (pods are not watched). 0 relies on the Job/Deployment watches alone.
   */
  progressPollMs: number;
  /** Requeue after a render error, which may depend on cluster state (e.g. the webhook Secret). 0: never. */
  renderErrorRetryMs: number;
  /**
   * Our status fields the provider's CRD does not keep (its structural schema prunes them, as the
   * reference's CRDs do with `initAttempts`, `initializedImage`, `runningImage`): they are neither
   * compared (they are still sent when a write is due), and the init attempt count goes to the `openmcp.cloud/init-attempts`
   * annotation instead. The shell learns them from its status writes' responses.
   */
  prunedStatusFields: readonly OwnStatusField[];
  /**
   * Roll a failing new release back to the last good one (issue 20); a provider can opt out with
   * `openmcp.cloud/rollback: disabled`.
   */
  rollback: boolean;
  /** A new release whose run pods are not all ready this long after its rollout began is rolled back. */
  rolloutDeadlineMs: number;
  /** A crash loop or image-pull failure of a new release's pods rolls it back once this much of its rollout has passed. */
  rolloutFailureGraceMs: number;
}

export type ReconcileOptionsInput = Pick<ReconcileOptions, "namespace"> &
  Partial<Omit<ReconcileOptions, "namespace">>;

export const DEFAULT_RECONCILE_OPTIONS = {
  maxInitAttempts: 5,
  initBackoffBaseMs: 10_000,
  initBackoffMaxMs: 300_000,
  jobDeletionPollMs: 2_000,
  progressPollMs: 30_000,
  renderErrorRetryMs: 300_000,
  prunedStatusFields: [],
  rollback: true,
  rolloutDeadlineMs: 600_000,
  rolloutFailureGraceMs: 60_000,
} as const satisfies Omit<ReconcileOptions, "namespace">;

/** Fills in the defaults; rejects values that would make the plan meaningless. */
export function resolveReconcileOptions(input: ReconcileOptionsInput): ReconcileOptions {
  const d = DEFAULT_RECONCILE_OPTIONS;
  const options: ReconcileOptions = {
    namespace: input.namespace,
    maxInitAttempts: input.maxInitAttempts ?? d.maxInitAttempts,
    initBackoffBaseMs: input.initBackoffBaseMs ?? d.initBackoffBaseMs,
    initBackoffMaxMs: input.initBackoffMaxMs ?? d.initBackoffMaxMs,
    jobDeletionPollMs: input.jobDeletionPollMs ?? d.jobDeletionPollMs,
    progressPollMs: input.progressPollMs ?? d.progressPollMs,
    renderErrorRetryMs: input.renderErrorRetryMs ?? d.renderErrorRetryMs,
    prunedStatusFields: input.prunedStatusFields ?? d.prunedStatusFields,
    rollback: input.rollback ?? d.rollback,
    rolloutDeadlineMs: input.rolloutDeadlineMs ?? d.rolloutDeadlineMs,
    rolloutFailureGraceMs: input.rolloutFailureGraceMs ?? d.rolloutFailureGraceMs,
  };
  if (options.namespace === "") throw new Error("cannot reconcile: options.namespace is empty");
  if (!Number.isInteger(options.maxInitAttempts) || options.maxInitAttempts < 1) {
    throw new Error(
      `cannot reconcile: options.maxInitAttempts must be a positive integer, got ${options.maxInitAttempts}`,
    );
  }
  for (const key of [
    "initBackoffBaseMs",
    "initBackoffMaxMs",
    "jobDeletionPollMs",
    "progressPollMs",
    "renderErrorRetryMs",
    "rolloutDeadlineMs",
    "rolloutFailureGraceMs",
  ] as const) {
    const value = options[key];
    if (!Number.isFinite(value) || value < 0) {
      throw new Error(`cannot reconcile: options.${key} must be a non-negative number, got ${value}`);
    }
  }
  return options;
}
