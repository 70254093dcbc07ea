import {
  CLUSTERS_API_VERSION,
  FIELD_MANAGER_PROVIDER_SDK,
  LABEL_OPENMCP_MANAGED_BY,
  stableRequestName,
  type AccessRequest,
  type ClusterRequest,
  type PermissionsRequest,
} from "@openmcp-ts/contract";
import { Informer, KubeClient, type CachedObject, type ObjectRef } from "@openmcp-ts/kube";

export interface CreateAndWaitForClusterOptions {
  /** Platform cluster client, where the requests live. */
  client: KubeClient;
  /** Names the requests (with localName) and is the value of label openmcp.cloud/managed-by. */
  controllerName: string;
  /** Usually POD_NAMESPACE. */
  namespace: string;
  /** Distinguishes the requests of one controller, e.g. "onboarding-init" and "onboarding-run". */
  localName: string;
  /** ClusterRequest spec.purpose, e.g. "onboarding". */
  purpose: string;
  /** AccessRequest spec.token.permissions. */
  permissions: readonly PermissionsRequest[];
  /** Whole wait, both requests together; default 5 min as in the reference library. */
  timeoutMs?: number;
  /**
   * Read interval while waiting; default 10 s as in the reference library. A watch wakes the wait
   * at once when the request is answered, so this only matters when watching is not possible.
   */
  intervalMs?: number;
  signal?: AbortSignal;
}

type Phase = "Granted" | "Denied";
type Answerable = CachedObject & {
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
};
type RequestRef = ObjectRef & { namespace: string; name: string };

/**
 * Waits until the request's phase is Granted or Denied. A watch on just this object wakes the wait
 * as soon as the cluster provider answers; reads still happen every intervalMs, so a watch that is
 * forbidden or broken only makes the wait as slow as the reference's polling, never stuck.
 */
async function waitForPhase<T extends Answerable>(
  client: KubeClient,
  ref: RequestRef,
  deadline: number,
  intervalMs: number,
  signal: AbortSignal | undefined,
): Promise<{ phase: Phase; object: T }> {
  let wake: (() => void) | undefined;
  const watch = new Informer<T>(
    client,
    { apiVersion: ref.apiVersion, kind: ref.kind, namespace: ref.namespace },
    {
      fieldSelector: `metadata.name=${ref.name}`,
      onEvent: () => wake?.(),
      // Polling carries on regardless; the informer retries with backoff on its own.
      onError: () => undefined,
    },
  );
  void watch.start();
  try {
    for (;;) {
      const object = await client.find<T>(ref);
      const phase = object?.status?.phase;
      if (object && (phase === "Granted" || phase === "Denied")) return { phase, object };
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `not answered in time: phase is ${JSON.stringify(phase ?? "")}${why(object?.status)}`,
        );
      signal?.throwIfAborted();
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          signal?.removeEventListener("abort", done);
          wake = undefined;
          resolve();
        };
        const timer = setTimeout(done, Math.min(intervalMs, left));
        wake = done;
        signal?.addEventListener("abort", done, { once: true });
      });
    }
  } finally {
    await watch.stop();
  }
}

/** What the answering controllers wrote about a request still waiting: its conditions that are not True. */
function why(status: Answerable["status"]): string {
  const open = (status?.conditions ?? []).filter((c) => c.status !== "True");
  const parts = open.map(
    (c) => `${c.type}=${c.status}${c.reason ? ` ${c.reason}` : ""}${c.message ? `: ${c.message}` : ""}`,
  );
  const detail = [status?.reason, status?.message].filter(Boolean).join(": ");
  const said = [detail, ...parts].filter(Boolean);
  if (said.length > 0) return said.map((p) => `; ${p}`).join("");
  // openMCP's scheduler and AccessRequest controller log why they cannot answer but write only the phase.
  return "; the status says nothing more: look at the logs of the openMCP scheduler and AccessRequest controller (a purpose no mapping knows, a ClusterProfile that does not exist) and of the ClusterProvider";
}

function denial(status: { reason?: string; message?: string } | undefined): string {
  const detail = [status?.reason, status?.message].filter(Boolean).join(": ");
  return detail ? ` (${detail})` : "";
}

/**
 * Requests a cluster and access to it, as the reference ClusterAccess manager does: a ClusterRequest
 * and an AccessRequest named stableRequestName(controllerName, localName), polled until Granted.
 * Unlike the reference, Denied stops with an error. Returns a client for the granted cluster.
 */
