import {
  ANNOTATION_OPERATION,
  CONDITION_READY,
  FINALIZER,
  OPERATION_IGNORE,
  OPERATION_RECONCILE,
  REASONS,
  validateProvider,
  type Provider,
  type ProviderStatus,
  type Release,
  type ReplicaSet,
} from "@openmcp-ts/contract";
import {
  checkDeploymentReadiness,
  deploymentImage,
  type DeploymentReadiness,
} from "./check-deployment-readiness.ts";
import { computeRunHash, withRunHash } from "./compute-run-hash.ts";
import { describeSpecProblems, type SpecProblemSummary } from "./describe-spec-problems.ts";
import { planDeletion } from "./plan-deletion.ts";
import { planInitJob } from "./plan-init-job.ts";
import {
  buildStatus,
  initAttemptsAnnotation,
  recordedInitAttempts,
  statusEquals,
  withoutFields,
  type StatusDraft,
} from "./provider-status.ts";
import { resolveReconcileOptions, type ReconcileOptions } from "./reconcile-options.ts";
import type { DesiredRunObjects, ObservedState, Plan, ReconcileInput } from "./reconcile-types.ts";
import { transitionEvents, type EventMessages } from "./transition-events.ts";
import {
  heldBackRelease,
  isRollbackEnabled,
  judgeRollout,
  releaseOnly,
  replicaSetOf,
  rolledBackDeployment,
  rolledBackMessage,
  sameRelease,
  type FailedRelease,
} from "./rollback.ts";
import { formatTime } from "./set-condition.ts";

export const READY_MESSAGE = "Provider is ready";
export const NOT_READY_PREFIX = "Waiting for provider to become ready: ";

const PENDING = { status: "Unknown", reason: REASONS.ProviderInstallationPending, message: "" } as const;

/**
 * One reconcile pass of one provider, as data: which objects to apply and delete, the finalizer and
 * annotation changes, the status (undefined when unchanged), the events and when to come back.
 * Pure and deterministic: the same input always gives the same plan.
 */
