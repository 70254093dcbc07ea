// The face of @openmcp-ts/contract: what the operator, the Action, the SDK and providers use.
// Helpers of the validator, the schema builders and the hash internals stay inside.
export {
  ANNOTATION_INIT_ATTEMPTS,
  ANNOTATION_INIT_HASH,
  ANNOTATION_OPERATION,
  ANNOTATION_PROVIDER_GENERATION,
  ANNOTATION_PROVIDER_IMAGE,
  ANNOTATION_PROVIDER_KIND,
  ANNOTATION_PROVIDER_NAME,
  ANNOTATION_ROLLBACK,
  API_VERSION,
  CLUSTER_SCOPED_NAME_PREFIX,
  CLUSTERS_API_VERSION,
  CLUSTERS_GROUP,
  COMPONENT_CONTROLLER,
  COMPONENT_INIT,
  CONDITION_IMAGE_RESOLVED,
  CONDITION_INITIALIZED,
  CONDITION_READY,
  CONDITION_RECONCILING,
  CONDITION_STALLED,
  CONDITION_UNINSTALLED,
  CRD_CATEGORY,
  FIELD_MANAGER_ACTION,
  FIELD_MANAGER_OPERATOR,
  FIELD_MANAGER_PROVIDER_SDK,
  FINALIZER,
  GROUP,
  INIT_CONTAINER_NAME,
  INIT_JOB_BACKOFF_LIMIT,
  LABEL_CLUSTER,
  LABEL_COMPONENT,
  LABEL_INSTANCE,
  LABEL_MANAGED_BY,
  LABEL_NAME,
  LABEL_OPENMCP_MANAGED_BY,
  LABEL_TOPOLOGY,
  LABEL_TOPOLOGY_NS,
  MANAGED_BY_VALUE,
  MAX_RUN_REPLICAS,
  METRICS_PORT_NAME,
  OPERATION_IGNORE,
  OPERATION_RECONCILE,
  PHASES,
  POD_ENV_VARS,
  PROVIDER_CLUSTER_ROLE,
  PROVIDER_KIND_INFO,
  PROVIDER_KINDS,
  REASONS,
  RESERVED_ENV_NAMES,
  ROLLBACK_DISABLED,
  VERBOSITIES,
  VERSION,
  WEBHOOK_CERT_DIR,
  WEBHOOK_VOLUME_NAME,
  type Phase,
  type ProviderKind,
  type Reason,
  type Verbosity,
} from "./constants.ts";

// Kubernetes types
export type * from "./kube/kube-types.ts";

// Schema: CRDs as data, the types generated from them, validation, defaults, problems
export type {
  AccessRequest,
  AccessRequestSpec,
  AccessRequestStatus,
  ClusterProvider,
  ClusterRequest,
  ClusterRequestSpec,
  ClusterRequestStatus,
  GroupVersionKind,
  MetricsSpec,
  PermissionsRequest,
  PlatformService,
  Provider,
  ProviderSpec,
  ProviderStatus,
  ProviderTopologySpreadConstraint,
  ProviderVolumeMount,
  Release,
  ServiceProvider,
} from "./schema/provider-types.ts";
export {
  accessRequestSchema,
  clusterRequestSchema,
  conditionSchema,
  MAX_ENV_ENTRIES,
  MAX_EXTRA_VOLUME_MOUNTS,
  MAX_EXTRA_VOLUMES,
  providerSchema,
  providerSpecSchema,
  providerStatusSchema,
  type JsonSchemaProps,
  type ValidationRule,
} from "./schema/crd-schema.ts";
export {
  accessRequestCrd,
  allCrds,
  clusterRequestCrd,
  CRD_CLUSTER_PLATFORM,
  crdFileName,
  providerCrd,
  providerCrds,
  renderCrdFile,
  type CustomResourceDefinition,
  type CustomResourceDefinitionVersion,
  type PrinterColumn,
} from "./schema/crds.ts";
export { validateProvider } from "./schema/validate-provider.ts";
export {
  FIELD_PROBLEM_REASONS,
  formatProblems,
  type FieldProblem,
  type FieldProblemReason,
} from "./schema/field-problem.ts";
export { PROVIDER_SPEC_DEFAULTS, type ProviderSpecDefaults } from "./schema/provider-defaults.ts";
export { RENDER_PROBLEM_TYPES, type RenderProblem, type RenderProblemType } from "./render-problem.ts";

// Naming
export {
  contentHash,
  k8sNameUuid,
  maxProviderNameLength,
  nameHash,
  providerObjectNames,
  shortenName,
  stableMcpNamespace,
  stableRequestName,
  webhookSecretName,
  type ProviderObjectNames,
} from "./naming/naming.ts";
export {
  DNS1123_LABEL_MAX_LENGTH,
  DNS1123_SUBDOMAIN_MAX_LENGTH,
  isDns1123Label,
  isDns1123Subdomain,
  isEnvVarName,
  MOUNT_PROPAGATION_MODES,
  NODE_INCLUSION_POLICIES,
  RECURSIVE_READ_ONLY_MODES,
  TOPOLOGY_WHEN_UNSATISFIABLE,
} from "./naming/kube-names.ts";
export {
  parseImageReference,
  type ImageReference,
  type ParseImageReferenceResult,
} from "./naming/image-reference.ts";

// Output
export { toYaml, toYamlStream } from "./to-yaml.ts";

// The provider CLI contract
export {
  parseProviderArgs,
  PROVIDER_LOG_LEVELS,
  PROVIDER_SUBCOMMANDS,
  providerUsage,
  RUN_FLAG_DEFAULTS,
  type InitInvocation,
  type ParseProviderArgsResult,
  type PodInfo,
  type ProviderInvocation,
  type ProviderLogLevel,
  type ProviderSubcommand,
  type RunInvocation,
} from "./provider-cli/provider-cli.ts";
