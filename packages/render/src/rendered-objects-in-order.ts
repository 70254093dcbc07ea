import type {
  ClusterRoleBinding,
  Deployment,
  Job,
  Role,
  RoleBinding,
  Service,
  ServiceAccount,
} from "@openmcp-ts/contract";
import type { InitObjects } from "./render-init-objects.ts";
import type { RunObjects } from "./render-run-objects.ts";

export type RenderedObject =
  ServiceAccount | ClusterRoleBinding | Role | RoleBinding | Job | Deployment | Service;

/**
 * The objects in the order the reference creates them: the init phase (ServiceAccount,
 * ClusterRoleBinding, Role, RoleBinding, Job), then the run phase (ServiceAccount,
 * ClusterRoleBinding, Deployment, metrics Service). Identities come before what uses them.
 */
export function renderedObjectsInOrder(init: InitObjects, run?: RunObjects): RenderedObject[] {
  const objects: RenderedObject[] = [
    init.serviceAccount,
    init.clusterRoleBinding,
    init.role,
    init.roleBinding,
    init.job,
  ];
  if (run !== undefined) {
    objects.push(run.serviceAccount, run.clusterRoleBinding, run.deployment);
    if (run.metricsService !== undefined) objects.push(run.metricsService);
  }
  return objects;
}
