import { PROVIDER_KINDS, parseImageReference, type ProviderKind } from "@openmcp-ts/contract";
import { getInput, type Env } from "./runner-io.ts";

export const MODES = ["deploy", "verify", "plan"] as const;
export type Mode = (typeof MODES)[number];

export interface ActionInputs {
  mode: Mode;
  kind: ProviderKind;
  /** Empty when the manifest is to supply it. */
  name: string;
  /** The full reference that is released: `<image>:<tag>`. */
  image: string;
  manifest: string;
  kubeconfig: string;
  context: string;
  wait: boolean;
  timeoutMs: number;
  /** Fail as soon as the provider reports a failure that will not heal by itself. */
  failFast: boolean;
  /** With failFast: how long pods may be unable to pull the image before the step fails. */
  imagePullGraceMs: number;
  token: string;
  /** GitHub Deployment environment (used with a token). */
  environment: string;
}

/** Go-style durations as `kubectl wait --timeout` takes them: `90s`, `10m`, `1h30m`; a bare number is seconds. */
export function parseDuration(text: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text) return undefined;
  return parts.reduce((sum, p) => sum + Number(p[1]) * units[p[2]!]!, 0);
}

/** Whether the last path component of a reference carries a tag or the reference a digest. */
function hasTagOrDigest(image: string): boolean {
  const parsed = parseImageReference(image);
  return parsed.ok && (parsed.value.tag !== undefined || parsed.value.digest !== undefined);
}

/** Reads and checks every input before anything touches a cluster; throws naming the input. */
export function parseInputs(env: Env): ActionInputs {
  const mode = getInput(env, "mode") || "deploy";
  if (!(MODES as readonly string[]).includes(mode))
    throw new Error(`input "mode" is ${JSON.stringify(mode)}: it must be one of ${MODES.join(", ")}`);
  const kind = getInput(env, "kind") || "ServiceProvider";
  if (!(PROVIDER_KINDS as readonly string[]).includes(kind))
    throw new Error(
      `input "kind" is ${JSON.stringify(kind)}: it must be one of ${PROVIDER_KINDS.join(", ")}`,
    );

  const imageInput = getInput(env, "image");
  if (imageInput) {
    const parsed = parseImageReference(imageInput);
    if (!parsed.ok)
      throw new Error(
        `input "image" is ${JSON.stringify(imageInput)}: not a valid image reference: ${parsed.error}`,
      );
  }
  let image = imageInput;
  if (!image || !hasTagOrDigest(image)) {
    let tag = getInput(env, "tag");
    let tagSource = 'input "tag"';
    const ref = env.GITHUB_REF ?? "";
    if (!tag && ref.startsWith("refs/tags/")) {
      tag = ref.slice("refs/tags/".length);
      tagSource = `GITHUB_REF ${JSON.stringify(ref)}`;
    }
    if (!tag)
      throw new Error(
        `cannot tell which image to release: input "tag" is empty and GITHUB_REF ${JSON.stringify(ref)} is not a tag (refs/tags/*); run on a tag push or set "tag" (or "image" with a tag)`,
      );
    if (!image) {
      const repository = (env.GITHUB_REPOSITORY ?? "").toLowerCase();
      if (!repository)
        throw new Error('cannot derive the image: input "image" is empty and GITHUB_REPOSITORY is not set');
      image = `ghcr.io/${repository}`;
    }
    image = `${image}:${tag}`;
    const parsed = parseImageReference(image);
    if (!parsed.ok)
      throw new Error(
        `the tag ${JSON.stringify(tag)} from ${tagSource} makes ${JSON.stringify(image)}, which is not a valid image reference: ${parsed.error}`,
      );
  }

  const waitText = (getInput(env, "wait") || "true").toLowerCase();
  if (!["true", "false"].includes(waitText))
    throw new Error(`input "wait" is ${JSON.stringify(waitText)}: it must be "true" or "false"`);
  const timeoutText = getInput(env, "timeout") || "10m";
  const timeoutMs = parseDuration(timeoutText);
  if (timeoutMs === undefined || timeoutMs <= 0)
    throw new Error(
      `input "timeout" is ${JSON.stringify(timeoutText)}: it must be a duration such as 90s, 10m or 1h30m`,
    );
  const failFastText = (getInput(env, "fail-fast") || "true").toLowerCase();
  if (!["true", "false"].includes(failFastText))
    throw new Error(`input "fail-fast" is ${JSON.stringify(failFastText)}: it must be "true" or "false"`);
  const graceText = getInput(env, "image-pull-grace") || "30s";
  const imagePullGraceMs = parseDuration(graceText);
  if (imagePullGraceMs === undefined)
    throw new Error(
      `input "image-pull-grace" is ${JSON.stringify(graceText)}: it must be a duration such as 0s, 30s or 2m`,
    );
  return {
    mode: mode as Mode,
    kind: kind as ProviderKind,
    name: getInput(env, "name"),
    image,
    manifest: getInput(env, "manifest"),
    kubeconfig: getInput(env, "kubeconfig"),
    context: getInput(env, "context"),
    wait: waitText === "true",
    timeoutMs,
    failFast: failFastText === "true",
    imagePullGraceMs,
    token: getInput(env, "token"),
    environment: getInput(env, "environment") || "openmcp-platform",
  };
}
