/**
 * The OpenAPI schema of ProviderRuntimeConfig. The embedded core/v1 types (resources, tolerations,
 * affinity, env, envFrom, pod security context) are upstream's own schemas, generated from the
 * API server (`upstream-pod-schemas.ts`); CEL rules add what the API server would otherwise only
 * say when it rejects the Job or Deployment: reserved names, the restricted profile, the rules of
 * tolerations and requests ≤ limits.
 */
import { RESERVED_ENV_NAMES } from "../constants.ts";
import type { JsonSchemaProps, ValidationRule } from "./crd-schema.ts";
import { DNS1123_SUBDOMAIN_MAX_LENGTH, DNS1123_SUBDOMAIN_PATTERN } from "../naming/kube-names.ts";
import { MAX_RUNTIME_ENV, MAX_RUNTIME_MAP_ENTRIES } from "./runtime-config.ts";
import { UPSTREAM_POD_SCHEMAS } from "./upstream-pod-schemas.ts";

const LABEL_KEY =
  "^([a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$";
const LABEL_VALUE = "^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$";
/** A qualified name: an optional DNS prefix of up to 253 characters, a name of up to 63. */
const KEY_MAX_LENGTH = 253 + 1 + 63;
const MAX_RESOURCE_NAMES = 16;
const MAX_QUANTITY_LENGTH = 64;

function extend(
  schema: JsonSchemaProps,
  extra: Partial<JsonSchemaProps>,
  description?: string,
): JsonSchemaProps {
  const rules = [...(schema["x-kubernetes-validations"] ?? []), ...(extra["x-kubernetes-validations"] ?? [])];
  return {
    ...schema,
    ...extra,
    ...(description === undefined ? {} : { description }),
    ...(rules.length > 0 ? { "x-kubernetes-validations": rules } : {}),
  };
}

function stringMap(description: string, rules: ValidationRule[], valueMaxLength?: number): JsonSchemaProps {
  return {
    description,
    type: "object",
    additionalProperties: {
      type: "string",
      ...(valueMaxLength === undefined ? {} : { maxLength: valueMaxLength }),
    },
    maxProperties: MAX_RUNTIME_MAP_ENTRIES,
    "x-kubernetes-validations": rules,
  };
}

const labelKeys = (what: string): ValidationRule => ({
  rule: `self.all(k, size(k) <= ${KEY_MAX_LENGTH} && k.matches('${LABEL_KEY}'))`,
  message: `every ${what} key must be a qualified name: an optional DNS subdomain prefix and '/', then up to 63 alphanumerics, '-', '_' or '.', beginning and ending alphanumeric`,
});

const labelValues: ValidationRule = {
  rule: `self.all(k, self[k].matches('${LABEL_VALUE}'))`,
  message:
    "every label value must be empty or up to 63 alphanumerics, '-', '_' or '.', beginning and ending alphanumeric",
};

function metadataOverlay(what: string): JsonSchemaProps {
  return {
    description: `Labels and annotations added to the ${what}; the operator's own labels and annotations win over them.`,
    type: "object",
    properties: {
      labels: stringMap(`Labels added to the ${what}.`, [labelKeys("label"), labelValues], 63),
      annotations: stringMap(`Annotations added to the ${what}.`, [labelKeys("annotation")]),
    },
  };
}

function quantityRule(): ValidationRule {
  return {
    rule: "!has(self.requests) || !has(self.limits) || self.requests.all(r, !(r in self.limits) || !quantity(string(self.requests[r])).isGreaterThan(quantity(string(self.limits[r]))))",
    message: "a request must not exceed the limit of the same resource",
  };
}

