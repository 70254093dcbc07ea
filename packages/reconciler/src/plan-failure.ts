import {
  CONDITION_IMAGE_RESOLVED,
  CONDITION_INITIALIZED,
  CONDITION_READY,
  CONDITION_RECONCILING,
  CONDITION_STALLED,
  CONDITION_UNINSTALLED,
  PHASES,
  REASONS,
  providerObjectNames,
  type Provider,
  type ProviderStatus,
} from "@openmcp-ts/contract";
import { INIT_COMPLETED_MESSAGE } from "./plan-init-job.ts";
import { buildStatus, statusEquals, type StatusDraft } from "./provider-status.ts";
import type { ObjectReference, PlannedEvent } from "./reconcile-types.ts";
import { findCondition, removeCondition, setCondition } from "./set-condition.ts";

/** The step of a pass that failed: creating init objects, creating run objects, or deleting on uninstall. */
export type FailureStep = "init" | "run" | "uninstall";

/** An API error while executing a plan. */
export interface StepFailure {
  message: string;
  /** HTTP status code, if the API server answered. */
  code?: number;
  /** What was attempted, to name it in the message. */
  action?: "apply" | "delete";
  object?: ObjectReference;
}

/**
 * Which step a failed apply or delete of `object` belongs to: everything while the provider is being
 * deleted is `uninstall`; the init ServiceAccount, ClusterRoleBinding, Role, RoleBinding and Job are
 * `init`; the rest (run objects, the leftover metrics Service) is `run`.
 */
export function failureStepFor(provider: Provider, object: Pick<ObjectReference, "name">): FailureStep {
  if (provider.metadata.deletionTimestamp !== undefined) return "uninstall";
  const names = providerObjectNames(provider.kind, provider.metadata.name ?? "");
  return object.name === names.init || object.name === names.initClusterRoleBinding ? "init" : "run";
}

/**
 * How the shell should retry, by API status code (house style): 404 absent, 409 requeue at once
 * (someone else wrote first), 410 relist, 400/422 terminal (the object is invalid; wait for a
 * change), everything else (403, 429, 5xx, network) exponential backoff.
 */
export type RetryPolicy = "absent" | "requeue" | "relist" | "terminal" | "backoff";

export function classifyApiError(code: number | undefined): RetryPolicy {
  switch (code) {
    case 404:
      return "absent";
    case 409:
      return "requeue";
    case 410:
      return "relist";
    case 400:
    case 422:
      return "terminal";
    default:
      return "backoff";
  }
}

export interface FailureOutcome {
  status: ProviderStatus;
  /** Only when the failure is new (reason or message changed), so retries do not flood events. */
  events: PlannedEvent[];
  retry: RetryPolicy;
}

/** `failed to apply Job openmcp-system/sp-x-init: <message>`. */
export function describeStepFailure(failure: StepFailure): string {
  const object = failure.object;
  if (object === undefined) return failure.message;
  const name = object.namespace === undefined ? object.name : `${object.namespace}/${object.name}`;
  return `failed to ${failure.action ?? "apply"} ${object.kind} ${name}: ${failure.message}`;
}

const FAILURE_REASON = {
  init: REASONS.InitJobCreationFailed,
  run: REASONS.ProviderInstallationFailed,
  uninstall: REASONS.UninstallFailed,
} as const;

/**
 * The status (and event) for a pass that failed while executing its plan, following the reference:
 * init → `Initialized=False/InitJobCreationFailed`, run → `Ready=False/ProviderInstallationFailed`,
 * uninstall → phase `Uninstalling`, `Uninstalled=False/UninstallFailed` without `Initialized`/`Ready`.
 * A terminal error (400/422) also sets `Stalled=True`; others keep `Reconciling=True`.
 * `planned` is the status the plan wanted to write, if any; its images and attempt count are kept
 * for run failures (init did succeed).
 */
export function planFailure(
  provider: Provider,
  step: FailureStep,
  failure: StepFailure,
  now: Date,
  planned?: ProviderStatus,
): FailureOutcome {
  const message = describeStepFailure(failure);
  const retry = classifyApiError(failure.code);
  const reason = FAILURE_REASON[step];
  const previous = provider.status;
  let status: ProviderStatus;
  if (step === "uninstall") {
    const generation = provider.metadata.generation ?? 0;
    let conditions = provider.status?.conditions;
    for (const type of [CONDITION_INITIALIZED, CONDITION_READY, CONDITION_RECONCILING, CONDITION_STALLED]) {
      conditions = removeCondition(conditions, type);
    }
    conditions = setCondition(
      conditions,
      { type: CONDITION_UNINSTALLED, status: "False", reason, message, observedGeneration: generation },
      now,
    );
    status = { observedGeneration: generation, phase: PHASES.Uninstalling, conditions };
    for (const key of [
      "initializedImage",
      "runningImage",
      "initAttempts",
      "resolvedImage",
      "lastGoodRelease",
    ] as const) {
      const value = previous?.[key];
      if (value !== undefined) (status as Record<string, unknown>)[key] = value;
    }
  } else {
    const terminal = retry === "terminal" ? { reason, message } : undefined;
    const draft: StatusDraft =
      step === "init"
        ? {
            initialized: { status: "False", reason, message },
            ready: { status: "Unknown", reason: REASONS.ProviderInstallationPending, message: "" },
            initAttempts: previous?.initAttempts,
            initializedImage: planned?.initializedImage ?? previous?.initializedImage,
            runningImage: planned?.runningImage ?? previous?.runningImage,
          }
        : {
            initialized: { status: "True", reason: REASONS.InitCompleted, message: INIT_COMPLETED_MESSAGE },
            ready: { status: "False", reason, message },
            initAttempts: planned?.initAttempts ?? previous?.initAttempts,
            initializedImage: planned?.initializedImage ?? previous?.initializedImage,
            runningImage: planned?.runningImage ?? previous?.runningImage,
          };
    // A failed step does not change what the image resolved to.
    const resolvedFrom = planned ?? previous;
    const resolution = resolvedFrom?.conditions?.find((c) => c.type === CONDITION_IMAGE_RESOLVED);
    draft.resolvedImage = resolvedFrom?.resolvedImage;
    if (resolution !== undefined)
      draft.imageResolved = {
        status: resolution.status,
        reason: resolution.reason,
        message: resolution.message,
      };
    // Nor what is known about releases.
    draft.lastGoodRelease = resolvedFrom?.lastGoodRelease;
    draft.pendingRelease = resolvedFrom?.pendingRelease;
    draft.failedRelease = resolvedFrom?.failedRelease;
    draft.stalled = terminal;
    draft.reconciling = terminal === undefined ? { reason, message } : undefined;
    status = buildStatus(provider, draft, now);
  }

  const type =
    step === "init" ? CONDITION_INITIALIZED : step === "run" ? CONDITION_READY : CONDITION_UNINSTALLED;
  const before = findCondition(previous?.conditions, type);
  const isNew = before?.reason !== reason || before.message !== message;
  return {
    status,
    events: isNew ? [{ type: "Warning", reason, message }] : [],
    retry,
  };
}

/** The status part of `planFailure`. */
export function statusForFailure(
  provider: Provider,
  step: FailureStep,
  failure: StepFailure,
  now: Date,
  planned?: ProviderStatus,
): ProviderStatus {
  return planFailure(provider, step, failure, now, planned).status;
}

/** Whether the failure status differs from what the provider has (a repeated failure needs no write). */
export function isStatusChange(provider: Provider, status: ProviderStatus): boolean {
  return !statusEquals(provider.status, status);
}
