import type { Deployment, Pod } from "@openmcp-ts/contract";
import { describePodProblems, truncate } from "./describe-pods.ts";
import { ANNOTATION_RUN_HASH } from "./compute-run-hash.ts";

export interface DeploymentReadiness {
  ready: boolean;
  /** Why not ready, to be appended to `Waiting for provider to become ready: `; empty when ready. */
  message: string;
  /** Set when the rollout will not finish without a change (progress deadline exceeded). */
  stalled?: { reason: string; message: string };
  /**
   * Not ready only because a rollout is under way, while the Deployment still has all its replicas
   * available (the old pods serve).
   */
  serving?: boolean;
}

export interface ExpectedDeployment {
  namespace: string;
  name: string;
  /** The run hash of what this pass applies; a Deployment with another hash has not seen the update yet. */
  runHash?: string;
}

function condition(deployment: Deployment, type: string) {
  return deployment.status?.conditions?.find((c) => c.type === type);
}

function withDetail(message: string, details: readonly string[]): string {
  return details.length === 0 ? message : `${message}: ${details.join("; ")}`;
}

/**
 * The reference's readiness check (spec 3.13: observed generation, then replicas = updated =
 * available = spec.replicas), with its messages, plus the reason when there is one: pod waiting
 * reasons (image pull, crash loop, config errors), unschedulable pods, `ReplicaFailure` and
 * `ProgressDeadlineExceeded`, the last of which also marks the rollout as stalled.
 */
export function checkDeploymentReadiness(
  deployment: Deployment | undefined,
  pods: readonly Pod[] | undefined,
  expected: ExpectedDeployment,
): DeploymentReadiness {
  const ref = `deployment ${expected.namespace}/${expected.name}`;
  if (deployment === undefined) return { ready: false, message: `${ref} not ready: not created yet` };
  if (deployment.metadata.deletionTimestamp !== undefined) {
    return { ready: false, message: `${ref} not ready: being deleted` };
  }
  const status = deployment.status ?? {};
  // The API server defaults replicas to 1; the reference reads a missing value as 0.
  const want = deployment.spec.replicas ?? 1;
  const serving = (status.availableReplicas ?? 0) >= want;
  const appliedHash = deployment.metadata.annotations?.[ANNOTATION_RUN_HASH];
  if (expected.runHash !== undefined && appliedHash !== expected.runHash) {
    return { ready: false, message: `${ref} not ready: update pending`, serving };
  }
  if ((status.observedGeneration ?? 0) < (deployment.metadata.generation ?? 0)) {
    return { ready: false, message: `${ref} not ready: observed generation outdated`, serving };
  }

  const podDetails = describePodProblems(pods);
  const replicaFailure = condition(deployment, "ReplicaFailure");
  const failureDetails =
    replicaFailure?.status === "True"
      ? [`ReplicaFailure: ${replicaFailure.reason ?? ""}: ${truncate(replicaFailure.message ?? "")}`]
      : [];
  const progressing = condition(deployment, "Progressing");
  if (progressing?.status === "False" && progressing.reason === "ProgressDeadlineExceeded") {
    const message = [
      `${ref} not ready: ProgressDeadlineExceeded: ${truncate(progressing.message ?? "")}`,
      ...failureDetails,
      ...podDetails,
    ].join("; ");
    return { ready: false, message, stalled: { reason: "ProgressDeadlineExceeded", message } };
  }

  const { replicas = 0, updatedReplicas = 0, availableReplicas = 0 } = status;
  if (replicas !== want || updatedReplicas !== want || availableReplicas !== want) {
    const counts = `${updatedReplicas}/${want} replicas updated, ${availableReplicas}/${want} available${
      replicas !== want ? `, ${replicas} in total` : ""
    }`;
    return {
      ready: false,
      message: withDetail(`${ref} is not ready`, [counts, ...failureDetails, ...podDetails]),
      serving,
    };
  }
  return { ready: true, message: "" };
}

/** The image of the Deployment's (single) container. */
export function deploymentImage(deployment: Deployment | undefined): string | undefined {
  return deployment?.spec.template.spec.containers[0]?.image;
}