export function planReconcile(input: ReconcileInput): Plan {
  const options = resolveReconcileOptions(input.options);
  const { provider, observed, now } = input;
  const operation = provider.metadata.annotations?.[ANNOTATION_OPERATION];

  // Deletion wins over `ignore`: an ignored provider must not keep its finalizer forever.
  if (provider.metadata.deletionTimestamp !== undefined) return planDeletion(provider, options);
  if (operation === OPERATION_IGNORE) return { apply: [], delete: [], events: [] };

  const plan: Plan = { apply: [], delete: [], events: [] };
  if (!(provider.metadata.finalizers ?? []).includes(FINALIZER)) plan.finalizer = "add";
  if (operation === OPERATION_RECONCILE) plan.removeOperationAnnotation = true;

  const problems = describeSpecProblems(input.problems ?? validateProvider(provider));
  const desired = input.desired;
  let draft: StatusDraft;
  let messages: EventMessages = {};
  if (problems !== undefined || desired === undefined) {
    const summary = problems ?? {
      message: "cannot render the provider's objects: no objects and no reason were given",
      envClash: false,
      renderError: true,
    };
    draft = invalidSpecDraft(provider, observed, summary);
    if (summary.renderError && options.renderErrorRetryMs > 0)
      plan.requeueAfterMs = options.renderErrorRetryMs;
  } else {
    const init = planInitJob(provider, desired.init, observed, options, now);
    plan.apply.push(...init.apply);
    plan.delete.push(...init.delete);
    if (init.annotate !== undefined) plan.annotate = init.annotate;
    if (init.requeueAfterMs !== undefined) plan.requeueAfterMs = init.requeueAfterMs;
    if (init.startedMessage !== undefined) messages.initStarted = init.startedMessage;
    const initializedImage = init.initializedImage ?? provider.status?.initializedImage;
    // The release this spec asks for, and what is known about earlier ones (issue 20).
    const release = {
      image: deploymentImage(desired.run.deployment) ?? provider.spec.image,
      initHash: desired.init.initHash,
      runHash: computeRunHash(desired.run.deployment),
    };
    const lastGood = provider.status?.lastGoodRelease;
    const rollbackOn = isRollbackEnabled(provider, options) && lastGood !== undefined;
    const held = rollbackOn ? heldBackRelease(provider, release) : undefined;
    const common = {
      initialized: init.initialized,
      initAttempts: init.initAttempts,
      initializedImage,
      // The old Deployment keeps running (and serving) while init runs.
      runningImage: observed.deployment === undefined ? undefined : provider.status?.runningImage,
      lastGoodRelease: lastGood,
      failedRelease: held,
    };
    if (!init.completed) {
      draft = { ...common, ready: PENDING, reconciling: init.reconciling, stalled: init.stalled };
      if (
        init.stalled !== undefined &&
        rollbackOn &&
        lastGood.initHash !== release.initHash &&
        observed.deployment !== undefined
      ) {
        // A new init that gave up never reached the Deployment: the last good release still runs.
        const failed = held ?? { ...release, reason: init.stalled.reason, message: init.stalled.message };
        draft = { ...draft, ...rolledBackDraft(failed, lastGood, true) };
      }
    } else {
      // A held-back init failure whose Job was deleted and then succeeded was retried by the user.
      const heldRun = held?.reason === REASONS.InitFailed ? undefined : held;
      const run = planReleaseRun(provider, desired.run, observed, options, now, {
        release,
        lastGood: rollbackOn ? lastGood : undefined,
        held: heldRun,
      });
      plan.apply.push(...run.apply);
      plan.delete.push(...run.delete);
      if (run.requeueAfterMs !== undefined) plan.requeueAfterMs = run.requeueAfterMs;
      draft = { ...common, failedRelease: heldRun, ...run.draft };
      messages = {
        ...messages,
        initSucceeded: `Init Job succeeded for image ${initializedImage ?? "(unknown)"}`,
      };
      if (run.draft.runningImage !== undefined) {
        messages.ready = `${READY_MESSAGE}: deployment ${options.namespace}/${desired.run.deployment.metadata.name ?? ""} runs image ${run.draft.runningImage}`;
      }
    }
  }

  const annotations = initAttemptsAnnotation(provider, draft.initAttempts, options.prunedStatusFields);
  if (annotations !== undefined) plan.providerAnnotations = annotations;
  const status = buildStatus(provider, { ...draft, ...imageResolutionDraft(input.imageResolution) }, now);
  plan.events = transitionEvents(provider.status?.conditions, status.conditions ?? [], messages);
  // Pruned fields never read back: compared, they would ask for a write on every pass. They are
  // still sent when something else changes, so the shell sees when the CRD keeps them again.
  const pruned = options.prunedStatusFields;
  if (!statusEquals(withoutFields(provider.status ?? {}, pruned), withoutFields(status, pruned)))
    plan.status = status;
  return plan;
}

/** `Ready=False` and `Stalled=True` with reason `RolledBack`, and the failed release kept in status. */
function rolledBackDraft(
  failed: FailedRelease,
  lastGood: Release,
  initOnly: boolean,
): Pick<StatusDraft, "ready" | "reconciling" | "stalled" | "failedRelease" | "pendingRelease"> {
  const message = rolledBackMessage(failed, lastGood, initOnly);
  return {
    ready: { status: "False", reason: REASONS.RolledBack, message },
    reconciling: undefined,
    stalled: { reason: REASONS.RolledBack, message },
    failedRelease: failed,
    pendingRelease: undefined,
  };
}

/** Nothing is applied or deleted; whatever runs keeps running until the spec is fixed. */
function invalidSpecDraft(
  provider: Provider,
  observed: ObservedState,
  problems: SpecProblemSummary,
): StatusDraft {
  const { message } = problems;
  const status: ProviderStatus | undefined = provider.status;
  return {
    // The reference reports an env clash as a failure to create the init Job (acceptance scenario 15).
    initialized: problems.envClash
      ? { status: "False", reason: REASONS.InitJobCreationFailed, message }
      : { status: "False", reason: REASONS.InvalidSpec, message },
    ready: problems.envClash ? PENDING : { status: "False", reason: REASONS.InvalidSpec, message },
    stalled: { reason: REASONS.InvalidSpec, message },
    initializedImage: status?.initializedImage,
    runningImage: observed.deployment === undefined ? undefined : status?.runningImage,
    initAttempts: recordedInitAttempts(provider),
    lastGoodRelease: status?.lastGoodRelease,
    pendingRelease: status?.pendingRelease,
    failedRelease: status?.failedRelease,
  };
}

