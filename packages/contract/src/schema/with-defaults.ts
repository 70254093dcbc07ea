import {
  DEFAULT_INIT_COMMAND,
  DEFAULT_METRICS_PATH,
  DEFAULT_METRICS_PORT,
  DEFAULT_RUN_COMMAND,
  DEFAULT_RUN_REPLICAS,
  DEFAULT_VERBOSITY,
  type Verbosity,
} from "../constants.ts";
import type { LocalObjectReference, TopologySpreadConstraint, Volume, VolumeMount } from "../kube/kube-types.ts";
import type { ProviderSpec } from "./provider-types.ts";

/** A provider spec with every default applied: what render code can rely on. */
export interface ResolvedProviderSpec {
  image: string;
  imagePullSecrets: LocalObjectReference[];
  /** Never empty: `["init"]` unless the spec says otherwise. */
  initCommand: string[];
  /** Never empty: `["run"]` unless the spec says otherwise. */
  runCommand: string[];
  env: { name: string; value?: string }[];
  /** As written (case kept), since the reference passes it on verbatim. */
  verbosity: Verbosity;
  extraVolumes: Volume[];
  extraVolumeMounts: VolumeMount[];
  runReplicas: number;
  topologySpreadConstraints: TopologySpreadConstraint[];
  metrics: { disabled: boolean; port: number; path: string };
}

/**
 * Applies the CRD defaults (`verbosity`, `runReplicas`, `metrics.disabled`) and the ones the reference
 * keeps in code only (commands, metrics port and path). The reference relies on API-server defaulting
 * for the former and would emit `--verbosity=` and `replicas: 0` without it; we never do.
 * Lists are copied, so the result can be changed without touching the input.
 */
export function withDefaults(spec: ProviderSpec): ResolvedProviderSpec {
  const nonEmpty = (list: readonly string[] | undefined, fallback: readonly string[]): string[] =>
    list !== undefined && list.length > 0 ? [...list] : [...fallback];
  return {
    image: spec.image,
    imagePullSecrets: [...(spec.imagePullSecrets ?? [])],
    initCommand: nonEmpty(spec.initCommand, DEFAULT_INIT_COMMAND),
    runCommand: nonEmpty(spec.runCommand, DEFAULT_RUN_COMMAND),
    env: [...(spec.env ?? [])],
    verbosity: spec.verbosity ?? DEFAULT_VERBOSITY,
    extraVolumes: [...(spec.extraVolumes ?? [])],
    extraVolumeMounts: [...(spec.extraVolumeMounts ?? [])],
    runReplicas: spec.runReplicas ?? DEFAULT_RUN_REPLICAS,
    topologySpreadConstraints: [...(spec.topologySpreadConstraints ?? [])],
    metrics: {
      disabled: spec.metrics?.disabled ?? false,
      port: spec.metrics?.port ?? DEFAULT_METRICS_PORT,
      path: spec.metrics?.path ?? DEFAULT_METRICS_PATH,
    },
  };
}