function resources(): JsonSchemaProps {
  const upstream = UPSTREAM_POD_SCHEMAS.ResourceRequirements;
  // Bounds for the cost of the CEL rule: a pod has a handful of resource names, a quantity is short.
  const bounded = (name: "limits" | "requests"): JsonSchemaProps => {
    const map = upstream.properties![name]!;
    return extend(map, {
      maxProperties: MAX_RESOURCE_NAMES,
      additionalProperties: { ...map.additionalProperties!, maxLength: MAX_QUANTITY_LENGTH },
    });
  };
  return extend(
    { ...upstream, properties: { limits: bounded("limits"), requests: bounded("requests") } },
    { "x-kubernetes-validations": [quantityRule()] },
    "Compute resources (requests and limits) of the provider container (core/v1 ResourceRequirements).",
  );
}

function tolerations(): JsonSchemaProps {
  return {
    description:
      "Tolerations of the provider pods (core/v1 Toleration), e.g. to run on tainted system nodes.",
    type: "array",
    maxItems: MAX_RUNTIME_MAP_ENTRIES,
    "x-kubernetes-list-type": "atomic",
    items: extend(UPSTREAM_POD_SCHEMAS.Toleration, {
      "x-kubernetes-validations": [
        {
          rule: "(has(self.key) && self.key != '') || (has(self.operator) && self.operator == 'Exists')",
          message: "operator must be Exists when key is empty (a toleration of every taint)",
        },
        {
          rule: "!has(self.operator) || self.operator != 'Exists' || !has(self.value) || self.value == ''",
          message: "value must be empty when operator is Exists",
        },
        {
          rule: "!has(self.tolerationSeconds) || (has(self.effect) && self.effect == 'NoExecute')",
          message: "effect must be NoExecute when tolerationSeconds is set",
        },
      ],
    }),
  };
}

function env(): JsonSchemaProps {
  return {
    description: `Environment variables of the provider container (core/v1 EnvVar: value, or valueFrom secretKeyRef, configMapKeyRef, fieldRef, resourceFieldRef); unique by name. ${RESERVED_ENV_NAMES.join(", ")} are reserved, and an entry of the provider's spec.env with the same name wins.`,
    type: "array",
    maxItems: MAX_RUNTIME_ENV,
    "x-kubernetes-list-type": "map",
    "x-kubernetes-list-map-keys": ["name"],
    items: extend(UPSTREAM_POD_SCHEMAS.EnvVar, {
      "x-kubernetes-validations": [
        {
          rule: `!(self.name in [${RESERVED_ENV_NAMES.map((n) => `'${n}'`).join(", ")}])`,
          message: `name is reserved: the operator sets ${RESERVED_ENV_NAMES.join(", ")} from the downward API`,
          fieldPath: ".name",
        },
        {
          rule: "!has(self.valueFrom) || !has(self.value) || self.value == ''",
          message: "value must be empty when valueFrom is set",
        },
      ],
    }),
  };
}

function envFrom(): JsonSchemaProps {
  return {
    description:
      "Sources of environment variables of the provider container (core/v1 EnvFromSource: all keys of a Secret or ConfigMap, optionally prefixed). Explicit env (the operator's POD_* variables included) wins over them.",
    type: "array",
    maxItems: MAX_RUNTIME_MAP_ENTRIES,
    "x-kubernetes-list-type": "atomic",
    items: extend(UPSTREAM_POD_SCHEMAS.EnvFromSource, {
      "x-kubernetes-validations": [
        {
          rule: "has(self.configMapRef) != has(self.secretRef)",
          message: "exactly one of configMapRef and secretRef must be set",
        },
      ],
    }),
  };
}