/** `ImageResolved` and `status.resolvedImage` from the shell's resolution (a failure keeps the tag or the last digest). */
function imageResolutionDraft(
  resolution: ReconcileInput["imageResolution"],
): Pick<StatusDraft, "imageResolved" | "resolvedImage"> {
  if (resolution === undefined) return {};
  const resolved =
    resolution.image !== undefined && resolution.image !== resolution.tag ? resolution.image : undefined;
  if (resolution.error !== undefined) {
    const using = resolved === undefined ? `deploying the tag ${resolution.tag}` : `keeping ${resolved}`;
    return {
      imageResolved: {
        status: "False",
        reason: REASONS.ImageResolveFailed,
        message: `${resolution.error}; ${using}`,
      },
      resolvedImage: resolved,
    };
  }
  return {
    imageResolved: {
      status: "True",
      reason: REASONS.ImageResolved,
      message: `${resolution.tag} resolved to ${resolved ?? resolution.tag}`,
    },
    resolvedImage: resolved,
  };
}

function wasReadyAtThisGeneration(provider: Provider): boolean {
  const ready = provider.status?.conditions?.find((c) => c.type === CONDITION_READY);
  return ready?.status === "True" && ready.observedGeneration === provider.metadata.generation;
}

/**
 * The run phase with the release bookkeeping of issue 20: a release that becomes ready is the last
 * good one; a new release that fails (see `judgeRollout`) is rolled back to the last good
 * release's ReplicaSet, and so is a held-back one on every pass.
 */
function planReleaseRun(
  provider: Provider,
  desired: DesiredRunObjects,
  observed: ObservedState,
  options: ReconcileOptions,
  now: Date,
  releases: { release: Release; lastGood: Release | undefined; held: FailedRelease | undefined },
): Omit<RunDecision, "draft"> & { draft: RunDecision["draft"] & ReleaseDraft } {
  const { release, lastGood, held } = releases;
  if (lastGood === undefined) {
    const run = planRun(provider, desired, observed, options);
    return run.readiness.ready
      ? { ...run, draft: { ...run.draft, lastGoodRelease: releaseOnly(release) } }
      : run;
  }
  const target = replicaSetOf(observed.replicaSets, lastGood.runHash);
  if (held !== undefined) {
    const run = planRun(provider, desired, observed, options, target);
    // Without the old ReplicaSet there is nothing to roll back to; the live Deployment is left alone.
    const apply = target === undefined ? run.apply.filter((o) => o.kind !== "Deployment") : run.apply;
    return { ...run, apply, draft: { ...run.draft, ...rolledBackDraft(held, lastGood, false) } };
  }
  const run = planRun(provider, desired, observed, options);
  if (run.readiness.ready) return { ...run, draft: { ...run.draft, lastGoodRelease: releaseOnly(release) } };
  if (sameRelease(lastGood, release) || observed.deployment === undefined) return run;

  const previous = provider.status?.pendingRelease;
  const retried = provider.metadata.annotations?.[ANNOTATION_OPERATION] === OPERATION_RECONCILE;
  const pending =
    previous !== undefined && sameRelease(previous, release) && !retried
      ? previous
      : { ...release, since: formatTime(now) };
  const judgement = judgeRollout({
    pending,
    now,
    pods: observed.runPods,
    replicaSets: observed.replicaSets,
    readiness: run.readiness,
    options,
  });
  if (judgement.failure === undefined) {
    const recheck = judgement.recheckInMs ?? Infinity;
    const requeueAfterMs = Math.max(0, Math.min(run.requeueAfterMs ?? Infinity, recheck));
    return {
      ...run,
      ...(Number.isFinite(requeueAfterMs) ? { requeueAfterMs } : {}),
      draft: { ...run.draft, pendingRelease: pending },
    };
  }
  if (target === undefined) {
    const message = `${run.draft.ready.message}; cannot roll back to ${lastGood.image}: no ReplicaSet of it is left`;
    return {
      ...run,
      draft: { ...run.draft, ready: { ...run.draft.ready, message }, pendingRelease: pending },
    };
  }
  const failed = { ...release, ...judgement.failure };
  const rolledBack = planRun(provider, desired, observed, options, target);
  return { ...rolledBack, draft: { ...rolledBack.draft, ...rolledBackDraft(failed, lastGood, false) } };
}

