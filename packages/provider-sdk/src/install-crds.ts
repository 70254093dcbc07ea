import { setTimeout as sleep } from "node:timers/promises";
import {
  FIELD_MANAGER_PROVIDER_SDK,
  LABEL_CLUSTER,
  type CustomResourceDefinition,
} from "@openmcp-ts/contract";
import type { KubeClient } from "@openmcp-ts/kube";

/** The clusters a provider installs CRDs into, keyed by the value of the `openmcp.cloud/cluster` label. */
export interface CrdClusters {
  platform: KubeClient;
  onboarding?: KubeClient;
}

export interface InstallCrdsOptions {
  timeoutMs?: number;
  intervalMs?: number;
  signal?: AbortSignal;
}

interface CrdStatus {
  status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

function clientFor(clients: CrdClusters, crd: CustomResourceDefinition): KubeClient {
  const target = crd.metadata.labels?.[LABEL_CLUSTER];
  if (target === undefined)
    throw new Error(`label ${LABEL_CLUSTER} is missing: expected "platform" or "onboarding"`);
  if (target === "platform") return clients.platform;
  if (target === "onboarding") {
    if (clients.onboarding === undefined)
      throw new Error(`it targets the onboarding cluster but no onboarding client was given`);
    return clients.onboarding;
  }
  throw new Error(`label ${LABEL_CLUSTER} is ${JSON.stringify(target)}: expected "platform" or "onboarding"`);
}

async function waitEstablished(
  client: KubeClient,
  name: string,
  { timeoutMs = 60_000, intervalMs = 200, signal }: InstallCrdsOptions,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const crd = await client.get<CrdStatus>({
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      name,
    });
    const conditions = crd.status?.conditions ?? [];
    if (conditions.some((c) => c.type === "Established" && c.status === "True")) return;
    const conflict = conditions.find((c) => c.type === "NamesAccepted" && c.status === "False");
    if (conflict) throw new Error(`its names are not accepted: ${conflict.message ?? conflict.reason ?? ""}`);
    if (Date.now() > deadline) throw new Error(`it was not Established within ${timeoutMs} ms`);
    await sleep(intervalMs, undefined, signal ? { signal } : {});
  }
}

/**
 * Server-side applies CRDs into the cluster named by their `openmcp.cloud/cluster` label and waits
 * until each is Established. Every CRD is tried; one error then names all that failed.
 */
export async function installCrds(
  clients: CrdClusters,
  crds: readonly CustomResourceDefinition[],
  options: InstallCrdsOptions = {},
): Promise<void> {
  const failures: string[] = [];
  const causes: unknown[] = [];
  const applied: { client: KubeClient; name: string }[] = [];
  for (const crd of crds) {
    try {
      const client = clientFor(clients, crd);
      await client.apply(crd, FIELD_MANAGER_PROVIDER_SDK, { force: true });
      client.registerPlural(crd.spec.names.kind, crd.spec.names.plural);
      applied.push({ client, name: crd.metadata.name });
    } catch (err) {
      failures.push(`${crd.metadata.name}: ${(err as Error).message}`);
      causes.push(err);
    }
  }
  for (const { client, name } of applied) {
    try {
      await waitEstablished(client, name, options);
    } catch (err) {
      if (options.signal?.aborted) throw err;
      failures.push(`${name}: ${(err as Error).message}`);
      causes.push(err);
    }
  }
  if (failures.length > 0) {
    throw new Error(`cannot install ${failures.length} of ${crds.length} CRDs: ${failures.join("; ")}`, {
      cause: causes.length === 1 ? causes[0] : new AggregateError(causes),
    });
  }
}
