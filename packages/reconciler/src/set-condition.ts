import type { Condition } from "@openmcp-ts/contract";

/** A condition to set; `lastTransitionTime` is filled in by `setCondition` unless given. */
export type ConditionInput = Omit<Condition, "lastTransitionTime"> & { lastTransitionTime?: string };

/** RFC 3339 with second precision, as `metav1.Time` serialises: `2025-01-02T03:04:05Z`. */
export function formatTime(time: Date): string {
  return time.toISOString().replace(/\.\d+Z$/, "Z");
}

/**
 * apimachinery's `meta.SetStatusCondition`, without mutating its input: a new type is appended
 * with `lastTransitionTime = now`; for an existing type `lastTransitionTime` changes only when
 * `status` changes, while `reason`, `message` and `observedGeneration` are always overwritten.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  condition: ConditionInput,
  now: Date,
): Condition[] {
  const list = [...(conditions ?? [])];
  const index = list.findIndex((c) => c.type === condition.type);
  const existing = index === -1 ? undefined : list[index];
  const transitioned = existing === undefined || existing.status !== condition.status;
  const next: Condition = {
    type: condition.type,
    status: condition.status,
    reason: condition.reason,
    message: condition.message,
    lastTransitionTime: transitioned
      ? (condition.lastTransitionTime ?? formatTime(now))
      : existing.lastTransitionTime,
  };
  if (condition.observedGeneration !== undefined) next.observedGeneration = condition.observedGeneration;
  if (index === -1) list.push(next);
  else list[index] = next;
  return list;
}

/** `meta.RemoveStatusCondition`, without mutating its input. */
export function removeCondition(conditions: readonly Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}

/** `meta.FindStatusCondition`. */
export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** `meta.IsStatusConditionTrue`. */
export function isConditionTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === "True";
}
