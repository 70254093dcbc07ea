// Runtime-neutral: no client, no node:*; the shell hands in the I/O as ports.
import { FINALIZER, type KubeObject, type Provider, type ProviderStatus } from "@openmcp-ts/contract";
import {
  failureStepFor,
  type FailureStep,
  type ObjectReference,
  type Plan,
  type PlannedDelete,
  type PlannedEvent,
} from "@openmcp-ts/reconciler";

/** The writes a plan needs, one per kind of step; the shell implements them with its client. */
export interface PlanPorts {
  setFinalizers(finalizers: string[]): Promise<void>;
  removeOperationAnnotation(): Promise<void>;
  annotate(object: ObjectReference, annotations: Record<string, string>): Promise<void>;
  apply(object: KubeObject): Promise<void>;
  delete(object: PlannedDelete): Promise<void>;
  setProviderAnnotations(annotations: Record<string, string | null>): Promise<void>;
  writeStatus(status: ProviderStatus): Promise<void>;
  /** Best effort: never throws. */
  recordEvent(event: PlannedEvent): void;
}

/** The kinds of step of a plan, in the one order they run in (see the reconciler's `Plan`). */
export const PLAN_STEPS = [
  "addFinalizer",
  "removeOperationAnnotation",
  "annotate",
  "apply",
  "delete",
  "removeFinalizer",
  "providerAnnotations",
  "status",
  "events",
] as const;
export type PlanStep = (typeof PLAN_STEPS)[number];

/**
 * A write to one of the provider's objects that failed: which object, what was attempted, and the
 * provider's step it belongs to (init, run, uninstall) for the status condition.
 */
export class ObjectStepError extends Error {
  readonly step: FailureStep;
  readonly action: "apply" | "delete";
  readonly object: ObjectReference;
  constructor(step: FailureStep, action: "apply" | "delete", object: ObjectReference, cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.step = step;
    this.action = action;
    this.object = object;
  }
}

/**
 * The objects of one apply step in waves: each wave's applies go out together, a wave starts when
 * the one before it is done. RBAC lets a binding be created only once its Role exists (escalation
 * check), and a Job's or Deployment's pods are refused until their ServiceAccount exists. So an
 * init is three round trips instead of five.
 */
export const APPLY_WAVES: readonly (readonly string[])[] = [
  ["ServiceAccount", "Role", "ClusterRole"],
  ["RoleBinding", "ClusterRoleBinding"],
  // The metrics Service gates nothing and is the slowest apply (its ClusterIP): last, beside the
  // Deployment instead of in front of it.
  ["Job", "Deployment", "Service"],
];

/** `objects` split into APPLY_WAVES, plan order kept within a wave; kinds not named go first. */
export function applyWaves(objects: readonly KubeObject[]): KubeObject[][] {
  const waveOf = (o: KubeObject): number =>
    Math.max(
      0,
      APPLY_WAVES.findIndex((w) => w.includes(o.kind)),
    );
  return APPLY_WAVES.map((_, i) => objects.filter((o) => waveOf(o) === i)).filter((w) => w.length > 0);
}

/** Runs all of `tasks` at once; when some fail, throws the failure of the first in their order. */
async function allInOrder(tasks: readonly (() => Promise<void>)[]): Promise<void> {
  const settled = await Promise.allSettled(tasks.map((t) => t()));
  const failed = settled.find((r) => r.status === "rejected");
  if (failed) throw failed.reason;
}

function refOf(obj: KubeObject): ObjectReference {
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    name: obj.metadata.name ?? "",
    ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
  };
}

/** Runs `fn`; a failure becomes an ObjectStepError for `object`, its step decided by one rule. */
async function onObject(
  provider: Provider,
  action: "apply" | "delete",
  object: ObjectReference,
  fn: () => Promise<void>,
): Promise<void> {
  try {
    await fn();
  } catch (err) {
    // A port may say itself what it attempted (an apply that first deletes a binding).
    if (err instanceof ObjectStepError) throw err;
    throw new ObjectStepError(failureStepFor(provider, object), action, object, err);
  }
}

/**
 * Carries out one plan in PLAN_STEPS order (applies in APPLY_WAVES) and stops at the first failed
 * step, or the first failed wave of applies. A failed write to one of
 * the provider's objects throws an ObjectStepError; anything else (finalizers, provider
 * annotations, status) throws what the port threw. `onStep` sees each step that did something.
 */
export async function executePlan(
  provider: Provider,
  plan: Plan,
  ports: PlanPorts,
  onStep?: (step: PlanStep) => void,
): Promise<void> {
  const finalizers = provider.metadata.finalizers ?? [];
  const steps: Record<PlanStep, (() => Promise<void>) | undefined> = {
    addFinalizer:
      plan.finalizer === "add" ? () => ports.setFinalizers([...finalizers, FINALIZER]) : undefined,
    removeOperationAnnotation: plan.removeOperationAnnotation
      ? () => ports.removeOperationAnnotation()
      : undefined,
    annotate: plan.annotate?.length
      ? async () => {
          for (const { annotations, ...object } of plan.annotate ?? [])
            await onObject(provider, "apply", object, () => ports.annotate(object, annotations));
        }
      : undefined,
    apply: plan.apply.length
      ? async () => {
          for (const wave of applyWaves(plan.apply))
            await allInOrder(
              wave.map((obj) => () => onObject(provider, "apply", refOf(obj), () => ports.apply(obj))),
            );
        }
      : undefined,
    delete: plan.delete.length
      ? async () => {
          for (const d of plan.delete) {
            const object = {
              apiVersion: d.apiVersion,
              kind: d.kind,
              name: d.name,
              ...(d.namespace ? { namespace: d.namespace } : {}),
            };
            await onObject(provider, "delete", object, () => ports.delete(d));
          }
        }
      : undefined,
    removeFinalizer:
      plan.finalizer === "remove"
        ? () => ports.setFinalizers(finalizers.filter((f) => f !== FINALIZER))
        : undefined,
    providerAnnotations: plan.providerAnnotations
      ? () => ports.setProviderAnnotations(plan.providerAnnotations!)
      : undefined,
    status: plan.status ? () => ports.writeStatus(plan.status!) : undefined,
    events: plan.events.length
      ? () => {
          for (const e of plan.events) ports.recordEvent(e);
          return Promise.resolve();
        }
      : undefined,
  };
  for (const step of PLAN_STEPS) {
    const run = steps[step];
    if (!run) continue;
    await run();
    onStep?.(step);
  }
}
