import type { AccessRequest } from "@openmcp-ts/contract";

/** The reference AccessRequest controller's labels: which ClusterProvider answers, for which profile. */
export const LABEL_PROVIDER = "clusters.openmcp.cloud/provider";
export const LABEL_PROFILE = "clusters.openmcp.cloud/profile";
/** Marks what this provider created on a target cluster for one AccessRequest (by its uid). */
export const LABEL_ACCESS_REQUEST_UID = "local.clusters.openmcp.cloud/access-request-uid";
/** Keeps an AccessRequest until its ServiceAccount and RBAC on the target cluster are gone. */
export const ACCESS_FINALIZER = "local.clusters.openmcp.cloud/access";
/** Where the ServiceAccounts of granted requests live on each target cluster. */
export const ACCESS_NAMESPACE = "openmcp-access";

interface Meta {
  name: string;
  namespace?: string;
  labels: Record<string, string>;
}
export interface TargetObject {
  apiVersion: string;
  kind: "Namespace" | "ServiceAccount" | "Role" | "RoleBinding" | "ClusterRole" | "ClusterRoleBinding";
  metadata: Meta;
  rules?: unknown;
  roleRef?: unknown;
  subjects?: unknown;
}

const RBAC = "rbac.authorization.k8s.io/v1";

/** `IsClusterProviderResponsibleForAccessRequest` of the reference library, for one provider. */
export function isResponsible(ar: AccessRequest, providerName: string): boolean {
  const labels = ar.metadata.labels ?? {};
  if (labels[LABEL_PROVIDER] !== providerName || labels[LABEL_PROFILE] === undefined) return false;
  const phase = ar.status?.phase;
  if (phase !== "Granted" && phase !== "Pending") return false;
  return !(phase === "Granted" && ar.status?.observedGeneration !== ar.metadata.generation);
}

/** The ServiceAccount an AccessRequest's token is for: one per request, named by its uid. */
export function serviceAccountName(ar: AccessRequest): string {
  return `ar-${requireUid(ar)}`;
}

export function accessSecretName(ar: AccessRequest): string {
  return `${ar.metadata.name ?? ""}.kubeconfig`.slice(0, 253);
}

function requireUid(ar: AccessRequest): string {
  const uid = ar.metadata.uid;
  if (!uid) throw new Error(`AccessRequest ${ar.metadata.namespace}/${ar.metadata.name} has no uid`);
  return uid;
}

/**
 * What one AccessRequest needs on its target cluster, in the order to apply: the ServiceAccount,
 * then per `spec.token.permissions` entry a Role+RoleBinding (with a namespace) or a
 * ClusterRole+ClusterRoleBinding, then bindings to the `roleRefs`. Pure: the same request gives the
 * same objects, so a repeated reconcile is a no-op apply.
 */
export function accessObjects(ar: AccessRequest): TargetObject[] {
  const uid = requireUid(ar);
  const labels = { [LABEL_ACCESS_REQUEST_UID]: uid };
  const sa = serviceAccountName(ar);
  const subjects = [{ kind: "ServiceAccount", name: sa, namespace: ACCESS_NAMESPACE }];
  const objects: TargetObject[] = [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: ACCESS_NAMESPACE, labels: {} } },
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: sa, namespace: ACCESS_NAMESPACE, labels } },
  ];
  const namespaces = new Set<string>();
  (ar.spec.token?.permissions ?? []).forEach((p, i) => {
    const name = p.name || `${sa}-${i}`;
    if (p.namespace) {
      if (!p.disableAutomaticNamespaceCreation && !namespaces.has(p.namespace)) {
        namespaces.add(p.namespace);
        objects.push({ apiVersion: "v1", kind: "Namespace", metadata: { name: p.namespace, labels: {} } });
      }
      const meta = { name, namespace: p.namespace, labels };
      objects.push(
        { apiVersion: RBAC, kind: "Role", metadata: meta, rules: p.rules },
        {
          apiVersion: RBAC,
          kind: "RoleBinding",
          metadata: meta,
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
          subjects,
        },
      );
    } else {
      const meta = { name, labels };
      objects.push(
        { apiVersion: RBAC, kind: "ClusterRole", metadata: meta, rules: p.rules },
        {
          apiVersion: RBAC,
          kind: "ClusterRoleBinding",
          metadata: meta,
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
          subjects,
        },
      );
    }
  });
  (ar.spec.token?.roleRefs ?? []).forEach((ref, i) => {
    const name = `${sa}-ref-${i}`;
    const roleRef = { apiGroup: "rbac.authorization.k8s.io", kind: ref.kind, name: ref.name };
    objects.push(
      ref.kind === "Role"
        ? {
            apiVersion: RBAC,
            kind: "RoleBinding",
            metadata: { name, namespace: ref.namespace ?? "default", labels },
            roleRef,
            subjects,
          }
        : { apiVersion: RBAC, kind: "ClusterRoleBinding", metadata: { name, labels }, roleRef, subjects },
    );
  });
  return objects;
}

/** Kubeconfig text for a bearer token against one server, the `kubeconfig` key of the access Secret. */
export function tokenKubeconfigYaml(server: string, caData: string, user: string, token: string): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: target",
    `  cluster: {server: ${JSON.stringify(server)}, certificate-authority-data: ${JSON.stringify(caData)}}`,
    "users:",
    `- name: ${JSON.stringify(user)}`,
    `  user: {token: ${JSON.stringify(token)}}`,
    "contexts:",
    "- name: target",
    `  context: {cluster: target, user: ${JSON.stringify(user)}}`,
    "current-context: target",
    "",
  ].join("\n");
}
