/**
 * The OpenAPI v3 schemas of our CRDs, written once as data. Small builders keep every field
 * described (for `kubectl explain`) and typed; `crds.ts` wraps the schemas into CRD objects.
 *
 * CEL rules (`x-kubernetes-validations`) are costed by the API server before it accepts the CRD,
 * so every list and string a rule iterates carries `maxItems`/`maxLength`.
 */
import {
  API_VERSION,
  CLUSTERS_API_VERSION,
  MAX_RUN_REPLICAS,
  PROVIDER_KIND_INFO,
  RESERVED_ENV_NAMES,
  VERBOSITIES,
  WEBHOOK_CERT_DIR,
  WEBHOOK_VOLUME_NAME,
  type ProviderKind,
} from "../constants.ts";
import {
  IMAGE_NAME_MAX_LENGTH,
  IMAGE_NAME_PATTERN,
  IMAGE_REFERENCE_MAX_LENGTH,
  IMAGE_REFERENCE_PATTERN,
  parseImageReference,
} from "../naming/image-reference.ts";
import {
  DNS1123_LABEL_MAX_LENGTH,
  DNS1123_LABEL_PATTERN,
  DNS1123_SUBDOMAIN_MAX_LENGTH,
  DNS1123_SUBDOMAIN_PATTERN,
  ENV_NAME_MAX_LENGTH,
  ENV_VAR_NAME_PATTERN,
  MOUNT_PATH_MAX_LENGTH,
  MOUNT_PROPAGATION_MODES,
  NODE_INCLUSION_POLICIES,
  RECURSIVE_READ_ONLY_MODES,
  TOPOLOGY_WHEN_UNSATISFIABLE,
  isDns1123Subdomain,
} from "../naming/kube-names.ts";
import { maxProviderNameLength } from "../naming/naming.ts";
import { CODE_DEFAULTS } from "./code-defaults.ts";
import { isRecord, show, type Finding } from "./field-problem.ts";
import {
  FIELD_CHECKS,
  RULE_CHECK,
  type FieldChecks,
  type Predicate,
  type RuleCheck,
} from "./schema-checks.ts";

/** An `x-kubernetes-validations` entry. */
export interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  reason?: "FieldValueInvalid" | "FieldValueForbidden" | "FieldValueRequired" | "FieldValueDuplicate";
  fieldPath?: string;
  [RULE_CHECK]?: RuleCheck;
}

