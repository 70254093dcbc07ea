import {
  CONDITION_INITIALIZED,
  CONDITION_STALLED,
  REASONS,
  type Condition,
  type Provider,
} from "@openmcp-ts/contract";

/** What kind of trouble a condition reports; the wait decides from it whether to keep waiting. */
export type FailureKind =
  "rolled-back" | "stalled" | "init-failed" | "init-pod-failed" | "image-pull" | "crash-loop";

export interface ProviderFailure {
  kind: FailureKind;
  /** The condition that says so, as `Type=Status/Reason: message`; also what makes a failure distinct. */
  text: string;
  /** init-pod-failed: whether another pod of the same Job will fail the same way (see `isDeterministic`). */
  deterministic?: boolean;
}

const IMAGE_PULL = /\b(ImagePullBackOff|ErrImagePull)\b/;
const CRASH_LOOP = /\bCrashLoopBackOff\b/;
/** The operator's InitPodFailed message: `init pod <name> failed (pod k of n) at <time>: exited with code N ...`. */
const EXIT_CODE = /exited with code (\d+)/;
/**
 * Exit codes from signals the node sends (137: SIGKILL, e.g. OOM or eviction; 143: SIGTERM, e.g.
 * preemption) depend on the node, not on the image, and may not happen again.
 */
const NODE_EXIT_CODES = new Set([137, 143]);

/**
 * Whether an init pod failure will repeat: the Job's next pod runs the same image with the same
 * arguments and environment, so an exit code the container chose itself comes back; a pod that
 * failed without one (evicted, node lost) or was killed by the node may not.
 */
export function isDeterministic(message: string): boolean {
  const code = EXIT_CODE.exec(message)?.[1];
  return code !== undefined && !NODE_EXIT_CODES.has(Number(code));
}

/** The failures the provider reports for `generation`; conditions of an older generation never count. */
export function providerFailures(p: Provider | undefined, generation: number): ProviderFailure[] {
  if ((p?.status?.observedGeneration ?? 0) < generation) return [];
  const current = (p?.status?.conditions ?? []).filter(
    (c) => c.observedGeneration === undefined || c.observedGeneration >= generation,
  );
  const text = (c: Condition): string => `${c.type}=${c.status}/${c.reason}: ${c.message}`;
  const failures: ProviderFailure[] = [];
  for (const c of current) {
    if (c.type === CONDITION_STALLED) {
      // The operator rolled the new release back (issue 20): the deploy failed, the old release serves.
      if (c.status === "True")
        failures.push({ kind: c.reason === REASONS.RolledBack ? "rolled-back" : "stalled", text: text(c) });
      continue;
    }
    if (c.status === "True") continue;
    if (c.type === CONDITION_INITIALIZED && c.reason === REASONS.InitFailed)
      failures.push({ kind: "init-failed", text: text(c) });
    else if (c.type === CONDITION_INITIALIZED && c.reason === REASONS.InitPodFailed)
      failures.push({ kind: "init-pod-failed", text: text(c), deterministic: isDeterministic(c.message) });
    else if (IMAGE_PULL.test(c.message)) failures.push({ kind: "image-pull", text: text(c) });
    else if (CRASH_LOOP.test(c.message)) failures.push({ kind: "crash-loop", text: text(c) });
  }
  return failures;
}

export interface FailFastPolicy {
  failFast: boolean;
  /** How long a pod may be unable to pull its image before fail-fast gives up on it. */
  imagePullGraceMs: number;
}

/**
 * Why waiting longer will not help, or undefined. Stalled and InitFailed end the wait always (the
 * operator gave up); with fail-fast also a deterministic init pod failure (the Job's retries would
 * fail the same way) and an image that could not be pulled for the whole grace period.
 * `imagePullSinceMs` is when the current unbroken run of image-pull failures was first seen.
 */
export function failFastVerdict(
  failures: readonly ProviderFailure[],
  policy: FailFastPolicy,
  imagePullSinceMs: number | undefined,
  nowMs: number,
): string | undefined {
  const rolledBack = failures.find((f) => f.kind === "rolled-back");
  if (rolledBack !== undefined)
    return "the operator rolled the new release back to the last good one (RolledBack); the old release keeps serving";
  if (failures.some((f) => f.kind === "stalled")) return "the operator stopped trying (Stalled=True)";
  if (failures.some((f) => f.kind === "init-failed")) return "the init Job failed (InitFailed)";
  if (!policy.failFast) return undefined;
  if (failures.some((f) => f.kind === "init-pod-failed" && f.deterministic))
    return "fail-fast: an init pod exited with an error code, which the Job's next pods (same image, same inputs) will repeat; set fail-fast: false to wait for the Job's retries";
  if (
    imagePullSinceMs !== undefined &&
    failures.some((f) => f.kind === "image-pull") &&
    nowMs - imagePullSinceMs >= policy.imagePullGraceMs
  )
    return `fail-fast: the image could not be pulled for ${Math.round((nowMs - imagePullSinceMs) / 1000)}s (grace ${Math.round(policy.imagePullGraceMs / 1000)}s)`;
  return undefined;
}
