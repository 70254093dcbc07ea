import { isNotFound, type KubeClient } from "@openmcp-ts/kube";
import { EXAMPLE_API_VERSION, type Example } from "./example-crd.ts";

export const FIELD_MANAGER_EXAMPLE = "service-provider-example";

export function configMapName(exampleName: string): string {
  return `example-${exampleName}`;
}

/**
 * Level-based reconcile of one Example: its ConfigMap holds spec.data and is owned by it, or is
 * deleted when the Example is gone. Server-side apply makes a repeated pass a no-op.
 */
export async function reconcileExample(
  client: KubeClient,
  key: { namespace: string; name: string },
  example: Example | undefined,
): Promise<"applied" | "deleted"> {
  const ref = {
    apiVersion: "v1",
    kind: "ConfigMap",
    namespace: key.namespace,
    name: configMapName(key.name),
  };
  if (!example) {
    try {
      await client.delete(ref);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    return "deleted";
  }
  const configMap = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: ref.name,
      namespace: key.namespace,
      labels: { "app.kubernetes.io/managed-by": FIELD_MANAGER_EXAMPLE },
      ...(example.metadata.uid
        ? {
            ownerReferences: [
              {
                apiVersion: EXAMPLE_API_VERSION,
                kind: "Example",
                name: key.name,
                uid: example.metadata.uid,
                controller: true,
                blockOwnerDeletion: true,
              },
            ],
          }
        : {}),
    },
    data: example.spec?.data ?? {},
  };
  await client.apply(configMap, FIELD_MANAGER_EXAMPLE, { force: true });
  return "applied";
}
