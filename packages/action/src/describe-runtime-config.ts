import {
  ANNOTATION_RUNTIME_CONFIG,
  RUNTIME_API_VERSION,
  RUNTIME_CONFIG_KIND,
  toYaml,
  type Provider,
  type ProviderRuntimeConfig,
} from "@openmcp-ts/contract";
import type { KubeClient } from "@openmcp-ts/kube";

/** What `plan` says about the pods' runtime config: a headline, and the config's spec when it could be read. */
export interface RuntimeConfigDescription {
  line: string;
  yaml?: string;
}

/**
 * The ProviderRuntimeConfig the provider's annotation names, as the cluster has it. The operator's
 * `--default-runtime-config` is a flag of the operator, which the Action cannot see, so it is only mentioned.
 */
export async function describeRuntimeConfig(
  client: KubeClient,
  provider: Provider | undefined,
): Promise<RuntimeConfigDescription> {
  const name = provider?.metadata.annotations?.[ANNOTATION_RUNTIME_CONFIG]?.trim();
  if (!name)
    return {
      line: `Runtime config: none named (annotation ${ANNOTATION_RUNTIME_CONFIG}); the operator's --default-runtime-config applies if it sets one`,
    };
  let config: ProviderRuntimeConfig | undefined;
  try {
    config = await client.find<ProviderRuntimeConfig>({
      apiVersion: RUNTIME_API_VERSION,
      kind: RUNTIME_CONFIG_KIND,
      name,
    });
  } catch (err) {
    return {
      line: `Runtime config: ${RUNTIME_CONFIG_KIND} "${name}", which cannot be read: ${(err as Error).message}`,
    };
  }
  if (config === undefined)
    return {
      line: `Runtime config: ${RUNTIME_CONFIG_KIND} "${name}" does not exist; the operator applies nothing to this provider until it does`,
    };
  const deleting = config.metadata.deletionTimestamp ? " (being deleted once no provider uses it)" : "";
  return {
    line: `Runtime config: ${RUNTIME_CONFIG_KIND} "${name}"${deleting}, over the operator's default if it has one`,
    yaml: toYaml(config.spec ?? {}),
  };
}
