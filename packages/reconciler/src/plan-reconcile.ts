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
} from "@openmcp-ts/contract";
import { checkDeploymentReadiness, deploymentImage } from "./check-deployment-readiness.ts";
import { withRunHash } from "./compute-run-hash.ts";
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
    const common = {
      initialized: init.initialized,
      initAttempts: init.initAttempts,
      initializedImage,
      // The old Deployment keeps running (and serving) while init runs.
      runningImage: observed.deployment === undefined ? undefined : provider.status?.runningImage,
    };
    if (!init.completed) {
      draft = { ...common, ready: PENDING, reconciling: init.reconciling, stalled: init.stalled };
    } else {
      const run = planRun(provider, desired.run, observed, options);
      plan.apply.push(...run.apply);
      plan.delete.push(...run.delete);
      if (run.requeueAfterMs !== undefined) plan.requeueAfterMs = run.requeueAfterMs;
      draft = { ...common, ...run.draft };
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

/** Nothing is applied or deleted; whatever runs keeps running until the spec is fixed. */
function invalidSpecDraft(
  provider: Provider,
  observed: ObservedState,
  problems: SpecProblemSummary,
): StatusDraft {
  const { message } = problems;
  const reason = problems.reason ?? REASONS.InvalidSpec;
  const status: ProviderStatus | undefined = provider.status;
  return {
    // The reference reports an env clash as a failure to create the init Job (acceptance scenario 15).
    initialized: problems.envClash
      ? { status: "False", reason: REASONS.InitJobCreationFailed, message }
      : { status: "False", reason, message },
    ready: problems.envClash ? PENDING : { status: "False", reason, message },
    stalled: { reason, message },
    initializedImage: status?.initializedImage,
    runningImage: observed.deployment === undefined ? undefined : status?.runningImage,
    initAttempts: recordedInitAttempts(provider),
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

interface RunDecision {
  apply: Plan["apply"];
  delete: Plan["delete"];
  requeueAfterMs?: number;
  draft: Pick<StatusDraft, "ready" | "reconciling" | "stalled" | "metrics" | "runningImage">;
}

/** The run phase (spec 3.7) and the readiness check (3.13), with reasons when not ready. */
function planRun(
  provider: Provider,
  desired: DesiredRunObjects,
  observed: ObservedState,
  options: ReconcileOptions,
): RunDecision {
  const { deployment, runHash } = withRunHash(desired.deployment);
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
