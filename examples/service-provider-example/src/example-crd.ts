import { LABEL_CLUSTER, type CustomResourceDefinition, type GroupVersionKind } from "@openmcp-ts/contract";

export const EXAMPLE_GROUP = "example.services.openmcp.cloud";
export const EXAMPLE_VERSION = "v1alpha1";
export const EXAMPLE_API_VERSION = `${EXAMPLE_GROUP}/${EXAMPLE_VERSION}` as const;
export const EXAMPLE_GVK: GroupVersionKind = {
  group: EXAMPLE_GROUP,
  version: EXAMPLE_VERSION,
  kind: "Example",
};

/** The one kind this provider serves: key/value data it turns into a ConfigMap on the onboarding cluster. */
export interface Example {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
  };
  spec?: { data?: Record<string, string> };
}

export function exampleCrd(): CustomResourceDefinition {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `examples.${EXAMPLE_GROUP}`, labels: { [LABEL_CLUSTER]: "onboarding" } },
    spec: {
      group: EXAMPLE_GROUP,
      names: { kind: "Example", listKind: "ExampleList", plural: "examples", singular: "example" },
      scope: "Namespaced",
      versions: [
        {
          name: EXAMPLE_VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: {
            openAPIV3Schema: {
              type: "object",
              properties: {
                spec: {
                  type: "object",
                  properties: { data: { type: "object", additionalProperties: { type: "string" } } },
                },
                status: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
              },
            },
          },
        },
      ],
    },
  };
}
