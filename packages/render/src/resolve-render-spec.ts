import {
  DEFAULT_INIT_COMMAND,
  DEFAULT_METRICS_PATH,
  DEFAULT_METRICS_PORT,
  DEFAULT_RUN_COMMAND,
  DEFAULT_RUN_REPLICAS,
  DEFAULT_VERBOSITY,
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
 * and the code-level defaults of the reference: `[init]`/`[run]`, INFO, one replica, metrics on
 * at :8080 `/metrics`. Empty values count as unset, as they do in the reference's Go code.
 */
export function resolveRenderSpec(spec: ProviderSpec): RenderSpec {
  const metrics = spec.metrics;
  return {
    image: spec.image,
    imagePullSecrets: (spec.imagePullSecrets ?? []).map((s) => ({ name: s.name ?? "" })),
    initCommand: nonEmpty(spec.initCommand) ?? [...DEFAULT_INIT_COMMAND],
    runCommand: nonEmpty(spec.runCommand) ?? [...DEFAULT_RUN_COMMAND],
    env: (spec.env ?? []).map((e) => ({ name: e.name, value: e.value ?? "" })),
    verbosity: spec.verbosity || DEFAULT_VERBOSITY,
    extraVolumes: (spec.extraVolumes ?? []).map((v) => orderKeys(v, ["name"])),
    extraVolumeMounts: (spec.extraVolumeMounts ?? []).map((m) => orderKeys(m, VOLUME_MOUNT_KEYS)),
    runReplicas: spec.runReplicas ?? DEFAULT_RUN_REPLICAS,
    topologySpreadConstraints: (spec.topologySpreadConstraints ?? []).map((c) => orderKeys(c, TOPOLOGY_KEYS)),
    metrics: {
      enabled: metrics?.disabled !== true,
      port: metrics?.port || DEFAULT_METRICS_PORT,
      path: metricsPath(metrics?.path),
    },
  };
}

/** The reference's CRD takes any path and the reference uses it as is; a scraper needs the "/". */
function metricsPath(path: string | undefined): string {
  if (!path) return DEFAULT_METRICS_PATH;
  return path.startsWith("/") ? path : `/${path}`;
}

function nonEmpty(list: string[] | undefined): string[] | undefined {
  return list !== undefined && list.length > 0 ? [...list] : undefined;
}
