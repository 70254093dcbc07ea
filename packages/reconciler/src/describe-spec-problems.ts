import { FIELD_PROBLEM_REASONS, RENDER_PROBLEM_TYPES } from "@openmcp-ts/contract";
import type { RenderFailure, SpecProblem } from "./reconcile-types.ts";

export interface SpecProblemSummary {
  /** One line naming each field and value. */
  message: string;
  /**
   * The reference's one invalid-spec case: an env name that clashes with one the operator sets
   * (`environment variable is not unique: POD_NAMESPACE`), reported as `InitJobCreationFailed`.
   */
  envClash: boolean;
  /** A render error, which may depend on cluster state rather than on the spec alone. */
  renderError: boolean;
}

const ENV_NAME_PATH = /^spec\.env\[\d+\]\.name$/;
/** The reference's wording, which users may search logs for. */
const ENV_CLASH_TEXT = "environment variable is not unique";
const ENV_CLASH_REASONS: readonly string[] = [
  FIELD_PROBLEM_REASONS.Reserved,
  FIELD_PROBLEM_REASONS.Duplicate,
];

function isRenderFailure(problems: readonly SpecProblem[] | RenderFailure): problems is RenderFailure {
  return !Array.isArray(problems);
}

/**
 * Undefined when there is nothing wrong. Validation problems keep their own messages (which name
 * path and value); a reserved or duplicate env name is prefixed with the reference's wording.
 */
export function describeSpecProblems(
  problems: readonly SpecProblem[] | RenderFailure | undefined,
): SpecProblemSummary | undefined {
  if (problems === undefined) return undefined;
  if (isRenderFailure(problems)) {
    return {
      message: problems.message,
      envClash: problems.type === RENDER_PROBLEM_TYPES.EnvNotUnique,
      renderError: true,
    };
  }
  if (problems.length === 0) return undefined;
  let envClash = false;
  const lines = problems.map((p) => {
    if (ENV_NAME_PATH.test(p.path) && ENV_CLASH_REASONS.includes(p.reason)) {
      envClash = true;
      return `${ENV_CLASH_TEXT}: ${typeof p.value === "string" ? p.value : String(p.value)} (${p.message})`;
    }
    return p.message;
  });
  return { message: `invalid spec: ${lines.join("; ")}`, envClash, renderError: false };
}
