import {
  POD_SETTINGS_FIELDS,
  type EnvVar,
  type PodSettings,
  type ProviderRuntimeConfigSpec,
} from "@openmcp-ts/contract";
import { orderKeys } from "./order-keys.ts";

/** A ProviderRuntimeConfig as the renderer needs it: its name (for messages) and spec. */
export interface RuntimeConfigLayer {
  name: string;
  spec: ProviderRuntimeConfigSpec;
}

/**
 * The runtime configs that apply to one provider, highest first: the one its annotation
 * `openmcp.cloud/runtime-config` names, then the operator's `--default-runtime-config`.
 */
export interface RuntimeConfigLayers {
  referenced?: RuntimeConfigLayer | undefined;
  fallback?: RuntimeConfigLayer | undefined;
}

export type PodPhase = "init" | "run";

type OverlayField = "podMetadata" | "serviceAccountMetadata";

/**
 * The settings of one phase, merged over the layers (highest first): referenced `<phase>`,
 * referenced `common`, default `<phase>`, default `common`. Maps (nodeSelector, labels,
 * annotations) merge by key and env by name, the higher layer winning; other fields are whole.
 * Keys are ordered, so equal settings hash and render alike whatever order they were written in.
 */
export function resolvePodSettings(layers: RuntimeConfigLayers | undefined, phase: PodPhase): PodSettings {
  const stack = [layers?.referenced, layers?.fallback]
    .filter((l) => l !== undefined)
    .flatMap((l) => [l.spec[phase], l.spec.common])
    .filter((s) => s !== undefined);
  const out: PodSettings = {};
  for (const field of POD_SETTINGS_FIELDS) {
    const values = stack.map((s) => s[field]).filter((v) => v !== undefined);
    if (values.length === 0) continue;
    if (field === "env") out.env = mergeEnv(values as EnvVar[][]);
    else if (field === "nodeSelector") out[field] = mergeMaps(values as Record<string, string>[]);
    else if (field === "podMetadata" || field === "serviceAccountMetadata")
      out[field] = mergeOverlays(values as NonNullable<PodSettings[OverlayField]>[]);
    else (out as Record<string, unknown>)[field] = values[0];
  }
  return orderKeys(out);
}

/** Whether nothing applies (then the objects render exactly as without runtime configs). */
export function isEmptySettings(settings: PodSettings): boolean {
  return Object.keys(settings).length === 0;
}

function mergeMaps(maps: Record<string, string>[]): Record<string, string> {
  return Object.assign({}, ...[...maps].reverse()) as Record<string, string>;
}

function mergeOverlays(
  overlays: NonNullable<PodSettings[OverlayField]>[],
): NonNullable<PodSettings[OverlayField]> {
  const labels = overlays.map((o) => o.labels).filter((m) => m !== undefined);
  const annotations = overlays.map((o) => o.annotations).filter((m) => m !== undefined);
  return {
    ...(labels.length > 0 ? { labels: mergeMaps(labels) } : {}),
    ...(annotations.length > 0 ? { annotations: mergeMaps(annotations) } : {}),
  };
}

/** By name, the higher layer winning; a name keeps the place of its highest layer. */
function mergeEnv(lists: EnvVar[][]): EnvVar[] {
  const seen = new Set<string>();
  const out: EnvVar[] = [];
  for (const list of lists) {
    for (const e of list) {
      if (seen.has(e.name)) continue;
      seen.add(e.name);
      out.push(e);
    }
  }
  return out;
}
