import {
  COMPONENT_INIT,
  LABEL_COMPONENT,
  LABEL_INSTANCE,
  LABEL_MANAGED_BY,
  LABEL_NAME,
  MANAGED_BY_VALUE,
  type ContainerStatus,
  type Pod,
  type ProviderKind,
} from "@openmcp-ts/contract";
import { ApiError, resourcePath, type KubeClient } from "@openmcp-ts/kube";

/** Lines of each failed container's log the step prints and puts into the job summary. */
export const LOG_TAIL_LINES = 30;
/** Newest failed pods shown; a Job that failed five times shows the same log five times. */
const MAX_PODS = 3;
const IMAGE_PULL_REASONS = new Set(["ImagePullBackOff", "ErrImagePull", "InvalidImageName"]);

export interface FailedPodLog {
  namespace: string;
  pod: string;
  container: string;
  /** "init" (the init Job's pod) or "run" (the run Deployment's pod). */
  phase: "init" | "run";
  /** Why the pod counts as failed, e.g. `exited with code 3` or `CrashLoopBackOff`. */
  why: string;
  /** The last lines of its log, or why there are none. */
  log: { lines: string } | { unavailable: string };
}

export interface FailedPodLogs {
  pods: FailedPodLog[];
  /** Why no pod could be looked at (e.g. the credentials may not list pods). */
  note?: string;
}

interface PodTrouble {
  status: ContainerStatus;
  why: string;
  /** The log of the container's previous run (a crash-looping container waits to start again). */
  previous: boolean;
  /** Never started: there is no log to read. */
  noLog?: string;
}

function troubleOf(pod: Pod): PodTrouble | undefined {
  for (const status of pod.status?.containerStatuses ?? []) {
    const terminated = status.state?.terminated;
    if (terminated && terminated.exitCode !== 0)
      return { status, why: `exited with code ${terminated.exitCode}`, previous: false };
    const waiting = status.state?.waiting?.reason;
    if (waiting && IMAGE_PULL_REASONS.has(waiting))
      return {
        status,
        why: waiting,
        previous: false,
        noLog: "its image was never pulled, so the container has not run",
      };
    if (waiting === "CrashLoopBackOff") {
      const code = status.lastState?.terminated?.exitCode;
      return {
        status,
        why: `CrashLoopBackOff${code === undefined ? "" : ` (last exit code ${code})`}`,
        previous: true,
      };
    }
  }
  return undefined;
}

async function readLog(
  client: KubeClient,
  pod: Pod,
  container: string,
  previous: boolean,
): Promise<FailedPodLog["log"]> {
  const namespace = pod.metadata.namespace ?? "";
  const path = resourcePath(
    { apiVersion: "v1", kind: "Pod", namespace, name: pod.metadata.name ?? "" },
    "log",
  );
  const query: Record<string, string> = { container, tailLines: String(LOG_TAIL_LINES) };
  if (previous) query.previous = "true";
  try {
    const { status, stream } = await client.raw("GET", path, { query, accept: "*/*", verb: "get" });
    let text = "";
    for await (const chunk of stream) text += (chunk as Buffer).toString();
    if (status === 403)
      return {
        unavailable: `the credentials may not read pods/log in namespace ${JSON.stringify(namespace)} (403 Forbidden); grant "get" on pods/log to see it here`,
      };
    if (status < 200 || status >= 300) {
      let message = text.trim();
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? message;
      } catch {
        /* plain text */
      }
      return { unavailable: `cannot read the log: HTTP ${status}: ${message.slice(0, 300)}` };
    }
    return text.trim() === "" ? { unavailable: "the log is empty" } : { lines: text.replace(/\n$/, "") };
  } catch (err) {
    return { unavailable: `cannot read the log: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/**
 * The last log lines of the provider's failed pods (init and run), found by the operator's labels
 * in every namespace. Each missing log says why, a 403 naming the permission to grant.
 */
export async function failedPodLogs(
  client: KubeClient,
  kind: ProviderKind,
  name: string,
): Promise<FailedPodLogs> {
  const labelSelector = `${LABEL_MANAGED_BY}=${MANAGED_BY_VALUE},${LABEL_NAME}=${kind},${LABEL_INSTANCE}=${name}`;
  let pods: Pod[];
  try {
    pods = (await client.list<Pod>({ apiVersion: "v1", kind: "Pod" }, { labelSelector })).items;
  } catch (err) {
    const forbidden = err instanceof ApiError && err.code === 403;
    return {
      pods: [],
      note: forbidden
        ? `cannot look for the failed pods: the credentials may not list pods (403 Forbidden); grant "list" on pods and "get" on pods/log to see their logs here`
        : `cannot look for the failed pods: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
  const failed = pods
    // Pods on their way out (an old ReplicaSet's during a rollout) are not this release's failure.
    .filter((pod) => pod.metadata.deletionTimestamp === undefined)
    .map((pod) => ({ pod, trouble: troubleOf(pod) }))
    .filter((x): x is { pod: Pod; trouble: PodTrouble } => x.trouble !== undefined)
    .sort((a, b) =>
      (a.pod.metadata.creationTimestamp ?? "") < (b.pod.metadata.creationTimestamp ?? "") ? 1 : -1,
    )
    .slice(0, MAX_PODS);
  const result: FailedPodLog[] = [];
  for (const { pod, trouble } of failed) {
    const container = trouble.status.name;
    result.push({
      namespace: pod.metadata.namespace ?? "",
      pod: pod.metadata.name ?? "",
      container,
      phase: pod.metadata.labels?.[LABEL_COMPONENT] === COMPONENT_INIT ? "init" : "run",
      why: trouble.why,
      log: trouble.noLog
        ? { unavailable: trouble.noLog }
        : await readLog(client, pod, container, trouble.previous),
    });
  }
  return { pods: result };
}

/** The logs as a job summary section: one collapsed block per pod. */
export function renderPodLogs(logs: FailedPodLogs): string {
  const lines = ["#### Logs of the failed pods", ""];
  if (logs.note) lines.push(logs.note, "");
  if (logs.pods.length === 0 && !logs.note) lines.push("No failed pod of this provider was found.", "");
  for (const p of logs.pods) {
    lines.push(
      `<details><summary>${p.phase} pod <code>${p.namespace}/${p.pod}</code> (container <code>${p.container}</code>): ${p.why}</summary>`,
      "",
    );
    if ("lines" in p.log) lines.push("```text", p.log.lines.replaceAll("```", "ˋˋˋ"), "```", "");
    else lines.push(`No log: ${p.log.unavailable}.`, "");
    lines.push("</details>", "");
  }
  return `${lines.join("\n")}\n`;
}
