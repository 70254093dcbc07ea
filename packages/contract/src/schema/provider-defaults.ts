import type { Verbosity } from "../constants.ts";
import { CODE_DEFAULTS } from "./code-defaults.ts";
import { providerSpecSchema, type JsonSchemaProps } from "./crd-schema.ts";

/** Every default of a provider spec: the schema's `default`s and {@link CODE_DEFAULTS}. */
export interface ProviderSpecDefaults {
  initCommand: readonly string[];
  runCommand: readonly string[];
  verbosity: Verbosity;
  runReplicas: number;
  metrics: { disabled: boolean; port: number; path: string };
}

/** The `default` of each property that has one, nested as the properties are. */
export function schemaDefaults(schema: JsonSchemaProps): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    if (child.default !== undefined) out[key] = child.default;
    else if (child.type === "object" && child.properties !== undefined) {
      const nested = schemaDefaults(child);
      if (Object.keys(nested).length > 0) out[key] = nested;
    }
  }
  return out;
}

function readDefaults(): ProviderSpecDefaults {
  const fromSchema = schemaDefaults(providerSpecSchema()) as {
    verbosity: Verbosity;
    runReplicas: number;
    metrics: { disabled: boolean };
  };
  return {
    ...CODE_DEFAULTS,
    ...fromSchema,
    metrics: { ...CODE_DEFAULTS.metrics, ...fromSchema.metrics },
  };
}

/** Read once: render asks for them on every call. */
export const PROVIDER_SPEC_DEFAULTS: Readonly<ProviderSpecDefaults> = readDefaults();
