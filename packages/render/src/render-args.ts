import type { RenderContext } from "./render-context.ts";
import type { RenderSpec } from "./resolve-render-spec.ts";

/** Init container args: the command, then `--environment`, `--verbosity`, `--provider-name`. */
export function renderInitArgs(spec: RenderSpec, ctx: RenderContext, providerName: string): string[] {
  return [...spec.initCommand, ...commonFlags(spec, ctx, providerName)];
}

/** Run container args: as init, then `--leader-elect=true` (replicas > 1) and the metrics flags (metrics on). */
export function renderRunArgs(spec: RenderSpec, ctx: RenderContext, providerName: string): string[] {
  const args = [...spec.runCommand, ...commonFlags(spec, ctx, providerName)];
  if (spec.runReplicas > 1) args.push("--leader-elect=true");
  if (spec.metrics.enabled)
    args.push(`--metrics-bind-address=:${spec.metrics.port}`, "--metrics-secure=false");
  return args;
}

function commonFlags(spec: RenderSpec, ctx: RenderContext, providerName: string): string[] {
  return [
    `--environment=${ctx.environment}`,
    `--verbosity=${spec.verbosity}`,
    `--provider-name=${providerName}`,
  ];
}