export async function createAndWaitForCluster(options: CreateAndWaitForClusterOptions): Promise<KubeClient> {
  const { client, controllerName, namespace, localName, purpose, signal } = options;
  const timeoutMs = options.timeoutMs ?? 5 * 60_000;
  const intervalMs = options.intervalMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  const name = stableRequestName(controllerName, localName);
  const labels = { [LABEL_OPENMCP_MANAGED_BY]: controllerName };
  const what = `cluster access ${JSON.stringify(localName)} (purpose ${JSON.stringify(purpose)}) for ${controllerName}`;
  const fail = (why: string, cause?: unknown): Error =>
    new Error(`cannot get ${what}: ${why}`, cause === undefined ? {} : { cause });

  const crRef = { apiVersion: CLUSTERS_API_VERSION, kind: "ClusterRequest", namespace, name } as const;
  const arRef = { apiVersion: CLUSTERS_API_VERSION, kind: "AccessRequest", namespace, name } as const;
  try {
    await client.apply(
      {
        apiVersion: CLUSTERS_API_VERSION,
        kind: "ClusterRequest",
        metadata: { name, namespace, labels },
        spec: { purpose },
      },
      FIELD_MANAGER_PROVIDER_SDK,
    );
  } catch (err) {
    throw fail(`ClusterRequest ${namespace}/${name} cannot be applied: ${(err as Error).message}`, err);
  }

  let cr: { phase: Phase; object: ClusterRequest };
  try {
    cr = await waitForPhase<ClusterRequest>(client, crRef, deadline, intervalMs, signal);
  } catch (err) {
    if (signal?.aborted) throw err;
    throw fail(`failed to wait for ClusterRequest ${namespace}/${name}: ${(err as Error).message}`, err);
  }
  if (cr.phase === "Denied")
    throw fail(`ClusterRequest ${namespace}/${name} was Denied${denial(cr.object.status)}`);

  try {
    await client.apply(
      {
        apiVersion: CLUSTERS_API_VERSION,
        kind: "AccessRequest",
        metadata: { name, namespace, labels },
        spec: { requestRef: { name, namespace }, token: { permissions: [...options.permissions] } },
      },
      FIELD_MANAGER_PROVIDER_SDK,
    );
  } catch (err) {
    throw fail(`AccessRequest ${namespace}/${name} cannot be applied: ${(err as Error).message}`, err);
  }

  let ar: { phase: Phase; object: AccessRequest };
  try {
    ar = await waitForPhase<AccessRequest>(client, arRef, deadline, intervalMs, signal);
  } catch (err) {
    if (signal?.aborted) throw err;
    throw fail(`failed to wait for AccessRequest ${namespace}/${name}: ${(err as Error).message}`, err);
  }
  if (ar.phase === "Denied")
    throw fail(`AccessRequest ${namespace}/${name} was Denied${denial(ar.object.status)}`);

  const secretName = ar.object.status?.secretRef?.name;
  if (!secretName) throw fail(`AccessRequest ${namespace}/${name} is Granted but has no status.secretRef`);
  let secret: { data?: Record<string, string> } | undefined;
  try {
    secret = await client.find({ apiVersion: "v1", kind: "Secret", namespace, name: secretName });
  } catch (err) {
    throw fail(`access Secret ${namespace}/${secretName} cannot be read: ${(err as Error).message}`, err);
  }
  if (!secret) throw fail(`access Secret ${namespace}/${secretName} does not exist`);
  const encoded = secret.data?.kubeconfig;
  if (!encoded) throw fail(`access Secret ${namespace}/${secretName} has no "kubeconfig" key`);
  const kubeconfig = Buffer.from(encoded, "base64").toString("utf8");
  // KubeClient.create reads anything else as a file path; Secret content must never be one.
  if (!kubeconfig.includes("apiVersion:") && !kubeconfig.trimStart().startsWith("{")) {
    throw fail(`the "kubeconfig" key of access Secret ${namespace}/${secretName} is not a kubeconfig`);
  }
  try {
    return KubeClient.create({ kubeconfig });
  } catch (err) {
    throw fail(
      `the "kubeconfig" key of access Secret ${namespace}/${secretName} cannot be used: ${(err as Error).message}`,
      err,
    );
  }
}
