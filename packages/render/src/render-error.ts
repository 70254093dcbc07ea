import type { RenderProblem, RenderProblemType } from "@openmcp-ts/contract";

export interface RenderErrorOptions extends ErrorOptions {
  /** The kind of object that could not be rendered, e.g. `Job`. */
  objectKind?: string;
  providerKind?: string;
  providerName?: string;
  path?: string;
}

/**
 * Thrown for input the renderer cannot turn into valid objects (a clash in env names, a missing
 * name, an unknown kind). It is a `RenderProblem`: the reconciler turns its `type` into a terminal
 * condition rather than a retry.
 */
export class RenderError extends Error implements RenderProblem {
  override name = "RenderError";
  readonly type: RenderProblemType;
  readonly path: string | undefined;
  readonly objectKind: string | undefined;
  readonly providerKind: string | undefined;
  readonly providerName: string | undefined;

  constructor(type: RenderProblemType, message: string, options: RenderErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.type = type;
    this.path = options.path;
    this.objectKind = options.objectKind;
    this.providerKind = options.providerKind;
    this.providerName = options.providerName;
  }
}

/** `cannot render Job for ServiceProvider "x": <detail>`, the house error shape. */
export function newRenderError(
  objectKind: string,
  provider: { kind: string; metadata: { name?: string | undefined } },
  type: RenderProblemType,
  detail: string,
  path?: string,
): RenderError {
  const name = provider.metadata.name ?? "";
  return new RenderError(type, `cannot render ${objectKind} for ${provider.kind} "${name}": ${detail}`, {
    objectKind,
    providerKind: provider.kind,
    providerName: name,
    ...(path === undefined ? {} : { path }),
  });
}
