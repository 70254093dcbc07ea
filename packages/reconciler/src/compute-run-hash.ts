import { contentHash, type Deployment } from "@openmcp-ts/contract";

/**
 * Ours: set on the Deployment we apply, so that a pass can tell whether the Deployment it observes
 * already carries the spec it is about to apply. Without it, the pass that applies a new spec
 * would judge the readiness of the old one and briefly report `Ready=True`.
 */
export const ANNOTATION_RUN_HASH = "openmcp.cloud/run-hash";

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  const record = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(record).sort()) {
    if (record[key] !== undefined) out[key] = sortKeys(record[key]);
  }
  return out;
}

/** A stable hash of the Deployment's `spec` (key order does not matter). */
export function computeRunHash(deployment: Deployment): string {
  return contentHash(JSON.stringify(sortKeys(deployment.spec)));
}

/** The Deployment to apply: the rendered one plus the run-hash annotation (on the object, not the pod template). */
export function withRunHash(deployment: Deployment): { deployment: Deployment; runHash: string } {
  const runHash = computeRunHash(deployment);
  return {
    runHash,
    deployment: {
      ...deployment,
      metadata: {
        ...deployment.metadata,
        annotations: { ...deployment.metadata.annotations, [ANNOTATION_RUN_HASH]: runHash },
      },
    },
  };
}
