/**
 * Problems are typed data, as apimachinery's `field.ErrorList`: a path, a reason constant and a
 * message; callers switch on the reason, never on the message text.
 */

/** One thing wrong with an object; `message` names the field and the value. */
export interface FieldProblem {
  /** Dotted path with indices, e.g. `spec.env[2].name`; empty for the object itself. */
  path: string;
  /** The offending value, when there is one (absent for missing fields). */
  value?: unknown;
  /** CamelCase, one of FIELD_PROBLEM_REASONS. */
  reason: FieldProblemReason;
  message: string;
}

export const FIELD_PROBLEM_REASONS = {
  Required: "Required",
  InvalidType: "InvalidType",
  InvalidName: "InvalidName",
  NameTooLong: "NameTooLong",
  InvalidImage: "InvalidImage",
  NotSupported: "NotSupported",
  OutOfRange: "OutOfRange",
  TooMany: "TooMany",
  Duplicate: "Duplicate",
  Reserved: "Reserved",
  NotFound: "NotFound",
  Invalid: "Invalid",
} as const;
export type FieldProblemReason = (typeof FIELD_PROBLEM_REASONS)[keyof typeof FIELD_PROBLEM_REASONS];

/** A problem found by a check, before the walker places it: `path` is relative to the checked node. */
export interface Finding {
  /** Relative path (`name`, `extraVolumeMounts[1].name`); empty or absent for the node itself. */
  path?: string;
  reason: FieldProblemReason;
  /** What is wrong, as it follows `<path>: ` in the message. */
  detail: string;
  value?: unknown;
}

/** `a` + `b` as a field path: `spec` + `env[0]` → `spec.env[0]`, `spec.env` + `[0]` → `spec.env[0]`. */
export function joinPath(base: string, rel: string): string {
  if (rel === "") return base;
  if (base === "") return rel;
  return rel.startsWith("[") ? `${base}${rel}` : `${base}.${rel}`;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

/** JSON, shortened so that a huge value cannot swamp a condition message. */
export function show(value: unknown): string {
  // JSON has no NaN or Infinity (it writes null); say what the value is.
  const text =
    typeof value === "number" && !Number.isFinite(value)
      ? String(value)
      : (JSON.stringify(value) ?? String(value));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** `got string "x"`, `got object`: the type, and the value when it is short enough to matter. */
export function gotValue(value: unknown): string {
  return `got ${typeName(value)}${value === null || isRecord(value) || Array.isArray(value) ? "" : ` ${show(value)}`}`;
}

/**
 * One line for all problems, joined with "; ", so that the result fits a condition message, an
 * error message or a log field as it is.
 */
export function formatProblems(problems: readonly FieldProblem[]): string {
  return problems.map((p) => p.message).join("; ");
}
