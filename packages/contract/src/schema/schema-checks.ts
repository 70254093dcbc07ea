/**
 * What the validator and the type generator need beyond JSONSchemaProps, attached to schema nodes
 * under symbol keys: JSON and YAML output skip symbols, so none of it reaches a CRD.
 */
import type { FieldProblemReason, Finding } from "./field-problem.ts";

/** Key of a node's {@link FieldChecks}. */
export const FIELD_CHECKS: unique symbol = Symbol("openmcp.fieldChecks");
/** Key of the TS predicate beside a CEL rule ({@link RuleCheck}). */
export const RULE_CHECK: unique symbol = Symbol("openmcp.ruleCheck");

/** Checks a value (the node's `self`); returns what is wrong, [] when nothing. */
export type Predicate = (self: unknown) => Finding[];

export interface FieldChecks {
  /** Name of the generated TS type for this object node; inline when absent. */
  typeName?: string;
  /** Reason and detail when `pattern` fails (default: Invalid, "must match <pattern>"). */
  pattern?: { reason: FieldProblemReason; detail: (value: string) => string };
  /** Reason when `maxLength` fails (default: Invalid). */
  tooLong?: FieldProblemReason;
  /**
   * Checks no CRD keyword or rule can hold, each with why: what the API server checks outside the
   * CRD (ObjectMeta), or what it would drop silently from a field the schema does not declare.
   */
  extra?: { why: string; check: Predicate }[];
}

/** The TS twin of one CEL rule, with examples both must agree on. */
export interface RuleCheck {
  check: Predicate;
  /** `self` values the rule admits and rejects; the schema-derived test runs the predicate on them. */
  examples: { valid: unknown[]; invalid: unknown[] };
}
