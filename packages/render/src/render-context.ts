import type { RuntimeConfigLayers } from "./resolve-pod-settings.ts";

/** What the renderer needs to know besides the provider itself. */
export interface RenderContext {
  /** `--environment` of the operator, handed on to every provider. */
  environment: string;
  /** The system namespace where all provider workloads go. */
  namespace: string;
  /** Whether Secret `webhookSecretName(name)` exists in `namespace`; adds the webhook volume to the Deployment. */
  webhookSecretPresent: boolean;
  /** `restricted` (default) passes the restricted Pod Security Standard; `none` renders the reference exactly. */
  securityContext?: "restricted" | "none";
  /** The ClusterRole both provider identities are bound to; the reference uses `cluster-admin`. */
  providerClusterRole?: string;
  /** Pod retries of one init Job before it fails (the reference's 4). The operator retries failed Jobs itself, with backoff. */
  initJobBackoffLimit?: number;
  /** The ProviderRuntimeConfigs that apply (issue 19); absent or empty: the pods render as without them. */
  runtimeConfigs?: RuntimeConfigLayers;
}
