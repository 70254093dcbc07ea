import {
  PROVIDER_CLUSTER_ROLE,
  PROVIDER_KIND_INFO,
  RENDER_PROBLEM_TYPES,
  providerObjectNames,
  type ClusterRoleBinding,
  type Container,
  type EnvVar,
  type ObjectMeta,
  type OwnerReference,
  type PodSpec,
  type Provider,
  type ProviderObjectNames,
  type SecurityContext,
  type ServiceAccount,
  type Volume,
  type VolumeMount,
} from "@openmcp-ts/contract";
import { controllerOwnerReference } from "./provider-labels.ts";
import type { RenderContext } from "./render-context.ts";
import { firstDuplicate, renderEnv } from "./render-env.ts";
import { newRenderError } from "./render-error.ts";
import { resolveRenderSpec, type RenderSpec } from "./resolve-render-spec.ts";

/** Everything both phases derive from the provider before building objects. */
export interface RenderInput {
  provider: Provider;
  ctx: RenderContext;
  name: string;
  names: ProviderObjectNames;
  spec: RenderSpec;
  env: EnvVar[];
  owner: OwnerReference | undefined;
}

/** Checks what the renderer depends on and resolves defaults; `objectKind` names the object in errors. */
export function prepareRenderInput(provider: Provider, ctx: RenderContext, objectKind: string): RenderInput {
  const name = provider.metadata.name;
  if (name === undefined || name === "")
    throw newRenderError(
      objectKind,
      provider,
      RENDER_PROBLEM_TYPES.NameMissing,
      "metadata.name is empty",
      "metadata.name",
    );
  if (!Object.hasOwn(PROVIDER_KIND_INFO, provider.kind)) {
    throw newRenderError(
      objectKind,
      provider,
      RENDER_PROBLEM_TYPES.KindUnknown,
      `kind is not a provider kind: ${provider.kind}`,
      "kind",
    );
  }
  if (provider.spec === undefined || provider.spec === null) {
    throw newRenderError(
      objectKind,
      provider,
      RENDER_PROBLEM_TYPES.SpecMissing,
      "provider spec not found",
      "spec",
    );
  }
  const spec = resolveRenderSpec(provider.spec);
  const rendered = renderEnv(spec);
  if ("duplicate" in rendered) {
    throw newRenderError(
      objectKind,
      provider,
      RENDER_PROBLEM_TYPES.EnvNotUnique,
      `environment variable is not unique: ${rendered.duplicate}`,
    );
  }
  return {
    provider,
    ctx,
    name,
    names: providerObjectNames(provider.kind, name),
    spec,
    env: rendered.env,
    owner: controllerOwnerReference(provider),
  };
}

/** `name`, `namespace` (if any), labels, annotations (if any) and the owner reference (if the provider has a uid). */
export function objectMeta(
  input: RenderInput,
  name: string,
  namespaced: boolean,
  labels: Record<string, string>,
  annotations?: Record<string, string>,
): ObjectMeta {
  return {
    name,
    ...(namespaced ? { namespace: input.ctx.namespace } : {}),
    labels,
    ...(annotations === undefined ? {} : { annotations }),
    ...(input.owner === undefined ? {} : { ownerReferences: [{ ...input.owner }] }),
  };
}

/**
 * A phase's identity: its ServiceAccount and the ClusterRoleBinding that grants it the provider
 * ClusterRole (`ctx.providerClusterRole`, cluster-admin by default as in the reference).
 */
export function providerIdentity(
  input: RenderInput,
  names: { serviceAccount: string; clusterRoleBinding: string },
  labels: Record<string, string>,
): { serviceAccount: ServiceAccount; clusterRoleBinding: ClusterRoleBinding } {
  return {
    serviceAccount: {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: objectMeta(input, names.serviceAccount, true, labels),
    },
    clusterRoleBinding: {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: objectMeta(input, names.clusterRoleBinding, false, labels),
      roleRef: {
        apiGroup: "rbac.authorization.k8s.io",
        kind: "ClusterRole",
        name: input.ctx.providerClusterRole ?? PROVIDER_CLUSTER_ROLE,
      },
      subjects: [{ kind: "ServiceAccount", name: names.serviceAccount, namespace: input.ctx.namespace }],
    },
  };
}

function restricted(ctx: RenderContext): boolean {
  return (ctx.securityContext ?? "restricted") === "restricted";
}

/** Pod-level part of the restricted Pod Security Standard. */
export function podSecurityContext(ctx: RenderContext): Pick<PodSpec, "securityContext"> {
  return restricted(ctx)
    ? { securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } } }
    : {};
}

function containerSecurityContext(ctx: RenderContext): { securityContext?: SecurityContext } {
  return restricted(ctx)
    ? { securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } } }
    : {};
}

/** Pull secrets and volumes are left out when empty, so an unchanged object applies as a no-op. */
export function podVolumes(
  input: RenderInput,
  objectKind: string,
  extra: { volumes: Volume[]; mounts: VolumeMount[] },
): { pod: Pick<PodSpec, "imagePullSecrets" | "volumes">; mounts: VolumeMount[] } {
  const volumes = [...input.spec.extraVolumes, ...extra.volumes];
  const mounts = [...input.spec.extraVolumeMounts, ...extra.mounts];
  const duplicateVolume = firstDuplicate(volumes.map((v) => v.name));
  if (duplicateVolume !== undefined) {
    throw newRenderError(
      objectKind,
      input.provider,
      RENDER_PROBLEM_TYPES.VolumeNotUnique,
      `volume name is not unique: ${duplicateVolume}`,
    );
  }
  const duplicatePath = firstDuplicate(mounts.map((m) => m.mountPath));
  if (duplicatePath !== undefined) {
    throw newRenderError(
      objectKind,
      input.provider,
      RENDER_PROBLEM_TYPES.MountPathNotUnique,
      `volume mount path is not unique: ${duplicatePath}`,
    );
  }
  const pullSecrets = input.spec.imagePullSecrets;
  return {
    pod: {
      ...(pullSecrets.length > 0 ? { imagePullSecrets: pullSecrets.map((s) => ({ ...s })) } : {}),
      ...(volumes.length > 0 ? { volumes } : {}),
    },
    mounts,
  };
}

/** The single provider container; only `ports` differ between init and run. */
export function renderContainer(
  input: RenderInput,
  name: string,
  args: string[],
  mounts: VolumeMount[],
  ports: Container["ports"],
): Container {
  return {
    name,
    image: input.spec.image,
    imagePullPolicy: "IfNotPresent",
    args,
    env: input.env.map((e) => structuredCloneEnv(e)),
    ...(ports !== undefined && ports.length > 0 ? { ports } : {}),
    ...(mounts.length > 0 ? { volumeMounts: mounts } : {}),
    ...containerSecurityContext(input.ctx),
    terminationMessagePolicy: "FallbackToLogsOnError",
  };
}

function structuredCloneEnv(e: EnvVar): EnvVar {
  const fieldPath = e.valueFrom?.fieldRef?.fieldPath;
  if (fieldPath !== undefined) return { name: e.name, valueFrom: { fieldRef: { fieldPath } } };
  return e.value === undefined ? { name: e.name } : { name: e.name, value: e.value };
}