type ReleaseDraft = Pick<StatusDraft, "lastGoodRelease" | "pendingRelease" | "failedRelease">;

interface RunDecision {
  apply: Plan["apply"];
  delete: Plan["delete"];
  requeueAfterMs?: number;
  draft: Pick<StatusDraft, "ready" | "reconciling" | "stalled" | "metrics" | "runningImage">;
  readiness: DeploymentReadiness;
}

/**
 * The run phase (spec 3.7) and the readiness check (3.13), with reasons when not ready.
 * `rollbackTo`: apply the pod template of this ReplicaSet (the last good release's) instead.
 */
function planRun(
  provider: Provider,
  desired: DesiredRunObjects,
  observed: ObservedState,
  options: ReconcileOptions,
  rollbackTo?: ReplicaSet,
): RunDecision {
  const lastGoodRunHash = provider.status?.lastGoodRelease?.runHash;
  const { deployment, runHash } =
    rollbackTo === undefined || lastGoodRunHash === undefined
      ? withRunHash(desired.deployment)
      : {
          deployment: rolledBackDeployment(desired.deployment, rollbackTo, lastGoodRunHash),
          runHash: lastGoodRunHash,
        };
  const apply: Plan["apply"] = [desired.serviceAccount, desired.clusterRoleBinding, deployment];
  const del: Plan["delete"] = [];
  let metrics: StatusDraft["metrics"];
  if (desired.metricsService !== undefined) {
    apply.push(desired.metricsService);
    metrics = {
      serviceRef: {
        name: desired.metricsService.metadata.name ?? "",
        namespace: desired.metricsService.metadata.namespace ?? options.namespace,
      },
    };
  } else if (
    observed.metricsService !== undefined &&
    observed.metricsService.metadata.deletionTimestamp === undefined
  ) {
    // Metrics were switched off: the reference leaves the Service behind.
    const { name = "", namespace = options.namespace } = observed.metricsService.metadata;
    del.push({ apiVersion: "v1", kind: "Service", name, namespace });
  }

  const readiness = checkDeploymentReadiness(observed.deployment, observed.runPods, {
    namespace: options.namespace,
    name: deployment.metadata.name ?? "",
    runHash,
  });
  if (readiness.ready) {
    return {
      apply,
      delete: del,
      readiness,
      draft: {
        ready: { status: "True", reason: REASONS.ProviderReady, message: READY_MESSAGE },
        metrics,
        runningImage: deploymentImage(observed.deployment),
      },
    };
  }
  const message = `${NOT_READY_PREFIX}${readiness.message}`;
  if (readiness.serving === true && readiness.stalled === undefined && wasReadyAtThisGeneration(provider)) {
    // Nothing the user asked for changed (same generation): the operator rolls out a new pod
    // template of its own, e.g. after taking over from the reference or an upgrade of ours, and the
    // old pods keep serving. Ready stays True; Reconciling says what is going on.
    return {
      apply,
      delete: del,
      readiness,
      ...(options.progressPollMs > 0 ? { requeueAfterMs: options.progressPollMs } : {}),
      draft: {
        ready: { status: "True", reason: REASONS.ProviderReady, message: READY_MESSAGE },
        reconciling: { reason: REASONS.RollingOut, message: `rolling out: ${readiness.message}` },
        metrics,
        runningImage: provider.status?.runningImage ?? deploymentImage(observed.deployment),
      },
    };
  }
  return {
    apply,
    delete: del,
    readiness,
    ...(options.progressPollMs > 0 ? { requeueAfterMs: options.progressPollMs } : {}),
    draft: {
      ready: { status: "False", reason: REASONS.ProviderNotReady, message },
      reconciling: { reason: REASONS.ProviderNotReady, message },
      stalled: readiness.stalled === undefined ? undefined : { reason: readiness.stalled.reason, message },
      metrics,
      runningImage: observed.deployment === undefined ? undefined : provider.status?.runningImage,
    },
  };
}
