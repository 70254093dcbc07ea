/**
 * The provider object types. Spec, status and the request kinds are generated from the CRD schema
 * (`generated-types.ts`); only the generic wrapper over the three kinds is written here.
 */
import type { ProviderKind } from "../constants.ts";
import type { ObjectMeta } from "../kube/kube-types.ts";
import type { ProviderSpec, ProviderStatus } from "./generated-types.ts";

export type * from "./generated-types.ts";

export interface Provider<K extends ProviderKind = ProviderKind> {
  apiVersion: "openmcp.cloud/v1alpha1";
  kind: K;
  metadata: ObjectMeta;
  spec: ProviderSpec;
  status?: ProviderStatus;
}

export type ClusterProvider = Provider<"ClusterProvider">;
export type ServiceProvider = Provider<"ServiceProvider">;
export type PlatformService = Provider<"PlatformService">;
