import type { KubeClient } from "./kube-client.ts";
import type { ObjectRef } from "./resource-path.ts";

/** One entry of `metadata.managedFields`. */
export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: FieldSet;
  subresource?: string;
}

/** A FieldsV1 set: nested objects whose keys are `f:name`, `k:{…}`, `v:…`, `i:…` or `.`. */
export type FieldSet = { [key: string]: FieldSet };

/** The union of two FieldsV1 sets (a field in either is in the result). */
export function unionFieldSets(a: FieldSet, b: FieldSet): FieldSet {
  const out: FieldSet = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const mine = out[key];
    out[key] = mine === undefined ? value : unionFieldSets(mine, value);
  }
  return out;
}

/**
 * The managed fields after moving every `Update` entry of `fromManagers` (main resource only) into
 * the `Apply` entry of `manager`, as kubectl's csaupgrade does when a client-side applier switches to
 * server-side apply: afterwards `manager` owns those fields, so leaving one out of its next apply
 * removes it. Undefined when no entry needs moving.
 */
export function upgradedManagedFields(
  entries: readonly ManagedFieldsEntry[],
  manager: string,
  fromManagers: readonly string[],
): ManagedFieldsEntry[] | undefined {
  const isMainResource = (e: ManagedFieldsEntry): boolean => (e.subresource ?? "") === "";
  const moved = entries.filter(
    (e) =>
      e.operation === "Update" &&
      isMainResource(e) &&
      e.manager !== undefined &&
      fromManagers.includes(e.manager),
  );
  if (moved.length === 0) return undefined;
  const applyIndex = entries.findIndex(
    (e) => e.manager === manager && e.operation === "Apply" && isMainResource(e),
  );
  const base: ManagedFieldsEntry =
    applyIndex >= 0
      ? entries[applyIndex]!
      : {
          manager,
          operation: "Apply",
          apiVersion: moved[0]!.apiVersion!,
          fieldsType: "FieldsV1",
          fieldsV1: {},
          ...(moved[0]!.time ? { time: moved[0]!.time } : {}),
        };
  const merged: ManagedFieldsEntry = {
    ...base,
    fieldsV1: moved.reduce((set, e) => unionFieldSets(set, e.fieldsV1 ?? {}), base.fieldsV1 ?? {}),
  };
  const rest = entries.filter((e, i) => !moved.includes(e) && i !== applyIndex);
  return applyIndex >= 0
    ? [...rest.slice(0, applyIndex), merged, ...rest.slice(applyIndex)]
    : [merged, ...rest];
}

/** Whether an object's (possibly summarised) managed fields hold an entry `upgradedManagedFields` would move. */
export function hasFieldsToTakeOver(
  entries: readonly ManagedFieldsEntry[] | undefined,
  fromManagers: readonly string[],
): boolean {
  return (entries ?? []).some(
    (e) =>
      e.operation === "Update" &&
      (e.subresource ?? "") === "" &&
      e.manager !== undefined &&
      fromManagers.includes(e.manager),
  );
}

/**
 * Reads the object and, if another manager's Update entries are to be taken over, rewrites its
 * managed fields in one JSON patch guarded by the resourceVersion read (a concurrent write makes
 * it fail with 409/422, and the caller retries). Returns whether it changed anything.
 */
export async function takeOverManagedFields(
  client: KubeClient,
  ref: ObjectRef & { name: string },
  manager: string,
  fromManagers: readonly string[],
): Promise<boolean> {
  const live = await client.find<{
    metadata: { resourceVersion?: string; managedFields?: ManagedFieldsEntry[] };
  }>(ref);
  if (!live) return false;
  const upgraded = upgradedManagedFields(live.metadata.managedFields ?? [], manager, fromManagers);
  if (!upgraded) return false;
  await client.patch(ref, "json", [
    { op: "test", path: "/metadata/resourceVersion", value: live.metadata.resourceVersion },
    { op: "replace", path: "/metadata/managedFields", value: upgraded },
  ]);
  return true;
}
