import { API_VERSION, PROVIDER_KINDS, type ProviderKind } from "../constants.ts";
import { providerObjectSchema, type JsonSchemaProps } from "./crd-schema.ts";
import { gotValue, isRecord, show, type FieldProblem } from "./field-problem.ts";
import { toProblem, validateAgainstSchema } from "./validate-schema.ts";

/** `apiVersion` and `kind` name the endpoint, not a field the schema could check. */
function checkTypeMeta(
  provider: Record<string, unknown>,
  kind: ProviderKind | undefined,
  problems: FieldProblem[],
): ProviderKind | undefined {
  const { apiVersion, kind: given } = provider;
  if (apiVersion !== undefined && apiVersion !== API_VERSION) {
    problems.push(
      toProblem("apiVersion", {
        reason: "Invalid",
        detail: `${show(apiVersion)} must be "${API_VERSION}"`,
        value: apiVersion,
      }),
    );
  }
  if (given === undefined) return kind;
  if (typeof given !== "string" || !(PROVIDER_KINDS as readonly string[]).includes(given)) {
    const detail = `${show(given)} must be one of ${PROVIDER_KINDS.join(", ")}`;
    problems.push(toProblem("kind", { reason: "NotSupported", detail, value: given }));
    return kind;
  }
  if (kind !== undefined && given !== kind) {
    const detail = `${show(given)} does not match the expected kind "${kind}"`;
    problems.push(toProblem("kind", { reason: "Invalid", detail, value: given }));
    return kind;
  }
  return given as ProviderKind;
}

/** The object schema without apiVersion, kind (checked above) and status (the operator's). */
function userFields(schema: JsonSchemaProps): JsonSchemaProps {
  const { metadata, spec } = schema.properties ?? {};
  return { ...schema, properties: { ...(metadata && { metadata }), ...(spec && { spec }) } };
}

/**
 * Checks a provider object (ClusterProvider, ServiceProvider or PlatformService) as a user wrote it
 * or as the API server returned it, and returns every problem at once (empty: valid). It walks the
 * CRD schema (`crd-schema.ts`), so it checks what the API server checks, plus what the reference
 * only finds out when object creation fails (name lengths, dots in names, reserved env names,
 * mounts of unknown volumes), which our CRD has as CEL rules. `kind` defaults to the object's own
 * `kind`; without either, the name limit that holds for every kind applies.
 */
export function validateProvider(provider: unknown, kind?: ProviderKind): FieldProblem[] {
  if (!isRecord(provider)) {
    return [
      toProblem("", {
        reason: "InvalidType",
        detail: `provider must be an object, ${gotValue(provider)}`,
        value: provider,
      }),
    ];
  }
  const problems: FieldProblem[] = [];
  const effectiveKind = checkTypeMeta(provider, kind, problems);
  problems.push(...validateAgainstSchema(userFields(providerObjectSchema(effectiveKind)), provider));
  return problems;
}
