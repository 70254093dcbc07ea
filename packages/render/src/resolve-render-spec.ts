import {
  PROVIDER_SPEC_DEFAULTS as DEFAULTS,
  type LocalObjectReference,
  type ProviderSpec,
  type TopologySpreadConstraint,
  type Volume,
  type VolumeMount,
} from "@openmcp-ts/contract";
import { orderKeys } from "./order-keys.ts";

/** The spec with every default applied, including those the reference keeps in code only. */
export interface RenderSpec {
  image: string;
  imagePullSecrets: LocalObjectReference[];
  initCommand: string[];
  runCommand: string[];
  env: { name: string; value: string }[];
  verbosity: string;
  extraVolumes: Volume[];
  extraVolumeMounts: VolumeMount[];
  runReplicas: number;
  topologySpreadConstraints: TopologySpreadConstraint[];
  metrics: { enabled: boolean; port: number; path: string };
}

const VOLUME_MOUNT_KEYS = ["name", "mountPath", "readOnly"] as const;
const TOPOLOGY_KEYS = ["maxSkew", "topologyKey", "whenUnsatisfiable", "labelSelector"] as const;

/**
 * Applies the CRD defaults (the API server normally has, but fake or hand-made objects may not)
 * and the code-level defaults of the reference, both from contract's `PROVIDER_SPEC_DEFAULTS`: `[init]`/`[run]`, INFO, one replica, metrics on
 * at :8080 `/metrics`. Empty values count as unset, as they do in the reference's Go code.
 */
export function resolveRenderSpec(spec: ProviderSpec): RenderSpec {
  const metrics = spec.metrics;
  return {
    image: spec.image,
    imagePullSecrets: (spec.imagePullSecrets ?? []).map((s) => ({ name: s.name ?? "" })),
    initCommand: nonEmpty(spec.initCommand) ?? [...DEFAULTS.initCommand],
    runCommand: nonEmpty(spec.runCommand) ?? [...DEFAULTS.runCommand],
    env: (spec.env ?? []).map((e) => ({ name: e.name, value: e.value ?? "" })),
    verbosity: spec.verbosity || DEFAULTS.verbosity,
    extraVolumes: (spec.extraVolumes ?? []).map((v) => orderKeys(v, ["name"])),
    extraVolumeMounts: (spec.extraVolumeMounts ?? []).map((m) => orderKeys(m, VOLUME_MOUNT_KEYS)),
    runReplicas: spec.runReplicas ?? DEFAULTS.runReplicas,
    topologySpreadConstraints: (spec.topologySpreadConstraints ?? []).map((c) => orderKeys(c, TOPOLOGY_KEYS)),
    metrics: {
      enabled: metrics?.disabled !== true,
      port: metrics?.port || DEFAULTS.metrics.port,
      path: metricsPath(metrics?.path),
    },
  };
}

/** The reference's CRD takes any path and the reference uses it as is; a scraper needs the "/". */
function metricsPath(path: string | undefined): string {
  if (!path) return DEFAULTS.metrics.path;
  return path.startsWith("/") ? path : `/${path}`;
}

function nonEmpty(list: string[] | undefined): string[] | undefined {
  return list !== undefined && list.length > 0 ? [...list] : undefined;
}
