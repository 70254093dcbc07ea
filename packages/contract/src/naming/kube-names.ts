/** Syntax checks for Kubernetes names, mirroring `k8s.io/apimachinery/pkg/util/validation`. */

export const DNS1123_LABEL_MAX_LENGTH = 63;
export const DNS1123_SUBDOMAIN_MAX_LENGTH = 253;

/** A string, so that the CRD schema can use the same pattern. */
export const DNS1123_LABEL_PATTERN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
const DNS1123_LABEL = new RegExp(DNS1123_LABEL_PATTERN);
/** A string, so that the CRD schema can use the same pattern. */
export const DNS1123_SUBDOMAIN_PATTERN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
const DNS1123_SUBDOMAIN = new RegExp(DNS1123_SUBDOMAIN_PATTERN);
/** As the API server limits env names (and the CRD does). */
export const ENV_NAME_MAX_LENGTH = 253;
/** Linux's PATH_MAX, the longest mountPath the CRD admits. */
export const MOUNT_PATH_MAX_LENGTH = 4096;
/** core/v1 VolumeMount enums. */
export const MOUNT_PROPAGATION_MODES = ["None", "HostToContainer", "Bidirectional"] as const;
export const RECURSIVE_READ_ONLY_MODES = ["Disabled", "IfPossible", "Enabled"] as const;
/** core/v1 TopologySpreadConstraint enums. */
export const TOPOLOGY_WHEN_UNSATISFIABLE = ["DoNotSchedule", "ScheduleAnyway"] as const;
export const NODE_INCLUSION_POLICIES = ["Honor", "Ignore"] as const;
/**
 * `IsRelaxedEnvVarName`: printable ASCII except `=`, what Pods accept since
 * RelaxedEnvironmentVariableValidation (on by default from Kubernetes 1.32, GA in 1.34); the
 * reference's CRD takes any non-empty string. A string, so that the CRD schema can use the same
 * pattern (it is valid in RE2 and ECMAScript).
 */
export const ENV_VAR_NAME_PATTERN = "^[ -<>-~]+$";
const ENV_VAR_NAME = new RegExp(ENV_VAR_NAME_PATTERN);

/** Names of containers, volumes, Services and anything that becomes a DNS label. */
export function isDns1123Label(value: string): boolean {
  return value.length <= DNS1123_LABEL_MAX_LENGTH && DNS1123_LABEL.test(value);
}

/** Names of most objects, including the provider resources themselves and Secrets. */
export function isDns1123Subdomain(value: string): boolean {
  return value.length <= DNS1123_SUBDOMAIN_MAX_LENGTH && DNS1123_SUBDOMAIN.test(value);
}

export function isEnvVarName(value: string): boolean {
  return ENV_VAR_NAME.test(value);
}
