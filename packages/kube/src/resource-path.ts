/** REST paths for the kinds this project touches, without a discovery round trip. */

/** The kinds every client knows; a client learns more with `registerPlural`. */
export const BUILT_IN_PLURALS: Readonly<Record<string, string>> = Object.freeze({
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
  // What a ClusterProvider serves (clusters.openmcp.cloud): its init applies a ClusterProfile.
  Cluster: "clusters",
  ClusterProfile: "clusterprofiles",
  ProviderRuntimeConfig: "providerruntimeconfigs",
});

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name?: string;
  namespace?: string;
}

/**
 * Kind → resource (plural) for one client: the built-in kinds plus those registered on it, e.g. a
 * provider's own CRD. Belongs to a client instance, never to the module.
 */
export class ResourcePaths {
  private readonly plurals = new Map<string, string>(Object.entries(BUILT_IN_PLURALS));

  register(kind: string, plural: string): void {
    this.plurals.set(kind, plural);
  }

  pluralOf(kind: string): string {
    const plural = this.plurals.get(kind);
    if (!plural)
      throw new Error(
        `cannot build a REST path for kind ${kind}: it is not one this client knows (registerPlural teaches it)`,
      );
    return plural;
  }

  /** `/api/v1/namespaces/ns/pods/name` or `/apis/group/version/…`; collection path when name is absent. */
  path(ref: ObjectRef, subresource?: string): string {
    const base = ref.apiVersion.includes("/") ? `/apis/${ref.apiVersion}` : `/api/${ref.apiVersion}`;
    const ns = ref.namespace ? `/namespaces/${encodeURIComponent(ref.namespace)}` : "";
    const name = ref.name ? `/${encodeURIComponent(ref.name)}` : "";
    return `${base}${ns}/${this.pluralOf(ref.kind)}${name}${subresource ? `/${subresource}` : ""}`;
  }
}

const BUILT_IN = new ResourcePaths();

/** The REST path of an object of a built-in kind (no client needed; see ResourcePaths for others). */
export function resourcePath(ref: ObjectRef, subresource?: string): string {
  return BUILT_IN.path(ref, subresource);
}
