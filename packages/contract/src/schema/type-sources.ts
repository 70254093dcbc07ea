import { CLUSTERS_API_VERSION } from "../constants.ts";
import {
  accessRequestSchema,
  clusterRequestSchema,
  providerSpecSchema,
  providerStatusSchema,
} from "./crd-schema.ts";
import type { TypeSource } from "./render-types.ts";

/**
 * The schemas whose TS types are generated into `generated-types.ts`, in output order. A new CRD is
 * one entry with `object` (its spec and status types follow); a new field needs no entry at all.
 */
export function typeSources(): TypeSource[] {
  return [
    { name: "ProviderSpec", schema: providerSpecSchema() },
    // ServiceProvider's is the widest: the others lack `resources`.
    { name: "ProviderStatus", schema: providerStatusSchema("ServiceProvider") },
    {
      name: "ClusterRequest",
      schema: clusterRequestSchema(),
      object: { apiVersion: CLUSTERS_API_VERSION, kind: "ClusterRequest" },
    },
    {
      name: "AccessRequest",
      schema: accessRequestSchema(),
      object: { apiVersion: CLUSTERS_API_VERSION, kind: "AccessRequest" },
    },
  ];
}
