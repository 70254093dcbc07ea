import type { ContainerStateTerminated, Pod } from "@openmcp-ts/contract";

/** Container waiting reasons that mean "this will not get better by itself soon". */
export const CONTAINER_PROBLEM_REASONS: readonly string[] = [
  "ImagePullBackOff",
  "ErrImagePull",
  "ErrImageNeverPull",
  "InvalidImageName",
  "CrashLoopBackOff",
  "CreateContainerConfigError",
  "CreateContainerError",
  "RunContainerError",
];

/** Termination messages are written by the provider and may be long; conditions allow 32 KiB in all. */
const MAX_DETAIL_LENGTH = 1024;
/** Problems named in one message; the rest are counted. */
const MAX_PROBLEMS = 3;

export function truncate(text: string, max = MAX_DETAIL_LENGTH): string {
  const trimmed = text.trim();
  return trimmed.length > max ? `${trimmed.slice(0, max - 3)}...` : trimmed;
}

function byName(a: Pod, b: Pod): number {
  const x = a.metadata.name ?? "";
  const y = b.metadata.name ?? "";
  return x < y ? -1 : x > y ? 1 : 0;
}

/** `exited with code 1 (Error): <termination message>`. */
export function describeTermination(terminated: ContainerStateTerminated): string {
  const reason = terminated.reason === undefined || terminated.reason === "" ? "" : ` (${terminated.reason})`;
  const message = terminated.message === undefined ? "" : truncate(terminated.message);
  return `exited with code ${terminated.exitCode}${reason}${message === "" ? "" : `: ${message}`}`;
}

/** One problem per pod and container, without the pod name, so that replicas with the same problem group. */
function podProblems(pod: Pod): string[] {
  const problems: string[] = [];
  for (const condition of pod.status?.conditions ?? []) {
    if (
      condition.type === "PodScheduled" &&
      condition.status === "False" &&
      condition.reason === "Unschedulable"
    ) {
      problems.push(`Unschedulable: ${truncate(condition.message ?? "")}`.replace(/: $/, ""));
    }
  }
  for (const status of pod.status?.containerStatuses ?? []) {
    const waiting = status.state?.waiting;
    const reason = waiting?.reason;
    if (reason === undefined || !CONTAINER_PROBLEM_REASONS.includes(reason)) continue;
    let detail: string;
    if (reason === "CrashLoopBackOff") {
      // The kubelet's own message carries the growing back-off delay; the last exit is what helps.
      const last = status.lastState?.terminated;
      detail = last === undefined ? "" : `last run ${describeTermination(last)}`;
    } else {
      detail = truncate(waiting?.message ?? "");
    }
    problems.push(`container ${status.name}: ${reason}${detail === "" ? "" : `: ${detail}`}`);
  }
  return problems;
}

/**
 * Why pods are stuck, e.g. `pod cp-x-5d9f-abcde: container cp-x: ImagePullBackOff: Back-off pulling
 * image "x" (and 2 more pods)`. Pods being deleted are skipped (old ReplicaSets during a rollout).
 * Empty when nothing looks wrong. Deterministic for the same pods in any order.
 */
export function describePodProblems(pods: readonly Pod[] | undefined): string[] {
  const grouped = new Map<string, { pod: string; count: number }>();
  for (const pod of [...(pods ?? [])].sort(byName)) {
    if (pod.metadata.deletionTimestamp !== undefined) continue;
    for (const problem of podProblems(pod)) {
      const seen = grouped.get(problem);
      if (seen === undefined) grouped.set(problem, { pod: pod.metadata.name ?? "", count: 1 });
      else seen.count++;
    }
  }
  const lines = [...grouped].map(([problem, { pod, count }]) => {
    const more = count > 1 ? ` (and ${count - 1} more pod${count > 2 ? "s" : ""})` : "";
    return `pod ${pod}: ${problem}${more}`;
  });
  if (lines.length <= MAX_PROBLEMS) return lines;
  return [...lines.slice(0, MAX_PROBLEMS), `${lines.length - MAX_PROBLEMS} more problems`];
}

/**
 * The last non-zero exit of `containerName` among the pods, newest pod first:
 * `pod x: container init exited with code 1 (Error): boom`. Undefined if no pod says why.
 */
export function describeLastFailure(
  pods: readonly Pod[] | undefined,
  containerName: string,
): string | undefined {
  const newestFirst = [...(pods ?? [])].sort((a, b) => {
    const x = a.metadata.creationTimestamp ?? "";
    const y = b.metadata.creationTimestamp ?? "";
    return x !== y ? (x < y ? 1 : -1) : -byName(a, b);
  });
  for (const pod of newestFirst) {
    const statuses = pod.status?.containerStatuses ?? [];
    const status = statuses.find((s) => s.name === containerName) ?? statuses[0];
    const terminated = [status?.state?.terminated, status?.lastState?.terminated].find(
      (t) => t !== undefined && t.exitCode !== 0,
    );
    if (status !== undefined && terminated !== undefined) {
      return `pod ${pod.metadata.name ?? ""}: container ${status.name} ${describeTermination(terminated)}`;
    }
  }
  return undefined;
}

/** A failed pod of an init Job that is still retrying: which one, when, and why. */
export interface FailedInitPod {
  name: string;
  /** When its container terminated (RFC 3339), if the kubelet said. */
  finishedAt?: string;
  /** `exited with code 3 (Error): <termination message>`. */
  termination: string;
}

/**
 * The failed pods among a Job's pods (container terminated with a non-zero exit code, or the pod
 * phase Failed), newest first; pods of another Job of the same name are left out by `jobUid`.
 */
export function failedInitPods(
  pods: readonly Pod[] | undefined,
  containerName: string,
  jobUid?: string,
): FailedInitPod[] {
  const failed: (FailedInitPod & { created: string })[] = [];
  for (const pod of pods ?? []) {
    const owners = pod.metadata.ownerReferences;
    if (jobUid !== undefined && owners !== undefined && !owners.some((o) => o.uid === jobUid)) continue;
    const statuses = pod.status?.containerStatuses ?? [];
    const status = statuses.find((s) => s.name === containerName) ?? statuses[0];
    const terminated = status?.state?.terminated;
    if (terminated !== undefined && terminated.exitCode !== 0) {
      failed.push({
        name: pod.metadata.name ?? "",
        created: pod.metadata.creationTimestamp ?? "",
        ...(terminated.finishedAt === undefined ? {} : { finishedAt: terminated.finishedAt }),
        termination: describeTermination(terminated),
      });
    } else if (pod.status?.phase === "Failed") {
      failed.push({
        name: pod.metadata.name ?? "",
        created: pod.metadata.creationTimestamp ?? "",
        termination: "failed",
      });
    }
  }
  // Newest first: by when the container ended, then by when the pod was created (RFC 3339 sorts as text).
  const when = (f: FailedInitPod & { created: string }) => `${f.finishedAt ?? ""}|${f.created}`;
  return failed
    .sort((a, b) => (when(a) !== when(b) ? (when(a) < when(b) ? 1 : -1) : a.name < b.name ? 1 : -1))
    .map((f) => ({
      name: f.name,
      termination: f.termination,
      ...(f.finishedAt === undefined ? {} : { finishedAt: f.finishedAt }),
    }));
}
