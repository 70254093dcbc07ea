/**
 * Kinds of problem that rendering finds and validation cannot (clashes with what the operator adds,
 * objects that never went through validation). Render throws them in a `RenderError`; the
 * reconciler switches on the type, never on the message.
 */
export const RENDER_PROBLEM_TYPES = {
  /** An env name given twice or one the operator sets (the reference: "environment variable is not unique"). */
  EnvNotUnique: "EnvNotUnique",
  VolumeNotUnique: "VolumeNotUnique",
  MountPathNotUnique: "MountPathNotUnique",
  /** A volume or mount where the operator puts the webhook certificate while its Secret exists. */
  WebhookClash: "WebhookClash",
  NameMissing: "NameMissing",
  KindUnknown: "KindUnknown",
  SpecMissing: "SpecMissing",
} as const;
export type RenderProblemType = (typeof RENDER_PROBLEM_TYPES)[keyof typeof RENDER_PROBLEM_TYPES];

/** A render failure as data: what the shell hands the reconciler (a `RenderError` is one). */
export interface RenderProblem {
  type: RenderProblemType;
  /** Field path of the cause when there is one, e.g. `spec.extraVolumes[0].name`. */
  path?: string | undefined;
  /** Names what was attempted and why it failed. */
  message: string;
}
