import { FINALIZER, providerObjectNames, type Provider } from "@openmcp-ts/contract";
import type { ReconcileOptions } from "./reconcile-options.ts";
import type { Plan, PlannedDelete } from "./reconcile-types.ts";
import { EVENT_REASONS } from "./transition-events.ts";

/**
 * Everything the operator creates for a provider, in deletion order: the reference's six objects
 * (spec 3.17) plus the metrics Service and the init Role and RoleBinding, which it leaves behind.
 */
export function providerObjectsToDelete(provider: Provider, namespace: string): PlannedDelete[] {
  const names = providerObjectNames(provider.kind, provider.metadata.name ?? "");
  const rbac = "rbac.authorization.k8s.io/v1";
  return [
    { apiVersion: "apps/v1", kind: "Deployment", name: names.run, namespace },
    { apiVersion: rbac, kind: "ClusterRoleBinding", name: names.runClusterRoleBinding },
    { apiVersion: "v1", kind: "ServiceAccount", name: names.run, namespace },
    { apiVersion: "v1", kind: "Service", name: names.metricsService, namespace },
    { apiVersion: "batch/v1", kind: "Job", name: names.init, namespace, propagationPolicy: "Background" },
    { apiVersion: rbac, kind: "ClusterRoleBinding", name: names.initClusterRoleBinding },
    { apiVersion: "v1", kind: "ServiceAccount", name: names.init, namespace },
    { apiVersion: rbac, kind: "Role", name: names.init, namespace },
    { apiVersion: rbac, kind: "RoleBinding", name: names.init, namespace },
  ];
}

/**
 * A provider being deleted: delete everything (404 counts as done), then drop the finalizer, in
 * one pass and without a status write (the object is about to disappear). Without our finalizer
 * there is nothing left to do. Failures go through `statusForFailure(…, "uninstall", …)`.
 */
export function planDeletion(provider: Provider, options: Pick<ReconcileOptions, "namespace">): Plan {
  if (!(provider.metadata.finalizers ?? []).includes(FINALIZER)) return { apply: [], delete: [], events: [] };
  return {
    apply: [],
    delete: providerObjectsToDelete(provider, options.namespace),
    finalizer: "remove",
    events: [
      {
        type: "Normal",
        reason: EVENT_REASONS.Uninstalled,
        message: `Deleted the provider's workload and RBAC objects in namespace ${options.namespace}`,
      },
    ],
  };
}
