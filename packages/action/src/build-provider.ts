import { readFileSync } from "node:fs";
import { parse } from "yaml";
import {
  API_VERSION,
  formatProblems,
  validateProvider,
  type Provider,
  type ProviderKind,
} from "@openmcp-ts/contract";
import type { Env } from "./runner-io.ts";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Where the release came from, on the object, so `kubectl get -o yaml` answers "who deployed this". */
export function provenance(env: Env): Record<string, string> {
  const server = env.GITHUB_SERVER_URL ?? "https://github.com";
  const repository = env.GITHUB_REPOSITORY ?? "";
  const annotations: Record<string, string> = {
    "openmcp.cloud/deployed-by": "openmcp-deploy-action",
    "openmcp.cloud/source-repository": repository ? `${server}/${repository}` : "",
    "openmcp.cloud/source-ref": env.GITHUB_REF ?? "",
    "openmcp.cloud/source-commit": env.GITHUB_SHA ?? "",
    "openmcp.cloud/run-url":
      repository && env.GITHUB_RUN_ID ? `${server}/${repository}/actions/runs/${env.GITHUB_RUN_ID}` : "",
    "openmcp.cloud/actor": env.GITHUB_ACTOR ?? "",
  };
  for (const [k, v] of Object.entries(annotations)) if (!v) Reflect.deleteProperty(annotations, k);
  return annotations;
}

export interface BuildProviderOptions {
  kind: ProviderKind;
  name: string;
  image: string;
  manifest: string;
  env: Env;
}

/**
 * The object the action applies: only the fields it owns (name, provenance, the manifest's spec and
 * the released image), checked with validateProvider so that nothing invalid reaches the cluster.
 */
export function buildProvider(options: BuildProviderOptions): Provider {
  let manifest: Record<string, unknown> = {};
  if (options.manifest) {
    let text: string;
    try {
      text = readFileSync(options.manifest, "utf8");
    } catch (err) {
      throw new Error(`cannot read the manifest ${options.manifest}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    let parsed: unknown;
    try {
      parsed = parse(text);
    } catch (err) {
      throw new Error(`cannot parse the manifest ${options.manifest} as YAML: ${(err as Error).message}`, {
        cause: err,
      });
    }
    if (!isRecord(parsed))
      throw new Error(`the manifest ${options.manifest} must be one YAML object (a ${options.kind})`);
    manifest = parsed;
  }
  const metadata = isRecord(manifest.metadata) ? manifest.metadata : {};
  const name = options.name || (typeof metadata.name === "string" ? metadata.name : "");
  if (!name)
    throw new Error(
      `cannot tell which ${options.kind} to deploy: input "name" is empty${options.manifest ? ` and the manifest has no metadata.name` : ""}`,
    );
  const spec = manifest.spec === undefined ? {} : manifest.spec;
  const candidate = {
    ...manifest,
    apiVersion: manifest.apiVersion ?? API_VERSION,
    kind: manifest.kind ?? options.kind,
    metadata: { ...metadata, name },
    spec: isRecord(spec) ? { ...spec, image: options.image } : spec,
  };
  const problems = validateProvider(candidate, options.kind);
  if (problems.length > 0)
    throw new Error(
      `refusing to deploy ${options.kind} "${name}"${options.manifest ? ` from ${options.manifest}` : ""}: ${formatProblems(problems)}`,
    );
  return {
    apiVersion: API_VERSION,
    kind: options.kind,
    metadata: { name, annotations: provenance(options.env) },
    spec: candidate.spec as Provider["spec"],
  };
}
