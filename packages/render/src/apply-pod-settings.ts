import type { EnvVar, PodSettings, PodTemplateSpec, ServiceAccount } from "@openmcp-ts/contract";

/**
 * Puts resolved runtime-config settings into a rendered pod template and its ServiceAccount, in
 * place. What the operator renders itself wins: the provider's spec.env and the POD_* variables
 * over config env, its labels and annotations over config ones, and the restricted defaults are
 * only overridden field by field. Empty settings change nothing (parity with no config at all).
 * `settings` must be the renderer's own copy (`resolvePodSettings` returns a fresh one): it is not copied again.
 */
export function applyPodSettings(
  template: PodTemplateSpec,
  serviceAccount: ServiceAccount,
  settings: PodSettings,
): void {
  const pod = template.spec;
  const container = pod.containers[0]!;
  if (settings.env !== undefined) container.env = mergeConfigEnv(container.env ?? [], settings.env);
  if (settings.envFrom !== undefined) container.envFrom = settings.envFrom;
  if (settings.resources !== undefined) container.resources = settings.resources;
  if (settings.nodeSelector !== undefined) pod.nodeSelector = { ...settings.nodeSelector };
  if (settings.tolerations !== undefined) pod.tolerations = settings.tolerations;
  if (settings.affinity !== undefined) pod.affinity = settings.affinity;
  if (settings.priorityClassName !== undefined) pod.priorityClassName = settings.priorityClassName;
  if (settings.podSecurityContext !== undefined) {
    pod.securityContext = { ...pod.securityContext, ...settings.podSecurityContext };
  }
  const podMeta = settings.podMetadata;
  if (podMeta !== undefined) {
    const meta = (template.metadata ??= {});
    if (podMeta.labels !== undefined) meta.labels = { ...podMeta.labels, ...meta.labels };
    if (podMeta.annotations !== undefined) meta.annotations = { ...podMeta.annotations, ...meta.annotations };
  }
  const saMeta = settings.serviceAccountMetadata;
  if (saMeta !== undefined) {
    const meta = serviceAccount.metadata;
    if (saMeta.labels !== undefined) meta.labels = { ...saMeta.labels, ...meta.labels };
    if (saMeta.annotations !== undefined) meta.annotations = { ...saMeta.annotations, ...meta.annotations };
  }
}

/**
 * Config env goes after the provider's spec.env and before the POD_* variables, which stay last
 * (as without a config); a name the container already has keeps the container's value.
 */
function mergeConfigEnv(rendered: EnvVar[], config: EnvVar[]): EnvVar[] {
  const taken = new Set(rendered.map((e) => e.name));
  const downward = rendered.filter((e) => e.valueFrom?.fieldRef !== undefined);
  const own = rendered.filter((e) => e.valueFrom?.fieldRef === undefined);
  return [...own, ...config.filter((e) => !taken.has(e.name)), ...downward];
}
