import { contentHash, RENDER_PROBLEM_TYPES, type Provider } from "@openmcp-ts/contract";
import { canonicalJson } from "./order-keys.ts";
import { newRenderError } from "./render-error.ts";
import { resolveRenderSpec } from "./resolve-render-spec.ts";

/**
 * A stable hash of what the init Job depends on: image, init command, env, verbosity, volumes,
 * mounts and pull secrets, after defaults (so `initCommand: []` and `[init]` hash alike). Run-only
 * fields (replicas, run command, topology, metrics) are left out, so changing them does not re-run
 * init, unlike the reference, which re-runs it on every generation.
 */
export function computeInitHash(provider: Provider): string {
  if (provider.spec === undefined || provider.spec === null) {
    throw newRenderError(
      "init hash",
      provider,
      RENDER_PROBLEM_TYPES.SpecMissing,
      "provider spec not found",
      "spec",
    );
  }
  const spec = resolveRenderSpec(provider.spec);
  const inputs = {
    image: spec.image,
    initCommand: spec.initCommand,
    env: spec.env,
    verbosity: spec.verbosity,
    extraVolumes: spec.extraVolumes,
    extraVolumeMounts: spec.extraVolumeMounts,
    imagePullSecrets: spec.imagePullSecrets,
  };
  return contentHash(canonicalJson(inputs));
}