/** The subset of apiextensions.k8s.io/v1 JSONSchemaProps we use. */
export interface JsonSchemaProps {
  description?: string;
  type?: "object" | "array" | "string" | "integer" | "number" | "boolean";
  format?: string;
  properties?: Record<string, JsonSchemaProps>;
  required?: string[];
  items?: JsonSchemaProps;
  additionalProperties?: JsonSchemaProps;
  enum?: (string | number | boolean)[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-list-type"?: "atomic" | "set" | "map";
  "x-kubernetes-list-map-keys"?: string[];
  "x-kubernetes-map-type"?: "atomic" | "granular";
  "x-kubernetes-validations"?: ValidationRule[];
  [FIELD_CHECKS]?: FieldChecks;
}

const IMAGE_REFERENCE = new RegExp(IMAGE_REFERENCE_PATTERN);
const IMAGE_NAME = new RegExp(IMAGE_NAME_PATTERN);

/** The image rules share one finding: the parser's explanation of what is wrong. */
function invalidImage(image: unknown): Finding {
  const parsed = parseImageReference(String(image));
  const why = parsed.ok ? "must look like [registry[:port]/]repository[:tag][@digest]" : parsed.error;
  return {
    reason: "InvalidImage",
    detail: `${show(image)} is not a valid image reference: ${why}`,
    value: image,
  };
}

function mountsOfUnknownVolumes(spec: unknown): Finding[] {
  if (!isRecord(spec) || !Array.isArray(spec.extraVolumeMounts)) return [];
  const volumes = Array.isArray(spec.extraVolumes) ? spec.extraVolumes : [];
  const names = new Set(volumes.map((v) => (isRecord(v) ? v.name : undefined)));
  return spec.extraVolumeMounts.flatMap((mount, i): Finding[] => {
    if (!isRecord(mount) || typeof mount.name !== "string" || mount.name === "" || names.has(mount.name)) {
      return [];
    }
    return [
      {
        path: `extraVolumeMounts[${i}].name`,
        reason: "NotFound",
        detail: `${show(mount.name)} does not match the name of any entry of spec.extraVolumes`,
        value: mount.name,
      },
    ];
  });
}

/** Bounds for lists that CEL rules iterate; generous for real providers, small enough for the cost budget. */
export const MAX_ENV_ENTRIES = 256;
export const MAX_EXTRA_VOLUMES = 64;
export const MAX_EXTRA_VOLUME_MOUNTS = 64;

type Extra = Omit<JsonSchemaProps, "description" | "type">;

/** A CEL rule and its TS predicate, written together so that they are edited together. */
function celRule(
  rule: string,
  message: string,
  check: Predicate,
  examples: RuleCheck["examples"],
): ValidationRule {
  return { rule, message, [RULE_CHECK]: { check, examples } };
}

/** The rule's predicate as one finding or none. */
function unless(ok: boolean, finding: () => Finding): Finding[] {
  return ok ? [] : [finding()];
}

function string(description: string, extra: Extra = {}): JsonSchemaProps {
  return { description, type: "string", ...extra };
}

function boolean(description: string, extra: Extra = {}): JsonSchemaProps {
  return { description, type: "boolean", ...extra };
}

function int32(description: string, extra: Extra = {}): JsonSchemaProps {
  return { description, type: "integer", format: "int32", ...extra };
}

function int64(description: string, extra: Extra = {}): JsonSchemaProps {
  return { description, type: "integer", format: "int64", ...extra };
}

function object(
  description: string,
  properties: Record<string, JsonSchemaProps>,
  extra: Extra = {},
): JsonSchemaProps {
  return { description, type: "object", properties, ...extra };
}

function list(description: string, items: JsonSchemaProps, extra: Extra = {}): JsonSchemaProps {
  return { description, type: "array", items, ...extra };
}

function stringList(description: string): JsonSchemaProps {
  return list(description, { type: "string" });
}

/** Free-form object: kept as written, not validated, not visible to CEL. */
function opaque(description: string, extra: Extra = {}): JsonSchemaProps {
  return { description, type: "object", "x-kubernetes-preserve-unknown-fields": true, ...extra };
}

/** A list of objects merged by key in server-side apply and patches; duplicate keys are rejected. */
function listMap(
  description: string,
  keys: string[],
  items: JsonSchemaProps,
  extra: Extra = {},
): JsonSchemaProps {
  return list(description, items, {
    "x-kubernetes-list-type": "map",
    "x-kubernetes-list-map-keys": keys,
    ...extra,
  });
}

/** `apiVersion`, `kind` and `metadata` as controller-gen writes them; metadata must stay bare. */
function typeMetaProperties(): Record<string, JsonSchemaProps> {
  return {
    apiVersion: string(
      "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources",
    ),
    kind: string(
      "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds",
    ),
    metadata: { type: "object" },
  };
}

/** metav1.Condition, with the validation upstream generates for it. */
export function conditionSchema(): JsonSchemaProps {
  return object(
    "Condition contains details for one aspect of the current state of this object.",
    {
      lastTransitionTime: string(
        "lastTransitionTime is the last time the condition transitioned from one status to another. This should be when the underlying condition changed.",
        { format: "date-time" },
      ),
      message: string(
        "message is a human readable message indicating details about the transition. This may be an empty string.",
        { maxLength: 32768 },
      ),
      observedGeneration: int64(
        "observedGeneration represents the .metadata.generation that the condition was set based upon.",
        { minimum: 0 },
      ),
      reason: string(
        "reason contains a programmatic identifier indicating the reason for the condition's last transition, in CamelCase.",
        { maxLength: 1024, minLength: 1, pattern: "^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$" },
      ),
      status: string("status of the condition, one of True, False, Unknown.", {
        enum: ["True", "False", "Unknown"],
      }),
      type: string("type of condition in CamelCase or in foo.example.com/CamelCase.", {
        maxLength: 316,
        pattern:
          "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$",
      }),
    },
    {
      required: ["lastTransitionTime", "message", "reason", "status", "type"],
      [FIELD_CHECKS]: { typeName: "Condition" },
    },
  );
}

function conditionsSchema(description: string): JsonSchemaProps {
  return listMap(description, ["type"], conditionSchema());
}

function volumeMountSchema(): JsonSchemaProps {
  return object(
    "A core/v1 VolumeMount of the provider container.",
    {
      name: string("Name of the volume; must be the name of an entry of extraVolumes.", {
        minLength: 1,
        maxLength: DNS1123_LABEL_MAX_LENGTH,
      }),
      mountPath: string(
        `Absolute path within the container at which the volume is mounted; unique within extraVolumeMounts. While the Secret <name>-webhook-tls exists the operator mounts the webhook certificate at ${WEBHOOK_CERT_DIR}, and a mount there is reported as a clash.`,
        {
          minLength: 1,
          // Linux's PATH_MAX.
          maxLength: MOUNT_PATH_MAX_LENGTH,
          pattern: "^/",
          [FIELD_CHECKS]: {
            pattern: { reason: "Invalid", detail: (v) => `${show(v)} must be an absolute path` },
          },
        },
      ),
      readOnly: boolean("Mounted read-only if true, read-write otherwise (false or unspecified)."),
      recursiveReadOnly: string("Whether read-only mounts are made recursively read-only.", {
        enum: [...RECURSIVE_READ_ONLY_MODES],
      }),
      mountPropagation: string("How mounts are propagated from the host to the container and back.", {
        enum: [...MOUNT_PROPAGATION_MODES],
      }),
      subPath: string("Path within the volume from which the container's volume should be mounted."),
      subPathExpr: string(
        "Expanded path within the volume from which the container's volume should be mounted; $(VAR) references are expanded from the container's environment.",
      ),
    },
    { required: ["name", "mountPath"], [FIELD_CHECKS]: { typeName: "ProviderVolumeMount" } },
  );
}

function topologySpreadConstraintSchema(): JsonSchemaProps {
  return object(
    "A core/v1 TopologySpreadConstraint for the pods of the run Deployment.",
    {
      maxSkew: int32("The degree to which pods may be unevenly distributed across topology domains.", {
        minimum: 1,
      }),
      topologyKey: string(
        "The key of node labels; nodes with the same value for this key are in the same topology domain.",
        { minLength: 1 },
      ),
      whenUnsatisfiable: string("What to do with a pod that does not satisfy the spread constraint.", {
        enum: [...TOPOLOGY_WHEN_UNSATISFIABLE],
      }),
      labelSelector: opaque(
        "Ignored: the operator replaces it with a selector for the pods of this provider (labels openmcp.cloud/topology and openmcp.cloud/topology-ns).",
      ),
      minDomains: int32(
        "The minimum number of eligible domains; only with whenUnsatisfiable DoNotSchedule.",
        {
          minimum: 1,
        },
      ),
      matchLabelKeys: stringList(
        "Pod label keys whose values select the pods the spreading is calculated over.",
      ),
      nodeAffinityPolicy: string(
        "Whether nodeAffinity/nodeSelector are honoured when calculating the skew.",
        {
          enum: [...NODE_INCLUSION_POLICIES],
        },
      ),
      nodeTaintsPolicy: string("Whether node taints are honoured when calculating the skew.", {
        enum: [...NODE_INCLUSION_POLICIES],
      }),
    },
    {
      required: ["maxSkew", "topologyKey", "whenUnsatisfiable"],
      [FIELD_CHECKS]: { typeName: "ProviderTopologySpreadConstraint" },
    },
  );
}

/** `spec` of all three provider kinds (the reference's DeploymentSpec). */
export function providerSpecSchema(): JsonSchemaProps {
  const reserved = RESERVED_ENV_NAMES.map((n) => `'${n}'`).join(", ");
  return object(
    "How to deploy the provider. The image runs once as an init Job (initCommand) and then as a Deployment (runCommand), both in the operator's namespace; every spec change re-runs the init Job.",
    {
      image: string(
        "Container image of the provider, used by the init Job and the Deployment: [registry[:port]/]repository[:tag][@digest].",
        {
          minLength: 1,
          maxLength: IMAGE_REFERENCE_MAX_LENGTH,
          [FIELD_CHECKS]: { tooLong: "InvalidImage" },
          "x-kubernetes-validations": [
            celRule(
              "!self.matches('[[:space:]]')",
              "must not contain whitespace",
              (self) => unless(typeof self !== "string" || !/\s/.test(self), () => invalidImage(self)),
              { valid: ["x:1"], invalid: ["x :1", "x\t"] },
            ),
            celRule(
              `self == '' || self.matches('[[:space:]]') || self.matches('${IMAGE_REFERENCE_PATTERN}')`,
              "must be an image reference of the form [registry[:port]/]repository[:tag][@digest], with a lower-case repository",
              (self) =>
                unless(
                  typeof self !== "string" || self === "" || /\s/.test(self) || IMAGE_REFERENCE.test(self),
                  () => invalidImage(self),
                ),
              {
                valid: ["", "x y", "ghcr.io/a/b:v1", "localhost:5000/a@sha256:" + "0".repeat(64)],
                invalid: ["A", "x:", "a@b"],
              },
            ),
            celRule(
              `!self.matches('${IMAGE_REFERENCE_PATTERN}') || self.find('${IMAGE_NAME_PATTERN}').size() <= ${IMAGE_NAME_MAX_LENGTH}`,
              `the name ([registry[:port]/]repository) must be at most ${IMAGE_NAME_MAX_LENGTH} characters long`,
              (self) =>
                unless(
                  typeof self !== "string" ||
                    !IMAGE_REFERENCE.test(self) ||
                    (IMAGE_NAME.exec(self)?.[0].length ?? 0) <= IMAGE_NAME_MAX_LENGTH,
                  () => invalidImage(self),
                ),
              {
                valid: ["x", `${"a".repeat(IMAGE_NAME_MAX_LENGTH)}:v1`],
                invalid: [`${"a".repeat(IMAGE_NAME_MAX_LENGTH + 1)}:v1`],
              },
            ),
          ],
        },
      ),
      imagePullSecrets: list(
        "Secrets in the operator's namespace used to pull the image; copied to the pods of the init Job and the Deployment.",
        object(
          "A reference to a Secret in the operator's namespace.",
          {
            name: string("Name of the Secret, a DNS-1123 subdomain.", {
              minLength: 1,
              maxLength: DNS1123_SUBDOMAIN_MAX_LENGTH,
              pattern: DNS1123_SUBDOMAIN_PATTERN,
              [FIELD_CHECKS]: {
                tooLong: "InvalidName",
                pattern: {
                  reason: "InvalidName",
                  detail: (v) => `${show(v)} is not a valid Secret name (a DNS-1123 subdomain)`,
                },
              },
            }),
          },
          { required: ["name"], "x-kubernetes-map-type": "atomic" },
        ),
      ),
      initCommand: stringList(
        `Leading arguments of the init container; defaults to [${CODE_DEFAULTS.initCommand.join(", ")}]. The operator appends --environment, --verbosity and --provider-name.`,
      ),
      runCommand: stringList(
        `Leading arguments of the run container; defaults to [${CODE_DEFAULTS.runCommand.join(", ")}]. The operator appends --environment, --verbosity, --provider-name and, depending on the spec, --leader-elect, --metrics-bind-address and --metrics-secure.`,
      ),
      env: listMap(
        `Literal environment variables for both containers, placed before the ones the operator sets (${RESERVED_ENV_NAMES.join(", ")}), which are therefore reserved.`,
        ["name"],
        object(
          "An environment variable with a literal value.",
          {
            name: string("Name of the variable; unique within env.", {
              minLength: 1,
              maxLength: ENV_NAME_MAX_LENGTH,
              pattern: ENV_VAR_NAME_PATTERN,
              [FIELD_CHECKS]: {
                tooLong: "NameTooLong",
                pattern: {
                  reason: "Invalid",
                  detail: (v) =>
                    `${show(v)} is not a valid environment variable name: use printable ASCII characters other than '='`,
                },
              },
              "x-kubernetes-validations": [
                celRule(
                  `!(self in [${reserved}])`,
                  `must not be one of ${RESERVED_ENV_NAMES.join(", ")}: the operator sets these from the downward API`,
                  (self) =>
                    unless(typeof self !== "string" || !RESERVED_ENV_NAMES.includes(self), () => ({
                      reason: "Reserved",
                      detail: `${show(self)} is reserved: the operator sets it from the downward API`,
                      value: self,
                    })),
                  { valid: ["POD", "pod_ip"], invalid: [...RESERVED_ENV_NAMES] },
                ),
              ],
            }),
            value: string("Value of the variable; empty if unset."),
          },
          {
            required: ["name"],
            [FIELD_CHECKS]: {
              extra: [
                {
                  why: "the CRD has no valueFrom, so the API server would drop it silently and the variable would be empty",
                  check: (self) =>
                    isRecord(self) && self.valueFrom !== undefined
                      ? [
                          {
                            path: "valueFrom",
                            reason: "NotSupported",
                            detail: "is not supported: only literal values can be set",
                            value: self.valueFrom,
                          },
                        ]
                      : [],
                },
              ],
            },
          },
        ),
        { maxItems: MAX_ENV_ENTRIES },
      ),
      verbosity: string("Log level passed to the provider as --verbosity.", {
        enum: [...VERBOSITIES],
        default: "INFO",
      }),
      extraVolumes: listMap(
        "core/v1 Volumes added to the pods of the init Job and the Deployment.",
        ["name"],
        opaque("A core/v1 Volume: a name and exactly one volume source (configMap, secret, emptyDir, ...).", {
          required: ["name"],
          properties: {
            name: string(
              `Name of the volume, a DNS-1123 label, unique within extraVolumes. While the Secret <name>-webhook-tls exists the operator adds a volume ${WEBHOOK_VOLUME_NAME}, and one of that name is reported as a clash.`,
              {
                minLength: 1,
                maxLength: DNS1123_LABEL_MAX_LENGTH,
                pattern: DNS1123_LABEL_PATTERN,
                [FIELD_CHECKS]: {
                  tooLong: "InvalidName",
                  pattern: { reason: "InvalidName", detail: (v) => `${show(v)} must be a DNS-1123 label` },
                },
              },
            ),
          },
        }),
        { maxItems: MAX_EXTRA_VOLUMES },
      ),
      extraVolumeMounts: listMap(
        "core/v1 VolumeMounts of the container of the init Job and of the Deployment; each refers to an entry of extraVolumes.",
        ["mountPath"],
        volumeMountSchema(),
        { maxItems: MAX_EXTRA_VOLUME_MOUNTS },
      ),
      runReplicas: int32(
        `Replicas of the run Deployment; above 1 the provider gets --leader-elect=true. At most ${MAX_RUN_REPLICAS}.`,
        { minimum: 1, maximum: MAX_RUN_REPLICAS, default: 1 },
      ),
      topologySpreadConstraints: listMap(
        "Topology spread constraints of the run Deployment's pods, at most one per topologyKey; the label selector of each is set by the operator.",
        ["topologyKey"],
        topologySpreadConstraintSchema(),
      ),
      metrics: object(
        "The metrics endpoint of the run container. Absent means enabled on port 8080, path /metrics.",
        {
          disabled: boolean(
            "Switches metrics off: no container port, no metrics flags, no Prometheus annotations, no Service.",
            { default: false },
          ),
          port: int32(
            "Container port of the metrics endpoint, passed as --metrics-bind-address=:<port>; default 8080.",
            {
              minimum: 1,
              maximum: 65535,
            },
          ),
          path: string(
            'HTTP path of the metrics endpoint, for the prometheus.io/path annotation; default /metrics. A path without a leading "/" gets one.',
          ),
        },
        { required: ["disabled"], [FIELD_CHECKS]: { typeName: "MetricsSpec" } },
      ),
    },
    {
      required: ["image"],
      [FIELD_CHECKS]: { typeName: "ProviderSpec" },
      "x-kubernetes-validations": [
        celRule(
          "!has(self.extraVolumeMounts) || self.extraVolumeMounts.all(m, has(self.extraVolumes) && self.extraVolumes.exists(v, v.name == m.name))",
          "every extraVolumeMounts[].name must be the name of an entry of extraVolumes",
          mountsOfUnknownVolumes,
          {
            valid: [
              {},
              { extraVolumes: [{ name: "a" }], extraVolumeMounts: [{ name: "a", mountPath: "/a" }] },
            ],
            invalid: [
              { extraVolumeMounts: [{ name: "a", mountPath: "/a" }] },
              { extraVolumes: [{ name: "b" }], extraVolumeMounts: [{ name: "a", mountPath: "/a" }] },
            ],
          },
        ),
      ],
    },
  );
}

/** A release (image, init hash, run hash) in status, with `extra` fields; all of them required. */
function releaseSchema(description: string, extra: Record<string, JsonSchemaProps> = {}): JsonSchemaProps {
  const properties = {
    image: string("The image, a digest (repository@sha256:...) when the operator resolved it."),
    initHash: string("The hash of what init runs (openmcp.cloud/init-hash)."),
    runHash: string("The hash of the run Deployment's spec (openmcp.cloud/run-hash)."),
    ...extra,
  };
  // The bare release is the type `Release`; those with extra fields stay inline.
  const named: Extra = Object.keys(extra).length === 0 ? { [FIELD_CHECKS]: { typeName: "Release" } } : {};
  return object(description, properties, { required: Object.keys(properties), ...named });
}

/** `status` of a provider kind; only ServiceProvider has `resources`. */
export function providerStatusSchema(kind: ProviderKind): JsonSchemaProps {
  const properties: Record<string, JsonSchemaProps> = {
    observedGeneration: int64("The metadata.generation the operator last acted on.", { minimum: 0 }),
    phase: string("Summary of the state: Progressing, Ready, Uninstalling or Failed."),
    conditions: conditionsSchema(
      "Initialized (the init Job succeeded), Ready (the Deployment is available; summary for kubectl wait and kstatus), Uninstalled, Reconciling and Stalled.",
    ),
    metrics: object(
      "Where the metrics of the provider can be scraped; absent when metrics are off or the run phase has not been reached.",
      {
        serviceRef: object(
          "The metrics Service.",
          {
            name: string("Name of the Service."),
            namespace: string("Namespace of the Service."),
          },
          { required: ["name", "namespace"] },
        ),
      },
      { required: ["serviceRef"] },
    ),
    initializedImage: string("The image whose init Job last succeeded."),
    runningImage: string("The image the run Deployment runs."),
    resolvedImage: string(
      "spec.image resolved to a digest (repository@sha256:...), which the init Job and the Deployment run; set only when the operator resolves digests (--resolve-image-digests).",
    ),
    lastGoodRelease: releaseSchema(
      "The release that last became Ready: what a failing new release is rolled back to.",
    ),
    pendingRelease: releaseSchema("The new release being rolled out; its rollout deadline runs from since.", {
      since: string("When the rollout of this release began (RFC 3339).", { format: "date-time" }),
    }),
    failedRelease: releaseSchema(
      "The release that was rolled back, and why. It is not tried again until the spec changes or the annotation openmcp.cloud/operation=reconcile is set.",
      {
        reason: string(
          "Why it failed, CamelCase: RolloutDeadlineExceeded, CrashLoopBackOff, ImagePullBackOff, InitFailed, ...",
        ),
        message: string("What failed, in words."),
      },
    ),
    initAttempts: int64(
      "Attempts of the init Job for the current spec; drives the backoff between attempts.",
      {
        minimum: 0,
      },
    ),
  };
  if (kind === "ServiceProvider") {
    properties.resources = list(
      "The kinds of service resources this provider offers on the onboarding cluster. Written by the provider itself (normally its init Job), never by the operator.",
      object(
        "A group, version and kind.",
        {
          group: string("API group; empty for the core group."),
          version: string("API version."),
          kind: string("Kind."),
        },
        { required: ["group", "version", "kind"], [FIELD_CHECKS]: { typeName: "GroupVersionKind" } },
      ),
    );
  }
  return object(`The state of the ${kind} as observed by the operator.`, properties, {
    [FIELD_CHECKS]: { typeName: "ProviderStatus" },
  });
}

const KIND_DESCRIPTIONS: Record<ProviderKind, string> = {
  ClusterProvider:
    "ClusterProvider deploys a cluster provider: a controller that creates clusters and grants access to them for ClusterRequests and AccessRequests.",
  ServiceProvider:
    "ServiceProvider deploys a service provider: a controller that offers a service to the managed control planes of the onboarding cluster.",
  PlatformService:
    "PlatformService deploys a controller that serves the platform itself, such as the managed control plane controller.",
};

/** The whole object schema of a provider kind, with the name rules the reference lacks. */
export function providerSchema(kind: ProviderKind): JsonSchemaProps {
  return providerObjectSchema(kind);
}

/** `metadata.name` as a string, when it is one. */
function providerName(self: unknown): string | undefined {
  const name = isRecord(self) && isRecord(self.metadata) ? self.metadata.name : undefined;
  return typeof name === "string" && name !== "" ? name : undefined;
}

/** What the API server checks of every object's name, outside the CRD schema. */
function checkObjectName(self: unknown): Finding[] {
  if (!isRecord(self)) return [];
  if (self.metadata === undefined || self.metadata === null)
    return [{ path: "metadata", reason: "Required", detail: "is required" }];
  if (!isRecord(self.metadata)) return [];
  const name = self.metadata.name;
  const path = "metadata.name";
  if (name === undefined || name === null) return [{ path, reason: "Required", detail: "is required" }];
  if (typeof name !== "string")
    return [
      {
        path,
        reason: "InvalidType",
        detail: `must be a string, got ${typeof name} ${show(name)}`,
        value: name,
      },
    ];
  if (name === "") return [{ path, reason: "Required", detail: "must not be empty", value: name }];
  return unless(isDns1123Subdomain(name), () => ({
    path,
    reason: "InvalidName",
    detail: `${show(name)} must be a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit`,
    value: name,
  }));
}

/**
 * Without a kind (the validator of an object that names none), the name limit that holds for every
 * kind applies; the CRDs always have one.
 */
export function providerObjectSchema(kind: ProviderKind | undefined): JsonSchemaProps {
  const prefix = kind === undefined ? "<p>" : PROVIDER_KIND_INFO[kind].prefix;
  const max = maxProviderNameLength(kind);
  const description =
    kind === undefined
      ? `A provider: ClusterProvider, ServiceProvider or PlatformService. ${API_VERSION}.`
      : `${KIND_DESCRIPTIONS[kind]} The operator runs its image first as an init Job (init), then as a Deployment (run), in the operator's namespace, with objects named ${prefix}-<name>. ${API_VERSION}.`;
  return object(
    description,
    {
      ...typeMetaProperties(),
      spec: providerSpecSchema(),
      status: providerStatusSchema(kind ?? "ServiceProvider"),
    },
    {
      required: ["spec"],
      [FIELD_CHECKS]: {
        extra: [
          { why: "the API server checks every object's name outside the CRD schema", check: checkObjectName },
        ],
      },
      "x-kubernetes-validations": [
        celRule(
          `self.metadata.name.size() <= ${max}`,
          `metadata.name must be at most ${max} characters long, so that the init Job name ${prefix}-<name>-init fits ${DNS1123_LABEL_MAX_LENGTH} characters`,
          (self) => {
            const name = providerName(self);
            return unless(name === undefined || name.length <= max, () => ({
              path: "metadata.name",
              reason: "NameTooLong",
              detail: `${show(name)} is ${name!.length} characters long, at most ${max} are allowed so that the init Job name "${prefix}-<name>-init" fits ${DNS1123_LABEL_MAX_LENGTH} characters`,
              value: name,
            }));
          },
          {
            valid: [{ metadata: { name: "a".repeat(max) } }],
            invalid: [{ metadata: { name: "a".repeat(max + 1) } }],
          },
        ),
        celRule(
          "!self.metadata.name.contains('.')",
          `metadata.name must not contain '.', since it becomes part of the container name ${prefix}-<name>, which must be a DNS-1123 label`,
          (self) => {
            const name = providerName(self);
            return unless(name === undefined || !name.includes("."), () => ({
              path: "metadata.name",
              reason: "InvalidName",
              detail: `${show(name)} must not contain '.': the run container is named "${prefix}-${name}", which must be a DNS-1123 label`,
              value: name,
            }));
          },
          { valid: [{ metadata: { name: "a-b" } }], invalid: [{ metadata: { name: "a.b" } }] },
        ),
      ],
    },
  );
}

function objectReference(description: string): JsonSchemaProps {
  return object(
    description,
    { name: string("Name of the object.", { minLength: 1 }), namespace: string("Namespace of the object.") },
    { required: ["name", "namespace"] },
  );
}

/** A reference that may be set once and then neither changed nor removed (the latter is checked by the parent). */
function immutableObjectReference(description: string): JsonSchemaProps {
  return {
    ...objectReference(description),
    "x-kubernetes-validations": [{ rule: "self == oldSelf", message: "is immutable" }],
  };
}

function requestStatusProperties(): Record<string, JsonSchemaProps> {
  return {
    phase: string("Pending, Granted or Denied; empty counts as Pending."),
    observedGeneration: int64("The metadata.generation the controller last acted on.", { minimum: 0 }),
    conditions: conditionsSchema("Conditions of the request."),
    reason: string("CamelCase reason for the phase."),
    message: string("Human-readable details about the phase."),
  };
}

/** clusters.openmcp.cloud ClusterRequest: a provider's request for (access to) a cluster of a purpose. */
export function clusterRequestSchema(): JsonSchemaProps {
  return object(
    `ClusterRequest asks the scheduler for a cluster of a purpose, such as the shared onboarding cluster. ${CLUSTERS_API_VERSION}.`,
    {
      ...typeMetaProperties(),
      spec: object(
        "The requested cluster. Immutable.",
        {
          purpose: string(
            "The purpose of the cluster: platform, onboarding, workload, mcp or a configured one.",
            {
              minLength: 1,
            },
          ),
          waitForClusterDeletion: boolean(
            "Whether removing the request's finalizer waits for the cluster's deletion (default true for exclusive tenancy).",
          ),
        },
        {
          required: ["purpose"],
          "x-kubernetes-validations": [{ rule: "self == oldSelf", message: "spec is immutable" }],
        },
      ),
      status: object(
        "The answer of the scheduler.",
        {
          ...requestStatusProperties(),
          cluster: immutableObjectReference(
            "The granted Cluster. Immutable once set and may not be removed.",
          ),
        },
        {
          required: ["phase", "observedGeneration"],
          "x-kubernetes-validations": [
            {
              rule: "!has(oldSelf.cluster) || has(self.cluster)",
              message: "cluster may not be removed once set",
            },
          ],
        },
      ),
    },
    { required: ["spec"] },
  );
}

function policyRuleSchema(): JsonSchemaProps {
  return object(
    "An rbac/v1 PolicyRule.",
    {
      apiGroups: stringList("API groups of the resources; empty string for the core group."),
      resources: stringList("Resources the rule applies to; '*' for all."),
      verbs: stringList("Verbs the rule allows; '*' for all."),
      resourceNames: stringList("Optional allow-list of object names."),
      nonResourceURLs: stringList("Non-resource URLs (cluster-wide rules only)."),
    },
    { required: ["verbs"] },
  );
}

/** clusters.openmcp.cloud AccessRequest: a provider's request for credentials to a cluster. */
export function accessRequestSchema(): JsonSchemaProps {
  return object(
    `AccessRequest asks for credentials (a kubeconfig in a Secret) to a cluster, with the given permissions. ${CLUSTERS_API_VERSION}.`,
    {
      ...typeMetaProperties(),
      spec: object(
        "The cluster and the access wanted; exactly one of token and oidc.",
        {
          clusterRef: immutableObjectReference(
            "The Cluster to access; wins over requestRef. Immutable; may not be removed once set.",
          ),
          requestRef: immutableObjectReference(
            "The ClusterRequest whose cluster to access. Immutable; may not be removed once set.",
          ),
          token: object("Token-based access with the given permissions.", {
            permissions: list(
              "Roles to create and bind: a ClusterRole without namespace, else a Role in that namespace.",
              object(
                "Permissions to grant.",
                {
                  name: string("Name of the Role or ClusterRole; generated if empty."),
                  namespace: string("Namespace of the Role; empty for a ClusterRole."),
                  disableAutomaticNamespaceCreation: boolean("Do not create the namespace if it is missing."),
                  rules: list("The rules of the role.", policyRuleSchema()),
                },
                { required: ["rules"], [FIELD_CHECKS]: { typeName: "PermissionsRequest" } },
              ),
            ),
            roleRefs: list(
              "Existing Roles or ClusterRoles to bind.",
              object(
                "A reference to a Role or ClusterRole.",
                {
                  name: string("Name of the role.", { minLength: 1 }),
                  namespace: string("Namespace of a Role."),
                  kind: string("Role or ClusterRole.", { enum: ["Role", "ClusterRole"] }),
                },
                { required: ["name", "kind"] },
              ),
            ),
          }),
          oidc: opaque(
            "OIDC-based access: name, issuer, clientID, claims and prefixes, roleBindings and roles (not validated here).",
          ),
          ttl: string(
            "Lifetime of the request (a duration such as 24h); it is deleted after creationTimestamp + ttl.",
          ),
        },
        {
          "x-kubernetes-validations": [
            {
              rule: "has(self.token) != has(self.oidc)",
              message: "exactly one of token and oidc must be set",
            },
            {
              rule: "!has(oldSelf.clusterRef) || has(self.clusterRef)",
              message: "clusterRef may not be removed once set",
            },
            {
              rule: "!has(oldSelf.requestRef) || has(self.requestRef)",
              message: "requestRef may not be removed once set",
            },
          ],
        },
      ),
      status: object(
        "The answer of the cluster provider.",
        {
          ...requestStatusProperties(),
          secretRef: object(
            "The Secret in the request's namespace that holds the access (key kubeconfig).",
            { name: string("Name of the Secret.", { minLength: 1 }) },
            { required: ["name"] },
          ),
        },
        { required: ["phase"] },
      ),
    },
    { required: ["spec"] },
  );
}
