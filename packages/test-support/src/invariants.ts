import { API_VERSION, type Provider, type ProviderKind } from "@openmcp-ts/contract";
import type { KubeClient } from "@openmcp-ts/kube";
import { GENERATED_NAMESPACED_KINDS } from "@openmcp-ts/operator";
import { condition } from "./operator-harness.ts";

interface Owned {
  kind?: string;
  metadata: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    ownerReferences?: { uid: string; kind: string; name: string }[];
    deletionTimestamp?: string;
    annotations?: Record<string, string>;
  };
  spec?: { template?: { spec?: { containers?: { image?: string }[] } } };
  status?: {
    succeeded?: number;
    availableReplicas?: number;
    conditions?: { type: string; status: string }[];
  };
}

/**
 * What is wrong with the cluster against the operator's promises, as readable lines (none = fine):
 * per expected provider exactly one init Job (succeeded, the current image) and one available
 * Deployment of the current image, a status observed at the current generation that says Ready
 * with both images; and no object managed by the operator without a live provider owning it.
 */
export async function invariantViolations(
  client: KubeClient,
  namespace: string,
  expected: readonly { kind: ProviderKind; name: string }[],
): Promise<string[]> {
  const problems: string[] = [];
  const providers = new Map<string, Provider>();
  for (const kind of ["ServiceProvider", "ClusterProvider", "PlatformService"] as const) {
    for (const p of (await client.list<Provider>({ apiVersion: API_VERSION, kind })).items)
      providers.set(p.metadata.uid ?? "", { ...p, kind });
  }
  const managed = `app.kubernetes.io/managed-by=openmcp-operator`;
  const owned: Owned[] = [];
  for (const ref of GENERATED_NAMESPACED_KINDS) {
    const list = await client.list<Owned>({ ...ref, namespace }, { labelSelector: managed });
    owned.push(...list.items.map((o) => ({ ...o, kind: ref.kind })));
  }
  const crbs = await client.list<Owned>(
    { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding" },
    { labelSelector: managed },
  );
  owned.push(...crbs.items.map((o) => ({ ...o, kind: "ClusterRoleBinding" })));

  for (const o of owned) {
    if (o.metadata.deletionTimestamp) continue;
    const owner = o.metadata.ownerReferences?.find((r) => providers.has(r.uid));
    if (!owner) problems.push(`${o.kind} ${o.metadata.name ?? ""} has no live provider as owner (orphan)`);
  }
  for (const { kind, name } of expected) {
    const what = `${kind} ${name}`;
    const p = [...providers.values()].find((x) => x.kind === kind && x.metadata.name === name);
    if (!p) {
      problems.push(`${what} does not exist`);
      continue;
    }
    const mine = (k: string): Owned[] =>
      owned.filter(
        (o) =>
          o.kind === k &&
          !o.metadata.deletionTimestamp &&
          o.metadata.ownerReferences?.some((r) => r.uid === p.metadata.uid),
      );
    const image = p.spec.image;
    const jobs = mine("Job");
    if (jobs.length !== 1) problems.push(`${what} has ${jobs.length} init Jobs, want 1`);
    for (const job of jobs) {
      if (job.spec?.template?.spec?.containers?.[0]?.image !== image)
        problems.push(`${what}: Job ${job.metadata.name ?? ""} runs another image than ${image}`);
      if (!job.status?.succeeded) problems.push(`${what}: Job ${job.metadata.name ?? ""} has not succeeded`);
    }
    const deployments = mine("Deployment");
    if (deployments.length !== 1) problems.push(`${what} has ${deployments.length} Deployments, want 1`);
    for (const d of deployments) {
      if (d.spec?.template?.spec?.containers?.[0]?.image !== image)
        problems.push(`${what}: Deployment runs another image than ${image}`);
      if (!d.status?.conditions?.some((c) => c.type === "Available" && c.status === "True"))
        problems.push(`${what}: Deployment is not available`);
    }
    const status = p.status;
    if (status?.observedGeneration !== p.metadata.generation)
      problems.push(
        `${what}: status.observedGeneration ${String(status?.observedGeneration)} is not generation ${String(p.metadata.generation)}`,
      );
    if (status?.phase !== "Ready") {
      const conditions = (status?.conditions ?? [])
        .map((c) => `${c.type}=${c.status}/${c.reason}`)
        .join(", ");
      problems.push(`${what}: phase ${String(status?.phase)}, want Ready (conditions: ${conditions})`);
    }
    if (condition(p, "Ready")?.status !== "True") problems.push(`${what}: Ready is not True`);
    if (status?.runningImage !== image || status.initializedImage !== image)
      problems.push(
        `${what}: status says initialized ${String(status?.initializedImage)}, running ${String(status?.runningImage)}; spec is ${image}`,
      );
  }
  return problems;
}

/** Waits until invariantViolations is empty; on timeout fails listing what was still wrong. */
export async function expectConverged(
  client: KubeClient,
  namespace: string,
  expected: readonly { kind: ProviderKind; name: string }[],
  timeoutMs = 90_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: string[] = [];
  for (;;) {
    try {
      last = await invariantViolations(client, namespace, expected);
      if (last.length === 0) return;
    } catch (err) {
      last = [`cannot read the cluster: ${(err as Error).message}`];
    }
    if (Date.now() > deadline)
      throw new Error(`not converged after ${timeoutMs} ms:\n  ${last.join("\n  ")}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