function podSecurityContext(): JsonSchemaProps {
  const profile = (field: string): ValidationRule => ({
    rule: `!has(self.${field}) || self.${field}.type in ['RuntimeDefault', 'Localhost']`,
    message: `${field}.type must be RuntimeDefault or Localhost (the restricted Pod Security Standard)`,
    fieldPath: `.${field}.type`,
  });
  return extend(
    UPSTREAM_POD_SCHEMAS.PodSecurityContext,
    {
      "x-kubernetes-validations": [
        {
          rule: "!has(self.runAsNonRoot) || self.runAsNonRoot",
          message: "runAsNonRoot must not be false (the restricted Pod Security Standard)",
          fieldPath: ".runAsNonRoot",
        },
        {
          rule: "!has(self.runAsUser) || self.runAsUser != 0",
          message: "runAsUser must not be 0 (root; the restricted Pod Security Standard)",
          fieldPath: ".runAsUser",
        },
        profile("seccompProfile"),
        profile("appArmorProfile"),
      ],
    },
    "The pod security context of the provider pods, within what the restricted Pod Security Standard allows (core/v1 PodSecurityContext: user, groups, fsGroup, seccomp and AppArmor profiles). Set fields win over the operator's restricted defaults (runAsNonRoot, seccompProfile RuntimeDefault).",
  );
}

/** The settings of one phase (or both): every field optional, an unset field comes from the next layer. */
export function podSettingsSchema(phase: string): JsonSchemaProps {
  return {
    description: `Pod settings for ${phase}. A field set here wins over the same field of a layer below (see the ProviderRuntimeConfig description).`,
    type: "object",
    properties: {
      resources: resources(),
      nodeSelector: stringMap(
        "Node labels the provider pods must run on (pod spec nodeSelector).",
        [labelKeys("nodeSelector"), labelValues],
        63,
      ),
      tolerations: tolerations(),
      affinity: extend(
        UPSTREAM_POD_SCHEMAS.Affinity,
        {},
        "Node affinity, pod affinity and pod anti-affinity of the provider pods (core/v1 Affinity).",
      ),
      priorityClassName: {
        description: "PriorityClass of the provider pods.",
        type: "string",
        maxLength: DNS1123_SUBDOMAIN_MAX_LENGTH,
        pattern: DNS1123_SUBDOMAIN_PATTERN,
      },
      podMetadata: metadataOverlay("pods"),
      serviceAccountMetadata: metadataOverlay(
        "ServiceAccount of the phase (e.g. eks.amazonaws.com/role-arn or azure.workload.identity/client-id for cloud identity)",
      ),
      env: env(),
      envFrom: envFrom(),
      podSecurityContext: podSecurityContext(),
    },
  };
}

export function runtimeConfigSchema(): JsonSchemaProps {
  return {
    description:
      "ProviderRuntimeConfig shapes the pods the operator creates for providers: resources, placement, priority, labels and annotations of pods and ServiceAccounts, env from Secrets and ConfigMaps, and the pod security context. A provider uses one through its annotation openmcp.cloud/runtime-config: <name>; the operator's --default-runtime-config names the one for providers without that annotation. Precedence, highest first: the provider's own spec (env), spec.init or spec.run, spec.common, then the same three of the operator's default config; maps (labels, annotations, nodeSelector) and env merge by key, every other field is taken whole from the highest layer that sets it.",
    type: "object",
    properties: {
      apiVersion: {
        description: "APIVersion defines the versioned schema of this representation of an object.",
        type: "string",
      },
      kind: {
        description: "Kind is a string value representing the REST resource this object represents.",
        type: "string",
      },
      metadata: { type: "object" },
      spec: {
        description: "Pod settings for both phases (common) and for each one (init, run).",
        type: "object",
        properties: {
          common: podSettingsSchema("both the init Job and the run Deployment"),
          init: podSettingsSchema("the init Job only"),
          run: podSettingsSchema("the run Deployment only"),
        },
      },
      status: {
        description: "What the operator observed.",
        type: "object",
        properties: {
          users: {
            description: "How many providers use this config (by annotation, or as the operator's default).",
            type: "integer",
            format: "int32",
          },
          usedBy: {
            description: "The first providers that use it, as Kind/name (at most 20).",
            type: "array",
            maxItems: 20,
            items: { type: "string" },
          },
        },
      },
    },
  };
}
