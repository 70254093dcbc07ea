import {
  ANNOTATION_INIT_HASH,
  ANNOTATION_OPERATION,
  ANNOTATION_PROVIDER_IMAGE,
  INIT_CONTAINER_NAME,
  OPERATION_RECONCILE,
  REASONS,
  type Job,
  type KubeObject,
  type Pod,
  type Provider,
} from "@openmcp-ts/contract";
import { describeLastFailure, describePodProblems, failedInitPods, truncate } from "./describe-pods.ts";
import { recordedInitAttempts, type ConditionState } from "./provider-status.ts";
import type { ReconcileOptions } from "./reconcile-options.ts";
import { adoptionAnnotations, runsSameInit } from "./adopt-init-job.ts";
import type { DesiredInitObjects, PlannedAnnotation, PlannedDelete } from "./reconcile-types.ts";
import { formatTime } from "./set-condition.ts";

/** The API server's default `backoffLimit` of a Job. */
const DEFAULT_JOB_BACKOFF_LIMIT = 6;

export const INIT_RUNNING_MESSAGE = "Initialization is running";
export const INIT_COMPLETED_MESSAGE = "Initialization has been completed";

/** What the init phase of one pass decided. */
export interface InitDecision {
  /** The init Job of the current hash has succeeded: the run phase may proceed. */
  completed: boolean;
  apply: KubeObject[];
  delete: PlannedDelete[];
  /** A succeeded Job of another operator that ran the same init, marked as ours instead of re-run. */
  annotate?: PlannedAnnotation[];
  requeueAfterMs?: number;
  initialized: ConditionState;
  reconciling?: { reason: string; message: string };
  stalled?: { reason: string; message: string };
  /** Init Jobs created for the current hash, including one created in this pass. */
  initAttempts: number;
  /** The image of the init Job that succeeded in this pass, if any. */
  initializedImage?: string;
  /** A more telling message for the InitStarted event than the condition's. */
  startedMessage?: string;
}

function jobCondition(job: Job, type: string): boolean {
  return job.status?.conditions?.some((c) => c.type === type && c.status === "True") ?? false;
}

export function isJobSucceeded(job: Job): boolean {
  return (job.status?.succeeded ?? 0) > 0 || jobCondition(job, "Complete");
}

export function isJobFailed(job: Job): boolean {
  return jobCondition(job, "Failed");
}

/** When the Job failed: its `Failed` condition's transition time, else its start; undefined if unknown. */
function failedAt(job: Job): number | undefined {
  const condition = job.status?.conditions?.find((c) => c.type === "Failed" && c.status === "True");
  for (const time of [condition?.lastTransitionTime, job.status?.startTime]) {
    const parsed = time === undefined ? Number.NaN : Date.parse(time);
    if (!Number.isNaN(parsed)) return parsed;
  }
  return undefined;
}

/** `base * 2^(attempt-1)`, capped: the wait after the `attempt`-th failed Job. */
export function initBackoffMs(
  attempt: number,
  options: Pick<ReconcileOptions, "initBackoffBaseMs" | "initBackoffMaxMs">,
): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  return Math.min(options.initBackoffMaxMs, options.initBackoffBaseMs * 2 ** exponent);
}

function running(detail?: string): ConditionState {
  return {
    status: "False",
    reason: REASONS.InitRunning,
    message:
      detail === undefined || detail === "" ? INIT_RUNNING_MESSAGE : `${INIT_RUNNING_MESSAGE}: ${detail}`,
  };
}

/** Why the Job failed: the Job's own condition plus the last failed pod's exit code and termination message. */
function describeJobFailure(job: Job, pods: readonly Pod[] | undefined): string {
  const condition = job.status?.conditions?.find((c) => c.type === "Failed" && c.status === "True");
  const parts: string[] = [];
  if (condition?.reason !== undefined && condition.reason !== "") {
    parts.push(`${condition.reason}${condition.message ? `: ${truncate(condition.message)}` : ""}`);
  }
  const pod = describeLastFailure(pods, INIT_CONTAINER_NAME);
  if (pod !== undefined) parts.push(pod);
  return parts.length === 0 ? "" : `: ${parts.join("; ")}`;
}

