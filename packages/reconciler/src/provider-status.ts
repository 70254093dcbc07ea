import {
  ANNOTATION_INIT_ATTEMPTS,
  CONDITION_IMAGE_RESOLVED,
  CONDITION_INITIALIZED,
  CONDITION_READY,
  CONDITION_RECONCILING,
  CONDITION_STALLED,
  CONDITION_UNINSTALLED,
  PHASES,
  type Condition,
  type Phase,
  type Provider,
  type ProviderStatus,
} from "@openmcp-ts/contract";
import { removeCondition, setCondition } from "./set-condition.ts";

/** The status fields this operator owns; `resources` belongs to the provider and is never written. */
export const OWN_STATUS_FIELDS = [
  "observedGeneration",
  "phase",
  "conditions",
  "metrics",
  "initializedImage",
  "runningImage",
  "initAttempts",
  "resolvedImage",
  "lastGoodRelease",
  "pendingRelease",
  "failedRelease",
] as const satisfies readonly (keyof ProviderStatus)[];

export type OwnStatusField = (typeof OWN_STATUS_FIELDS)[number];

/** The status without the fields a CRD's schema prunes (they would never read back). */
export function withoutFields(status: ProviderStatus, fields: readonly OwnStatusField[]): ProviderStatus {
  if (fields.length === 0) return status;
  return Object.fromEntries(
    Object.entries(status).filter(([key]) => !(fields as readonly string[]).includes(key)),
  );
}

/** Init Jobs created for the current init hash: `status.initAttempts`, else our annotation (pruning CRDs). */
export function recordedInitAttempts(provider: Provider): number {
  if (provider.status?.initAttempts !== undefined) return provider.status.initAttempts;
  const n = Number(provider.metadata.annotations?.[ANNOTATION_INIT_ATTEMPTS]);
  return Number.isInteger(n) && n > 0 ? n : 0;
}

/**
 * The change to the provider's `openmcp.cloud/init-attempts` annotation: the count while the CRD
 * prunes `status.initAttempts`, removed when it does not (status holds it) or when the count is 0.
 */
export function initAttemptsAnnotation(
  provider: Provider,
  attempts: number | undefined,
  pruned: readonly OwnStatusField[],
): Record<string, string | null> | undefined {
  const current = provider.metadata.annotations?.[ANNOTATION_INIT_ATTEMPTS];
  const wanted =
    pruned.includes("initAttempts") && attempts !== undefined && attempts > 0 ? String(attempts) : undefined;
  if (current === wanted) return undefined;
  return { [ANNOTATION_INIT_ATTEMPTS]: wanted ?? null };
}

export interface ConditionState {
  status: Condition["status"];
  reason: string;
  message: string;
}

/** What one pass concluded, before it is merged into the provider's existing conditions. */
export interface StatusDraft {
  initialized: ConditionState;
  ready: ConditionState;
  /** kstatus `Reconciling=True`; removed when absent. */
  reconciling?: { reason: string; message: string } | undefined;
  /** kstatus `Stalled=True`; removed when absent. Wins over `reconciling`. */
  stalled?: { reason: string; message: string } | undefined;
  metrics?: ProviderStatus["metrics"];
  initializedImage?: string | undefined;
  runningImage?: string | undefined;
  initAttempts?: number | undefined;
  resolvedImage?: string | undefined;
  /** The `ImageResolved` condition; removed when absent (resolution off or the image given by digest). */
  imageResolved?: ConditionState | undefined;
  lastGoodRelease?: ProviderStatus["lastGoodRelease"];
  pendingRelease?: ProviderStatus["pendingRelease"];
  failedRelease?: ProviderStatus["failedRelease"];
}

/** `Failed` when stalled, `Ready` when ready, else `Progressing`. */
export function phaseOf(draft: Pick<StatusDraft, "ready" | "stalled">): Phase {
  if (draft.stalled !== undefined) return PHASES.Failed;
  return draft.ready.status === "True" ? PHASES.Ready : PHASES.Progressing;
}

/**
 * The provider's status after this pass: our fields only, conditions merged into the existing ones
 * with `setCondition` (so unchanged conditions keep their `lastTransitionTime`), `Uninstalled`
 * removed, every condition carrying the provider's current generation.
 */
export function buildStatus(provider: Provider, draft: StatusDraft, now: Date): ProviderStatus {
  const observedGeneration = provider.metadata.generation ?? 0;
  const set = (list: Condition[], type: string, state: ConditionState) =>
    setCondition(list, { type, ...state, observedGeneration }, now);
  let conditions = removeCondition(provider.status?.conditions, CONDITION_UNINSTALLED);
  conditions = set(conditions, CONDITION_INITIALIZED, draft.initialized);
  conditions = set(conditions, CONDITION_READY, draft.ready);
  const reconciling = draft.stalled === undefined ? draft.reconciling : undefined;
  conditions =
    reconciling === undefined
      ? removeCondition(conditions, CONDITION_RECONCILING)
      : set(conditions, CONDITION_RECONCILING, { status: "True", ...reconciling });
  conditions =
    draft.stalled === undefined
      ? removeCondition(conditions, CONDITION_STALLED)
      : set(conditions, CONDITION_STALLED, { status: "True", ...draft.stalled });
  conditions =
    draft.imageResolved === undefined
      ? removeCondition(conditions, CONDITION_IMAGE_RESOLVED)
      : set(conditions, CONDITION_IMAGE_RESOLVED, draft.imageResolved);

  const status: ProviderStatus = { observedGeneration, phase: phaseOf(draft), conditions };
  if (draft.metrics !== undefined) status.metrics = draft.metrics;
  if (draft.initializedImage !== undefined) status.initializedImage = draft.initializedImage;
  if (draft.runningImage !== undefined) status.runningImage = draft.runningImage;
  if (draft.initAttempts !== undefined && draft.initAttempts > 0) status.initAttempts = draft.initAttempts;
  if (draft.resolvedImage !== undefined) status.resolvedImage = draft.resolvedImage;
  if (draft.lastGoodRelease !== undefined) status.lastGoodRelease = draft.lastGoodRelease;
  if (draft.pendingRelease !== undefined) status.pendingRelease = draft.pendingRelease;
  if (draft.failedRelease !== undefined) status.failedRelease = draft.failedRelease;
  return status;
}

/** Our fields of a status (drops `resources` and anything unknown). */
export function ownStatus(status: ProviderStatus | undefined): ProviderStatus {
  const out: Record<string, unknown> = {};
  for (const key of OWN_STATUS_FIELDS) {
    if (status?.[key] !== undefined) out[key] = status[key];
  }
  return out;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
  for (const key of keys) {
    if (!deepEqual(x[key], y[key])) return false;
  }
  return true;
}

/** Whether two statuses agree on our fields, whatever the key order (the API server sorts keys). */
export function statusEquals(a: ProviderStatus | undefined, b: ProviderStatus | undefined): boolean {
  return deepEqual(ownStatus(a), ownStatus(b));
}

/**
 * The JSON merge patch for the status subresource that turns `current` into `next` on our fields:
 * our fields that `next` lacks are set to null (removed); `resources` is never mentioned.
 */
export function buildStatusPatch(
  current: ProviderStatus | undefined,
  next: ProviderStatus,
): { status: Record<string, unknown> } {
  const patch: Record<string, unknown> = {};
  for (const key of OWN_STATUS_FIELDS) {
    if (next[key] !== undefined) patch[key] = next[key];
    else if (current?.[key] !== undefined) patch[key] = null;
  }
  return { status: patch };
}
