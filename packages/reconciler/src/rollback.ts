import {
  ANNOTATION_OPERATION,
  ANNOTATION_ROLLBACK,
  OPERATION_RECONCILE,
  ROLLBACK_DISABLED,
  type Deployment,
  type Pod,
  type Provider,
  type ProviderStatus,
  type Release,
  type ReplicaSet,
} from "@openmcp-ts/contract";
import { ANNOTATION_RUN_HASH } from "./compute-run-hash.ts";
import { describePodProblems } from "./describe-pods.ts";
import type { ReconcileOptions } from "./reconcile-options.ts";

export type PendingRelease = NonNullable<ProviderStatus["pendingRelease"]>;
export type FailedRelease = NonNullable<ProviderStatus["failedRelease"]>;

/** Waiting reasons of a new release's container that roll it back once the grace period is over. */
const FAILING_REASONS: readonly string[] = [
  "CrashLoopBackOff",
  "ErrImagePull",
  "ImagePullBackOff",
  "ErrImageNeverPull",
  "InvalidImageName",
];

/** The label the Deployment controller adds to a ReplicaSet's template; not part of what we apply. */
const POD_TEMPLATE_HASH = "pod-template-hash";

/** Whether two releases are the same version: init and run hashes (the image is part of both). */
export function sameRelease(a: Release | undefined, b: Release | undefined): boolean {
  return a !== undefined && b !== undefined && a.initHash === b.initHash && a.runHash === b.runHash;
}

/** Only the three identifying fields (status entries carry more). */
export function releaseOnly(r: Release): Release {
  return { image: r.image, initHash: r.initHash, runHash: r.runHash };
}

/** `image (init <hash>, run <hash>)`. */
export function describeRelease(r: Release): string {
  return `${r.image} (init ${r.initHash}, run ${r.runHash})`;
}

/** `10m`, `1m30s`, `45s`, `500ms`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = Math.round(ms / 1000);
  const m = Math.floor(s / 60);
  const rest = s % 60;
  if (m === 0) return `${rest}s`;
  return rest === 0 ? `${m}m` : `${m}m${rest}s`;
}

/** Rollback is on operator-wide (`options.rollback`) unless the provider's annotation turns it off. */
export function isRollbackEnabled(provider: Provider, options: Pick<ReconcileOptions, "rollback">): boolean {
  return options.rollback && provider.metadata.annotations?.[ANNOTATION_ROLLBACK] !== ROLLBACK_DISABLED;
}

/**
 * The failed release when the spec still asks for it and nobody asked for another try
 * (`openmcp.cloud/operation: reconcile`): then it is held back and the last good release runs.
 */
export function heldBackRelease(provider: Provider, release: Release): FailedRelease | undefined {
  const failed = provider.status?.failedRelease;
  if (!sameRelease(failed, release)) return undefined;
  if (provider.metadata.annotations?.[ANNOTATION_OPERATION] === OPERATION_RECONCILE) return undefined;
  return failed;
}

/** The ReplicaSet that runs `runHash` (the Deployment controller copies our run-hash annotation onto it). */
export function replicaSetOf(
  replicaSets: readonly ReplicaSet[] | undefined,
  runHash: string,
): ReplicaSet | undefined {
  return (replicaSets ?? [])
    .filter((rs) => rs.metadata.deletionTimestamp === undefined)
    .find((rs) => rs.metadata.annotations?.[ANNOTATION_RUN_HASH] === runHash);
}

/**
 * The rendered Deployment with the pod template of the last good release's ReplicaSet, as
 * `kubectl rollout undo` does: the Deployment controller finds that ReplicaSet again and scales it
 * back, so the old pods that kept serving are never replaced.
 */