/**
 * The init Job lifecycle (spec 3.6) keyed on the init hash instead of the generation, with failed
 * Jobs re-created after an exponential backoff and given up after `maxInitAttempts`.
 *
 * Replacing a Job takes two passes: this one deletes it (background propagation) and requeues; a
 * later one, which no longer sees the Job (or sees it terminating and waits), creates the new one.
 * So the shell never has to create over a Job that still exists.
 */
export function planInitJob(
  provider: Provider,
  desired: DesiredInitObjects,
  observed: { initJob?: Job | undefined; initPods?: Pod[] | undefined },
  options: ReconcileOptions,
  now: Date,
): InitDecision {
  const job = observed.initJob;
  const jobRef = `${options.namespace}/${desired.job.metadata.name ?? ""}`;
  const previousAttempts = recordedInitAttempts(provider);
  const deleteJob: PlannedDelete = {
    apiVersion: "batch/v1",
    kind: "Job",
    name: desired.job.metadata.name ?? "",
    namespace: options.namespace,
    propagationPolicy: "Background",
  };
  const waitForDeletion = (attempts: number, detail: string): InitDecision => {
    const initialized = running(detail);
    return {
      completed: false,
      apply: [],
      delete: [],
      requeueAfterMs: options.jobDeletionPollMs,
      initialized,
      reconciling: { reason: REASONS.InitRunning, message: initialized.message },
      initAttempts: attempts,
    };
  };

  if (job === undefined) {
    const initialized = running();
    const image = desired.job.metadata.annotations?.[ANNOTATION_PROVIDER_IMAGE];
    return {
      completed: false,
      apply: [
        desired.serviceAccount,
        desired.clusterRoleBinding,
        desired.role,
        desired.roleBinding,
        desired.job,
      ],
      delete: [],
      ...(options.progressPollMs > 0 ? { requeueAfterMs: options.progressPollMs } : {}),
      initialized,
      reconciling: { reason: REASONS.InitRunning, message: initialized.message },
      initAttempts: previousAttempts + 1,
      startedMessage: `Created init Job ${jobRef}${image === undefined ? "" : ` for image ${image}`}`,
    };
  }

  const jobHash = job.metadata.annotations?.[ANNOTATION_INIT_HASH];
  if (
    jobHash === undefined &&
    job.metadata.deletionTimestamp === undefined &&
    isJobSucceeded(job) &&
    runsSameInit(desired.job, job)
  ) {
    // A switch from the reference operator: its Job already ran this init.
    return {
      completed: true,
      apply: [],
      delete: [],
      annotate: [
        {
          apiVersion: "batch/v1",
          kind: "Job",
          name: desired.job.metadata.name ?? "",
          namespace: options.namespace,
          annotations: adoptionAnnotations(desired.job, desired.initHash),
        },
      ],
      initialized: { status: "True", reason: REASONS.InitCompleted, message: INIT_COMPLETED_MESSAGE },
      initAttempts: Math.max(previousAttempts, 1),
      ...(job.spec.template.spec.containers[0]?.image === undefined
        ? {}
        : { initializedImage: job.spec.template.spec.containers[0].image }),
    };
  }
  const current = jobHash === desired.initHash;
  if (!current) {
    // A new init hash starts a new series of attempts.
    if (job.metadata.deletionTimestamp !== undefined) {
      return waitForDeletion(0, "waiting for the init Job of the previous spec to be deleted");
    }
    return {
      ...waitForDeletion(0, "replacing the init Job of the previous spec"),
      delete: [deleteJob],
    };
  }
  if (job.metadata.deletionTimestamp !== undefined) {
    return waitForDeletion(previousAttempts, "waiting for the previous init Job to be deleted");
  }

  const attempts = Math.max(previousAttempts, 1);
  if (isJobSucceeded(job)) {
    const image =
      job.metadata.annotations?.[ANNOTATION_PROVIDER_IMAGE] ?? job.spec.template.spec.containers[0]?.image;
    return {
      completed: true,
      apply: [],
      delete: [],
      initialized: { status: "True", reason: REASONS.InitCompleted, message: INIT_COMPLETED_MESSAGE },
      initAttempts: attempts,
      ...(image === undefined ? {} : { initializedImage: image }),
    };
  }

  if (!isJobFailed(job)) {
    const failedPods = failedInitPods(observed.initPods, INIT_CONTAINER_NAME, job.metadata.uid);
    const newest = failedPods[0];
    if (newest !== undefined) {
      // Seen at once, not after the Job gives up: the Job's pods are watched, its counters lag.
      const failedCount = Math.max(job.status?.failed ?? 0, failedPods.length);
      const podsInAll = (job.spec.backoffLimit ?? DEFAULT_JOB_BACKOFF_LIMIT) + 1;
      const at = newest.finishedAt === undefined ? "" : ` at ${newest.finishedAt}`;
      const message = `init pod ${newest.name} failed (pod ${failedCount} of ${podsInAll})${at}: ${newest.termination}; ${
        failedCount < podsInAll ? "the Job tries again" : "the Job is giving up"
      }`;
      return {
        completed: false,
        apply: [],
        delete: [],
        ...(options.progressPollMs > 0 ? { requeueAfterMs: options.progressPollMs } : {}),
        initialized: { status: "False", reason: REASONS.InitPodFailed, message },
        reconciling: { reason: REASONS.InitPodFailed, message },
        initAttempts: attempts,
      };
    }
    const initialized = running(describePodProblems(observed.initPods).join("; "));
    return {
      completed: false,
      apply: [],
      delete: [],
      ...(options.progressPollMs > 0 ? { requeueAfterMs: options.progressPollMs } : {}),
      initialized,
      reconciling: { reason: REASONS.InitRunning, message: initialized.message },
      initAttempts: attempts,
    };
  }

  const failure = `init Job ${jobRef} failed (attempt ${attempts} of ${options.maxInitAttempts})${describeJobFailure(job, observed.initPods)}`;
  if (provider.metadata.annotations?.[ANNOTATION_OPERATION] === OPERATION_RECONCILE) {
    // The operator asked for another try: start a fresh series at once.
    return { ...waitForDeletion(0, "retrying the failed init Job as requested"), delete: [deleteJob] };
  }
  if (attempts >= options.maxInitAttempts) {
    const message = `${failure}; giving up: change the spec, delete the Job or set the annotation ${ANNOTATION_OPERATION}=${OPERATION_RECONCILE} to retry`;
    return {
      completed: false,
      apply: [],
      delete: [],
      initialized: { status: "False", reason: REASONS.InitFailed, message },
      stalled: { reason: REASONS.InitFailed, message },
      initAttempts: attempts,
    };
  }
  // Without a failure time the wait cannot be measured; retrying at once beats waiting forever.
  const failedTime = failedAt(job);
  const retryAt = failedTime === undefined ? now.getTime() : failedTime + initBackoffMs(attempts, options);
  const message = `${failure}; next attempt at ${formatTime(new Date(retryAt))}`;
  const base: Omit<InitDecision, "delete"> = {
    completed: false,
    apply: [],
    initialized: { status: "False", reason: REASONS.InitFailed, message },
    reconciling: { reason: REASONS.InitBackoff, message },
    initAttempts: attempts,
  };
  const wait = retryAt - now.getTime();
  if (wait > 0) return { ...base, delete: [], requeueAfterMs: wait };
  return { ...base, delete: [deleteJob], requeueAfterMs: options.jobDeletionPollMs };
}
