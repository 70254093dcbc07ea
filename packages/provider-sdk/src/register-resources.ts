import { API_VERSION, type GroupVersionKind } from "@openmcp-ts/contract";
import type { KubeClient } from "@openmcp-ts/kube";

/**
 * Registers the kinds a ServiceProvider serves in its `status.resources` (replacing the list), with
 * a merge patch on the status subresource that touches no other field.
 */
export async function registerResources(
  client: KubeClient,
  providerName: string,
  gvks: readonly GroupVersionKind[],
): Promise<void> {
  try {
    await client.patch(
      { apiVersion: API_VERSION, kind: "ServiceProvider", name: providerName },
      "merge",
      { status: { resources: gvks.map(({ group, version, kind }) => ({ group, version, kind })) } },
      { subresource: "status" },
    );
  } catch (err) {
    throw new Error(
      `cannot register resources at ServiceProvider ${JSON.stringify(providerName)}: ${(err as Error).message}`,
      { cause: err },
    );
  }
}