export function rolledBackDeployment(
  desired: Deployment,
  replicaSet: ReplicaSet,
  runHash: string,
): Deployment {
  const template = replicaSet.spec.template;
  const labels = Object.fromEntries(
    Object.entries(template.metadata?.labels ?? {}).filter(([key]) => key !== POD_TEMPLATE_HASH),
  );
  const metadata = { ...template.metadata, labels } as Record<string, unknown>;
  delete metadata.creationTimestamp;
  return {
    ...desired,
    metadata: {
      ...desired.metadata,
      annotations: { ...desired.metadata.annotations, [ANNOTATION_RUN_HASH]: runHash },
    },
    spec: { ...desired.spec, template: { ...template, metadata } },
  };
}

/** The pods of the ReplicaSet that runs `runHash`. */
function podsOf(pods: readonly Pod[] | undefined, replicaSet: ReplicaSet | undefined): Pod[] {
  const uid = replicaSet?.metadata.uid;
  if (uid === undefined) return [];
  return (pods ?? []).filter((p) => p.metadata.ownerReferences?.some((o) => o.uid === uid));
}

function failingReason(pods: readonly Pod[]): string | undefined {
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp !== undefined) continue;
    for (const status of pod.status?.containerStatuses ?? []) {
      const reason = status.state?.waiting?.reason;
      if (reason !== undefined && FAILING_REASONS.includes(reason)) return reason;
    }
  }
  return undefined;
}

export interface RolloutJudgement {
  /** Set when the release has failed: roll back. */
  failure?: { reason: string; message: string };
  /** When to look again if nothing else happens (the deadline or the end of the grace period). */
  recheckInMs?: number;
}

/**
 * Whether a new release that is not ready yet has failed: not ready by the deadline, the
 * Deployment's own progress deadline exceeded, or (after the grace period) one of its pods
 * crash-loops or cannot pull its image.
 */
export function judgeRollout(input: {
  pending: PendingRelease;
  now: Date;
  pods: readonly Pod[] | undefined;
  replicaSets: readonly ReplicaSet[] | undefined;
  /** The readiness check's message and whether it found the rollout stalled. */
  readiness: { message: string; stalled?: { reason: string } | undefined };
  options: Pick<ReconcileOptions, "rolloutDeadlineMs" | "rolloutFailureGraceMs">;
}): RolloutJudgement {
  const { pending, now, readiness, options } = input;
  const since = Date.parse(pending.since);
  const elapsed = Number.isNaN(since) ? 0 : now.getTime() - since;
  if (readiness.stalled !== undefined) {
    return { failure: { reason: readiness.stalled.reason, message: readiness.message } };
  }
  if (elapsed >= options.rolloutDeadlineMs) {
    return {
      failure: {
        reason: "RolloutDeadlineExceeded",
        message: `not ready within ${formatDuration(options.rolloutDeadlineMs)}: ${readiness.message}`,
      },
    };
  }
  const pods = podsOf(input.pods, replicaSetOf(input.replicaSets, pending.runHash));
  const reason = failingReason(pods);
  const untilDeadline = options.rolloutDeadlineMs - elapsed;
  if (reason === undefined) return { recheckInMs: untilDeadline };
  const untilGraceOver = options.rolloutFailureGraceMs - elapsed;
  if (untilGraceOver > 0) return { recheckInMs: Math.min(untilGraceOver, untilDeadline) };
  return { failure: { reason, message: describePodProblems(pods).join("; ") || reason } };
}

/**
 * The `Ready=False`/`Stalled=True` message of a rolled-back provider: which release failed and
 * why, what runs instead, and how to try again. Constant while the state lasts, so it is written once.
 */
export function rolledBackMessage(failed: FailedRelease, lastGood: Release, initOnly: boolean): string {
  const runs = initOnly
    ? `the Deployment keeps running ${describeRelease(lastGood)}`
    : `rolled back to ${describeRelease(lastGood)}`;
  return `release ${describeRelease(failed)} failed (${failed.reason}): ${failed.message}; ${runs}; CRDs and other objects the failed release's init created stay; it is not tried again until the spec changes or the annotation ${ANNOTATION_OPERATION}=${OPERATION_RECONCILE} is set`;
}
