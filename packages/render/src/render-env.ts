import { POD_ENV_VARS, type EnvVar } from "@openmcp-ts/contract";
import type { RenderSpec } from "./resolve-render-spec.ts";

/**
 * `spec.env` in order, then the four downward-API variables. Returns the first name that occurs
 * twice instead of a list, because two entries with one name cannot both be honoured.
 */
export function renderEnv(spec: RenderSpec): { env: EnvVar[] } | { duplicate: string } {
  const env: EnvVar[] = [
    ...spec.env.map((e): EnvVar => (e.value === "" ? { name: e.name } : { name: e.name, value: e.value })),
    ...POD_ENV_VARS.map((v): EnvVar => ({
      name: v.name,
      valueFrom: { fieldRef: { fieldPath: v.fieldPath } },
    })),
  ];
  const duplicate = firstDuplicate(env.map((e) => e.name));
  return duplicate === undefined ? { env } : { duplicate };
}

export function firstDuplicate(names: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) return name;
    seen.add(name);
  }
  return undefined;
}
