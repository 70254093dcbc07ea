import {
  API_VERSION,
  COMPONENT_CONTROLLER,
  COMPONENT_INIT,
  LABEL_COMPONENT,
  LABEL_INSTANCE,
  LABEL_MANAGED_BY,
  LABEL_NAME,
  MANAGED_BY_VALUE,
  type OwnerReference,
  type Provider,
} from "@openmcp-ts/contract";

export type ProviderComponent = typeof COMPONENT_INIT | typeof COMPONENT_CONTROLLER;

/** The reference's common labels plus `app.kubernetes.io/component`. */
export function providerLabels(provider: Provider, component: ProviderComponent): Record<string, string> {
  return {
    [LABEL_MANAGED_BY]: MANAGED_BY_VALUE,
    [LABEL_NAME]: provider.kind,
    [LABEL_INSTANCE]: provider.metadata.name ?? "",
    [LABEL_COMPONENT]: component,
  };
}

/** `init-job` labels: init ServiceAccount, bindings, Role, Job and its pods. */
export function initLabels(provider: Provider): Record<string, string> {
  return providerLabels(provider, COMPONENT_INIT);
}

/** `controller` labels: run ServiceAccount, binding, Deployment (selector too) and metrics Service. */
export function controllerLabels(provider: Provider): Record<string, string> {
  return providerLabels(provider, COMPONENT_CONTROLLER);
}

/**
 * The controller reference to the provider. Without a uid (a provider that was never stored)
 * there is nothing valid to point at, so the caller leaves `ownerReferences` out.
 */
export function controllerOwnerReference(provider: Provider): OwnerReference | undefined {
  const { name, uid } = provider.metadata;
  if (name === undefined || uid === undefined || uid === "") return undefined;
  return {
    apiVersion: API_VERSION,
    kind: provider.kind,
    name,
    uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}
