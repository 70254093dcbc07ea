import { FIELD_MANAGER_OPERATOR, operatorCrds } from "@openmcp-ts/contract";
import { takeOverManagedFields, type KubeClient } from "@openmcp-ts/kube";
import type { Logger } from "@openmcp-ts/kube";

interface Crd {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  status?: { conditions?: { type: string; status: string }[] };
}

/**
 * The operator's `init`: server-side apply of its CRDs (idempotent, safe to run concurrently: each
 * apply is one atomic request with one field manager), then wait until each is Established.
 */
export async function installCrds(client: KubeClient, log: Logger, timeoutMs = 60_000): Promise<string[]> {
  const crds = operatorCrds() as unknown as Crd[];
  for (const crd of crds) {
    try {
      // CRDs the reference's `init` created (Update by `openmcp-operator`) become wholly ours, so
      // parts of its schema that ours does not have are removed rather than kept beside ours.
      const ref = { apiVersion: crd.apiVersion, kind: crd.kind, name: crd.metadata.name };
      if (await takeOverManagedFields(client, ref, FIELD_MANAGER_OPERATOR, [FIELD_MANAGER_OPERATOR]))
        log.info("CRD fields taken over from the reference operator", { crd: crd.metadata.name });
      await client.apply(crd, FIELD_MANAGER_OPERATOR, { force: true });
    } catch (err) {
      throw new Error(`cannot install CRD ${crd.metadata.name}: ${(err as Error).message}`, { cause: err });
    }
    log.info("CRD applied", { crd: crd.metadata.name });
  }
  const deadline = Date.now() + timeoutMs;
  for (const crd of crds) {
    for (;;) {
      const live = await client.get<Crd>({
        apiVersion: crd.apiVersion,
        kind: crd.kind,
        name: crd.metadata.name,
      });
      if (live.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")) break;
      if (Date.now() > deadline)
        throw new Error(
          `CRD ${crd.metadata.name} was applied but is not Established after ${timeoutMs / 1000} s`,
        );
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return crds.map((c) => c.metadata.name);
}
