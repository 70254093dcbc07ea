import { LABEL_CLUSTER, type CustomResourceDefinition, type GroupVersionKind } from "@openmcp-ts/contract";

export const GROUP = "__group__";
export const VERSION = "v1alpha1";
export const API_VERSION = `${GROUP}/${VERSION}` as const;
export const EXAMPLE_GVK: GroupVersionKind = { group: GROUP, version: VERSION, kind: "Example" };

/** The kind this provider serves: key/value data it turns into a ConfigMap on the onboarding cluster. */
export interface Example {
  apiVersion?: string;
  kind?: string;
  metadata: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
  spec?: { data?: Record<string, string> };
}

export function exampleCrd(): CustomResourceDefinition {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `examples.${GROUP}`, labels: { [LABEL_CLUSTER]: "onboarding" } },
    spec: {
      group: GROUP,
      names: { kind: "Example", listKind: "ExampleList", plural: "examples", singular: "example" },
      scope: "Namespaced",
      versions: [
        {
          name: VERSION,
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
