/** REST paths for the kinds this project touches, without a discovery round trip. */

const PLURALS: Record<string, string> = {
  Namespace: "namespaces",
  ServiceAccount: "serviceaccounts",
  Secret: "secrets",
  ConfigMap: "configmaps",
  Service: "services",
  Pod: "pods",
  Event: "events",
  Node: "nodes",
  Job: "jobs",
  Deployment: "deployments",
  ReplicaSet: "replicasets",
  Role: "roles",
  RoleBinding: "rolebindings",
  ClusterRole: "clusterroles",
  ClusterRoleBinding: "clusterrolebindings",
  Lease: "leases",
  CustomResourceDefinition: "customresourcedefinitions",
  ValidatingAdmissionPolicy: "validatingadmissionpolicies",
  ValidatingAdmissionPolicyBinding: "validatingadmissionpolicybindings",
  SubjectAccessReview: "subjectaccessreviews",
  ClusterProvider: "clusterproviders",
  ServiceProvider: "serviceproviders",
  PlatformService: "platformservices",
  ClusterRequest: "clusterrequests",
  AccessRequest: "accessrequests",
};

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name?: string;
  namespace?: string;
}

export function pluralOf(kind: string): string {
  const plural = PLURALS[kind];
  if (!plural) throw new Error(`cannot build a REST path for kind ${kind}: it is not one this client knows`);
  return plural;
}

/** Registers the plural of a kind not known in advance (e.g. a provider's own CRD). */
export function registerPlural(kind: string, plural: string): void {
  PLURALS[kind] = plural;
}

/** `/api/v1/namespaces/ns/pods/name` or `/apis/group/version/…`; collection path when name is absent. */
export function resourcePath(ref: ObjectRef, subresource?: string): string {
  const base = ref.apiVersion.includes("/") ? `/apis/${ref.apiVersion}` : `/api/${ref.apiVersion}`;
  const ns = ref.namespace ? `/namespaces/${encodeURIComponent(ref.namespace)}` : "";
  const name = ref.name ? `/${encodeURIComponent(ref.name)}` : "";
  return `${base}${ns}/${pluralOf(ref.kind)}${name}${subresource ? `/${subresource}` : ""}`;
}
