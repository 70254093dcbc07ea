import {
  ANNOTATION_INIT_HASH,
  ANNOTATION_PROVIDER_GENERATION,
  ANNOTATION_PROVIDER_IMAGE,
  ANNOTATION_PROVIDER_KIND,
  ANNOTATION_PROVIDER_NAME,
  INIT_CONTAINER_NAME,
  INIT_JOB_BACKOFF_LIMIT,
  type ClusterRoleBinding,
  type Job,
  type Provider,
  type Role,
  type RoleBinding,
  type ServiceAccount,
} from "@openmcp-ts/contract";
import { applyPodSettings } from "./apply-pod-settings.ts";
import { computeInitHash } from "./compute-init-hash.ts";
import { initLabels } from "./provider-labels.ts";
import { renderInitArgs } from "./render-args.ts";
import type { RenderContext } from "./render-context.ts";
import { resolvePodSettings } from "./resolve-pod-settings.ts";
import {
  objectMeta,
  podSecurityContext,
  podVolumes,
  prepareRenderInput,
  providerIdentity,
  renderContainer,
} from "./render-pod.ts";

export interface InitObjects {
  serviceAccount: ServiceAccount;
  clusterRoleBinding: ClusterRoleBinding;
  role: Role;
  roleBinding: RoleBinding;
  job: Job;
  /** The value of the Job's `openmcp.cloud/init-hash` annotation, see `computeInitHash`. */
  initHash: string;
}

/**
 * The init phase: ServiceAccount, ClusterRoleBinding, Role, RoleBinding and Job `<p>-<name>-init`,
 * as the reference renders them, plus owner references, the init hash and image annotations and
 * (unless `securityContext: "none"`) a restricted security context.
 */
export function renderInitObjects(provider: Provider, ctx: RenderContext): InitObjects {
  const input = prepareRenderInput(provider, ctx, "Job");
  const { names } = input;
  const settings = resolvePodSettings(ctx.runtimeConfigs, "init");
  const initHash = computeInitHash(provider, settings);
  const { serviceAccount, clusterRoleBinding } = providerIdentity(
    input,
    { serviceAccount: names.init, clusterRoleBinding: names.initClusterRoleBinding },
    initLabels(provider),
  );
  const role: Role = {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "Role",
    metadata: objectMeta(input, names.init, true, initLabels(provider)),
    rules: [
      { apiGroups: [""], resources: ["secrets"], verbs: ["create", "update", "patch", "delete"] },
      { apiGroups: [""], resources: ["configmaps"], verbs: ["create", "update", "patch", "delete"] },
    ],
  };
  const roleBinding: RoleBinding = {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: objectMeta(input, names.init, true, initLabels(provider)),
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: names.init },
    subjects: clusterRoleBinding.subjects.map((s) => ({ ...s })),
  };

  const { pod, mounts } = podVolumes(input, "Job", { volumes: [], mounts: [] });
  const job: Job = {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: objectMeta(input, names.init, true, initLabels(provider), {
      [ANNOTATION_PROVIDER_KIND]: provider.kind,
      [ANNOTATION_PROVIDER_NAME]: input.name,
      [ANNOTATION_PROVIDER_GENERATION]: String(provider.metadata.generation ?? 0),
      [ANNOTATION_INIT_HASH]: initHash,
      [ANNOTATION_PROVIDER_IMAGE]: input.spec.image,
    }),
    spec: {
      backoffLimit: ctx.initJobBackoffLimit ?? INIT_JOB_BACKOFF_LIMIT,
      template: {
        metadata: { labels: initLabels(provider) },
        spec: {
          restartPolicy: "Never",
          serviceAccountName: names.init,
          ...podSecurityContext(ctx),
          ...pod,
          containers: [
            renderContainer(
              input,
              INIT_CONTAINER_NAME,
              renderInitArgs(input.spec, ctx, input.name),
              mounts,
              [],
            ),
          ],
        },
      },
    },
  };

  applyPodSettings(job.spec.template, serviceAccount, settings);
  return { serviceAccount, clusterRoleBinding, role, roleBinding, job, initHash };
}
