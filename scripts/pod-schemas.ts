/**
 * OpenAPI v3 (as kube-apiserver serves it) → CRD structural schemas, the way controller-gen embeds
 * core/v1 types: references inlined, `resource.Quantity` and `IntOrString` as int-or-string (with
 * controller-gen's quantity pattern), defaults and strategic-merge hints dropped (a CRD has neither).
 */

export type OpenApiSchema = Record<string, unknown> & {
  $ref?: string;
  allOf?: OpenApiSchema[];
  properties?: Record<string, OpenApiSchema>;
  items?: OpenApiSchema;
  additionalProperties?: OpenApiSchema | boolean;
  required?: string[];
  description?: string;
};

export interface OpenApiDocument {
  components: { schemas: Record<string, OpenApiSchema> };
}

const CORE = "io.k8s.api.core.v1.";
const QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity";
const INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";
/** controller-gen's pattern for resource.Quantity (sigs.k8s.io/controller-tools, pkg/crd/known_types.go). */
export const QUANTITY_PATTERN =
  "^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$";

/** Keys a CRD's JSONSchemaProps has and that carry meaning here; everything else is dropped. */
const KEPT = new Set([
  "description",
  "type",
  "format",
  "enum",
  "required",
  "minimum",
  "maximum",
  "minLength",
  "maxLength",
  "pattern",
  "minItems",
  "maxItems",
  "x-kubernetes-list-type",
  "x-kubernetes-list-map-keys",
  "x-kubernetes-map-type",
]);

/** What each embedded type keeps; absent: all of its fields. */
const PICK: Record<string, readonly string[]> = {
  // `claims` names entries of the pod's spec.resourceClaims, which a runtime config cannot add.
  ResourceRequirements: ["limits", "requests"],
  // The fields the restricted Pod Security Standard leaves to the user (seLinuxOptions, sysctls and
  // windowsOptions are for baseline or Windows nodes; CEL rules on the CRD bound the rest).
  PodSecurityContext: [
    "runAsUser",
    "runAsGroup",
    "runAsNonRoot",
    "fsGroup",
    "fsGroupChangePolicy",
    "supplementalGroups",
    "supplementalGroupsPolicy",
    "seccompProfile",
    "appArmorProfile",
  ],
};

export const EMBEDDED_TYPES = [
  "Toleration",
  "Affinity",
  "ResourceRequirements",
  "EnvVar",
  "EnvFromSource",
  "PodSecurityContext",
] as const;

function intOrString(description: string | undefined, pattern?: string): OpenApiSchema {
  return {
    ...(description === undefined ? {} : { description }),
    anyOf: [{ type: "integer" }, { type: "string" }],
    ...(pattern === undefined ? {} : { pattern }),
    "x-kubernetes-int-or-string": true,
  };
}

function refName(ref: string): string {
  return ref.slice(ref.lastIndexOf("/") + 1);
}

/** One schema with every reference inlined; `description` of the referring property wins. */
export function toStructural(
  doc: OpenApiDocument,
  schema: OpenApiSchema,
  seen: string[] = [],
): OpenApiSchema {
  const ref = schema.$ref ?? (schema.allOf?.length === 1 ? schema.allOf[0]!.$ref : undefined);
  if (ref !== undefined) {
    const name = refName(ref);
    if (seen.includes(name))
      throw new Error(`cannot inline ${name}: it refers to itself (${seen.join(" → ")})`);
    if (name === QUANTITY) return intOrString(schema.description, QUANTITY_PATTERN);
    if (name === INT_OR_STRING) return intOrString(schema.description);
    const target = doc.components.schemas[name];
    if (target === undefined) throw new Error(`cannot inline ${name}: the document has no such schema`);
    const inlined = toStructural(doc, target, [...seen, name]);
    return schema.description === undefined ? inlined : { ...inlined, description: schema.description };
  }
  const out: OpenApiSchema = {};
  for (const [key, value] of Object.entries(schema)) if (KEPT.has(key)) out[key] = value;
  if (schema.properties !== undefined) {
    out.type ??= "object";
    out.properties = Object.fromEntries(
      Object.entries(schema.properties).map(([k, v]) => [k, toStructural(doc, v, seen)]),
    );
  }
  if (schema.items !== undefined) out.items = toStructural(doc, schema.items, seen);
  if (typeof schema.additionalProperties === "object") {
    out.additionalProperties = toStructural(doc, schema.additionalProperties, seen);
  }
  // A CRD's map-list keys must be required (upstream makes them defaulted instead).
  const keys = out["x-kubernetes-list-map-keys"] as string[] | undefined;
  if (keys !== undefined && out.items !== undefined) {
    out.items = { ...out.items, required: [...new Set([...(out.items.required ?? []), ...keys])] };
  }
  return out;
}

/** The embedded core/v1 types, each reduced to `PICK` where it says so. */
export function podSchemas(doc: OpenApiDocument): Record<(typeof EMBEDDED_TYPES)[number], OpenApiSchema> {
  const entries = EMBEDDED_TYPES.map((name) => {
    const full = toStructural(doc, { $ref: `#/components/schemas/${CORE}${name}` });
    const pick = PICK[name];
    if (pick === undefined) return [name, full] as const;
    const properties = Object.fromEntries(
      pick.map((field) => {
        const property = full.properties?.[field];
        if (property === undefined) throw new Error(`core/v1 ${name} has no field ${field}`);
        return [field, property];
      }),
    );
    return [name, { ...full, properties }] as const;
  });
  return Object.fromEntries(entries) as Record<(typeof EMBEDDED_TYPES)[number], OpenApiSchema>;
}

/** The file's exact content (prettier leaves the generated file alone: .prettierignore). */
export function renderPodSchemasFile(doc: OpenApiDocument, serverVersion: string): string {
  return [
    `// Generated by scripts/generate-pod-schemas.ts from /openapi/v3/api/v1 of kube-apiserver ${serverVersion}; do not edit.`,
    'import type { JsonSchemaProps } from "./crd-schema.ts";',
    "",
    "/** The core/v1 types a ProviderRuntimeConfig embeds, as CRD schemas (controller-gen's rules). */",
    `export const UPSTREAM_POD_SCHEMAS: Record<${EMBEDDED_TYPES.map((t) => JSON.stringify(t)).join(" | ")}, JsonSchemaProps> = ${JSON.stringify(podSchemas(doc), null, 2)};`,
    "",
  ].join("\n");
}
