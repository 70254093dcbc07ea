/**
 * Validation that walks a CRD schema: types, required, enums, bounds, patterns, list-map keys, the
 * TS predicates beside the CEL rules and the extra checks of {@link FieldChecks}. What the API server
 * does, in its order: defaults first (a required field with a default is never missing), null reads
 * as absent (the server drops nulls of non-nullable fields), then each node before its children.
 */
import type { JsonSchemaProps } from "./crd-schema.ts";
import {
  gotValue,
  isRecord,
  joinPath,
  show,
  type FieldProblem,
  type FieldProblemReason,
  type Finding,
} from "./field-problem.ts";
import { FIELD_CHECKS, RULE_CHECK } from "./schema-checks.ts";

type Add = (path: string, finding: Finding) => void;

const TYPE_WORDS: Record<NonNullable<JsonSchemaProps["type"]>, string> = {
  object: "an object",
  array: "a list",
  string: "a string",
  integer: "an integer",
  number: "a number",
  boolean: "a boolean",
};

function hasType(type: JsonSchemaProps["type"], value: unknown): boolean {
  switch (type) {
    case undefined:
      return true;
    case "object":
      return isRecord(value);
    case "array":
      return Array.isArray(value);
    case "string":
      return typeof value === "string";
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "boolean":
      return typeof value === "boolean";
  }
}

function range(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return `between ${min} and ${max}`;
  return min !== undefined ? `at least ${min}` : `at most ${String(max)}`;
}

/** The node's own keywords; the first that fails is the node's one problem. */
function checkKeywords(schema: JsonSchemaProps, value: unknown): Finding | undefined {
  const checks = schema[FIELD_CHECKS];
  if (typeof value === "string") {
    if (schema.minLength !== undefined && value.length < schema.minLength) {
      return schema.minLength === 1
        ? { reason: "Required", detail: "must not be empty", value }
        : { reason: "Invalid", detail: `must be at least ${schema.minLength} characters long`, value };
    }
    if (schema.maxLength !== undefined && value.length > schema.maxLength) {
      const detail = `is ${value.length} characters long, at most ${schema.maxLength} are allowed`;
      return { reason: checks?.tooLong ?? "Invalid", detail, value };
    }
    if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) {
      const pattern = checks?.pattern;
      return pattern === undefined
        ? { reason: "Invalid", detail: `${show(value)} must match ${schema.pattern}`, value }
        : { reason: pattern.reason, detail: pattern.detail(value), value };
    }
  }
  if (typeof value === "number") {
    const { minimum: min, maximum: max } = schema;
    if ((min !== undefined && value < min) || (max !== undefined && value > max)) {
      return { reason: "OutOfRange", detail: `${value} is out of range: must be ${range(min, max)}`, value };
    }
  }
  if (Array.isArray(value)) {
    if (schema.maxItems !== undefined && value.length > schema.maxItems) {
      return {
        reason: "TooMany",
        detail: `has ${value.length} items, at most ${schema.maxItems} are allowed`,
      };
    }
    if (schema.minItems !== undefined && value.length < schema.minItems) {
      return {
        reason: "Invalid",
        detail: `has ${value.length} items, at least ${schema.minItems} are needed`,
      };
    }
  }
  if (schema.enum !== undefined && !schema.enum.includes(value as string | number | boolean)) {
    return {
      reason: "NotSupported",
      detail: `${show(value)} must be one of ${schema.enum.join(", ")}`,
      value,
    };
  }
  return undefined;
}

function walk(schema: JsonSchemaProps, value: unknown, path: string, add: Add): void {
  if (!hasType(schema.type, value)) {
    const words = schema.type === undefined ? "" : TYPE_WORDS[schema.type];
    add(path, { reason: "InvalidType", detail: `must be ${words}, ${gotValue(value)}`, value });
    return;
  }
  const own = checkKeywords(schema, value);
  if (own !== undefined) {
    add(path, own);
    return;
  }
  for (const extra of schema[FIELD_CHECKS]?.extra ?? []) for (const f of extra.check(value)) add(path, f);
  for (const rule of schema["x-kubernetes-validations"] ?? []) {
    for (const f of rule[RULE_CHECK]?.check(value) ?? []) add(path, f);
  }
  if (isRecord(value)) walkProperties(schema, value, path, add);
  else if (Array.isArray(value) && schema.items !== undefined)
    walkItems(schema, schema.items, value, path, add);
}

function walkProperties(
  schema: JsonSchemaProps,
  value: Record<string, unknown>,
  path: string,
  add: Add,
): void {
  const required = new Set(schema.required ?? []);
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    const childPath = joinPath(path, key);
    const item = value[key];
    if (item === undefined || item === null) {
      if (required.has(key) && child.default === undefined)
        add(childPath, { reason: "Required", detail: "is required" });
      continue;
    }
    walk(child, item, childPath, add);
  }
}

function walkItems(
  list: JsonSchemaProps,
  items: JsonSchemaProps,
  value: unknown[],
  path: string,
  add: Add,
): void {
  const keys = list["x-kubernetes-list-type"] === "map" ? (list["x-kubernetes-list-map-keys"] ?? []) : [];
  const seen = new Map(keys.map((key) => [key, new Map<unknown, string>()]));
  value.forEach((item, i) => {
    const itemPath = `${path}[${i}]`;
    walk(items, item, itemPath, add);
    if (!isRecord(item)) return;
    for (const key of keys) {
      const keyValue = item[key];
      if (typeof keyValue !== "string" && typeof keyValue !== "number") continue;
      const first = seen.get(key)!.get(keyValue);
      if (first === undefined) seen.get(key)!.set(keyValue, `${itemPath}.${key}`);
      else
        add(`${itemPath}.${key}`, {
          reason: "Duplicate",
          detail: `${show(keyValue)} is already used by ${first}`,
          value: keyValue,
        });
    }
  });
}

/** Every problem of `value` against `schema`, in schema order; `path` prefixes the paths. */
export function validateAgainstSchema(schema: JsonSchemaProps, value: unknown, path = ""): FieldProblem[] {
  const problems: FieldProblem[] = [];
  walk(schema, value, path, (base, finding) => problems.push(toProblem(base, finding)));
  return problems;
}

export function toProblem(base: string, finding: Finding): FieldProblem {
  const path = joinPath(base, finding.path ?? "");
  const problem: FieldProblem = {
    path,
    reason: finding.reason satisfies FieldProblemReason,
    message: path === "" ? finding.detail : `${path}: ${finding.detail}`,
  };
  if (finding.value !== undefined) problem.value = finding.value;
  return problem;
}
