import {
  API_VERSION,
  MAX_RUN_REPLICAS,
  PROVIDER_KIND_INFO,
  PROVIDER_KINDS,
  RESERVED_ENV_NAMES,
  VERBOSITIES,
  type ProviderKind,
} from "../constants.ts";
import { parseImageReference } from "../naming/image-reference.ts";
import {
  DNS1123_LABEL_MAX_LENGTH,
  ENV_NAME_MAX_LENGTH,
  MOUNT_PATH_MAX_LENGTH,
  MOUNT_PROPAGATION_MODES,
  RECURSIVE_READ_ONLY_MODES,
  isDns1123Label,
  isDns1123Subdomain,
  isEnvVarName,
} from "../naming/kube-names.ts";

/** One thing wrong with a provider object; `message` names the field and the value. */
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
  Duplicate: "Duplicate",
  Reserved: "Reserved",
  NotFound: "NotFound",
  Invalid: "Invalid",
} as const;
export type FieldProblemReason = (typeof FIELD_PROBLEM_REASONS)[keyof typeof FIELD_PROBLEM_REASONS];

export const TOPOLOGY_WHEN_UNSATISFIABLE = ["DoNotSchedule", "ScheduleAnyway"] as const;
export const MIN_PORT = 1;
export const MAX_PORT = 65535;

const INIT_SUFFIX = "-init";

/**
 * The longest provider name whose generated objects all get valid names: the init Job
 * `<p>-<name>-init` must fit a DNS-1123 label (63). The run container `<p>-<name>` and the label
 * values are shorter; metrics Service and webhook Secret names are shortened by design.
 * Without a kind, the limit that holds for every kind.
 */
export function maxProviderNameLength(kind?: ProviderKind): number {
  const kinds = kind === undefined ? PROVIDER_KINDS : [kind];
  return Math.min(
    ...kinds.map(
      (k) => DNS1123_LABEL_MAX_LENGTH - PROVIDER_KIND_INFO[k].prefix.length - 1 - INIT_SUFFIX.length,
    ),
  );
}

type Add = (path: string, reason: FieldProblemReason, detail: string, value?: unknown) => void;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

/** JSON, shortened so that a huge value cannot swamp a condition message. */
function show(value: unknown): string {
  // JSON has no NaN or Infinity (it writes null); say what the value is.
  const text =
    typeof value === "number" && !Number.isFinite(value)
      ? String(value)
      : (JSON.stringify(value) ?? String(value));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function gotValue(value: unknown): string {
  return `got ${typeName(value)}${value === null || isRecord(value) || Array.isArray(value) ? "" : ` ${show(value)}`}`;
}

/** Checks for a non-empty string; reports and returns undefined otherwise. */
function requireString(add: Add, path: string, value: unknown): string | undefined {
  if (value === undefined) {
    add(path, "Required", "is required");
    return undefined;
  }
  if (typeof value !== "string") {
    add(path, "InvalidType", `must be a string, ${gotValue(value)}`, value);
    return undefined;
  }
  if (value === "") {
    add(path, "Required", "must not be empty", value);
    return undefined;
  }
  return value;
}

/** Returns the items of an optional list, or undefined (and reports) if it is not a list. */
function optionalList(add: Add, path: string, value: unknown): unknown[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) {
    add(path, "InvalidType", `must be a list, ${gotValue(value)}`, value);
    return undefined;
  }
  return value as unknown[];
}

/** Calls `check` for each item that is an object; reports the others. */
function eachRecord(
  add: Add,
  path: string,
  value: unknown,
  check: (item: Record<string, unknown>, itemPath: string) => void,
): void {
  optionalList(add, path, value)?.forEach((item, i) => {
    const itemPath = `${path}[${i}]`;
    if (isRecord(item)) check(item, itemPath);
    else add(itemPath, "InvalidType", `must be an object, ${gotValue(item)}`, item);
  });
}

function checkInteger(add: Add, path: string, value: unknown, min: number, max?: number): void {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    add(path, "InvalidType", `must be an integer, ${gotValue(value)}`, value);
  } else if (value < min || (max !== undefined && value > max)) {
    const range = max === undefined ? `at least ${min}` : `between ${min} and ${max}`;
    add(path, "OutOfRange", `${value} is out of range: must be ${range}`, value);
  }
}

/** Reports a value seen before at another path of the same list. */
function trackUnique(add: Add, seen: Map<string, string>, path: string, value: string): void {
  const first = seen.get(value);
  if (first === undefined) seen.set(value, path);
  else add(path, "Duplicate", `${show(value)} is already used by ${first}`, value);
}

function checkName(add: Add, name: unknown, kind: ProviderKind | undefined): void {
  const path = "metadata.name";
  const value = requireString(add, path, name);
  if (value === undefined) return;
  const prefix = kind === undefined ? "<p>" : PROVIDER_KIND_INFO[kind].prefix;
  if (!isDns1123Subdomain(value)) {
    add(
      path,
      "InvalidName",
      `${show(value)} must be a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit`,
      value,
    );
  } else if (value.includes(".")) {
    add(
      path,
      "InvalidName",
      `${show(value)} must not contain '.': the run container is named "${prefix}-${value}", which must be a DNS-1123 label`,
      value,
    );
  }
  const max = maxProviderNameLength(kind);
  if (value.length > max) {
    add(
      path,
      "NameTooLong",
      `${show(value)} is ${value.length} characters long, at most ${max} are allowed so that the init Job name "${prefix}-<name>-init" fits ${DNS1123_LABEL_MAX_LENGTH} characters`,
      value,
    );
  }
}

function checkKind(
  add: Add,
  provider: Record<string, unknown>,
  kind: ProviderKind | undefined,
): ProviderKind | undefined {
  if (provider.apiVersion !== undefined && provider.apiVersion !== API_VERSION) {
    add(
      "apiVersion",
      "Invalid",
      `${show(provider.apiVersion)} must be "${API_VERSION}"`,
      provider.apiVersion,
    );
  }
  const given = provider.kind;
  if (given === undefined) return kind;
  if (typeof given !== "string" || !(PROVIDER_KINDS as readonly string[]).includes(given)) {
    add("kind", "NotSupported", `${show(given)} must be one of ${PROVIDER_KINDS.join(", ")}`, given);
    return kind;
  }
  if (kind !== undefined && given !== kind) {
    add("kind", "Invalid", `${show(given)} does not match the expected kind "${kind}"`, given);
    return kind;
  }
  return given as ProviderKind;
}

function checkImage(add: Add, image: unknown): void {
  const value = requireString(add, "spec.image", image);
  if (value === undefined) return;
  const parsed = parseImageReference(value);
  if (!parsed.ok)
    add(
      "spec.image",
      "InvalidImage",
      `${show(value)} is not a valid image reference: ${parsed.error}`,
      value,
    );
}

function checkEnv(add: Add, env: unknown): void {
  const seen = new Map<string, string>();
  eachRecord(add, "spec.env", env, (item, path) => {
    const name = requireString(add, `${path}.name`, item.name);
    if (name !== undefined) {
      if (!isEnvVarName(name)) {
        add(
          `${path}.name`,
          "Invalid",
          `${show(name)} is not a valid environment variable name: use printable ASCII characters other than '='`,
          name,
        );
      }
      if (name.length > ENV_NAME_MAX_LENGTH) {
        add(
          `${path}.name`,
          "NameTooLong",
          `is ${name.length} characters long, at most ${ENV_NAME_MAX_LENGTH} are allowed`,
          name,
        );
      }
      if (RESERVED_ENV_NAMES.includes(name)) {
        add(
          `${path}.name`,
          "Reserved",
          `${show(name)} is reserved: the operator sets it from the downward API`,
          name,
        );
      } else {
        trackUnique(add, seen, `${path}.name`, name);
      }
    }
    if (item.value !== undefined && typeof item.value !== "string") {
      add(`${path}.value`, "InvalidType", `must be a string, ${gotValue(item.value)}`, item.value);
    }
    if (item.valueFrom !== undefined) {
      add(
        `${path}.valueFrom`,
        "NotSupported",
        "is not supported: only literal values can be set",
        item.valueFrom,
      );
    }
  });
}

function checkStringList(add: Add, path: string, value: unknown): void {
  optionalList(add, path, value)?.forEach((item, i) => {
    if (typeof item !== "string")
      add(`${path}[${i}]`, "InvalidType", `must be a string, ${gotValue(item)}`, item);
  });
}

function checkVolumes(add: Add, volumes: unknown, mounts: unknown): void {
  const volumeNames = new Map<string, string>();
  eachRecord(add, "spec.extraVolumes", volumes, (item, path) => {
    const name = requireString(add, `${path}.name`, item.name);
    if (name === undefined) return;
    if (!isDns1123Label(name)) {
      add(`${path}.name`, "InvalidName", `${show(name)} must be a DNS-1123 label`, name);
    }
    trackUnique(add, volumeNames, `${path}.name`, name);
  });
  const mountPaths = new Map<string, string>();
  eachRecord(add, "spec.extraVolumeMounts", mounts, (item, path) => {
    const name = requireString(add, `${path}.name`, item.name);
    if (name !== undefined && !volumeNames.has(name)) {
      add(
        `${path}.name`,
        "NotFound",
        `${show(name)} does not match the name of any entry of spec.extraVolumes`,
        name,
      );
    }
    if (item.readOnly !== undefined && typeof item.readOnly !== "boolean")
      add(`${path}.readOnly`, "InvalidType", `must be a boolean, ${gotValue(item.readOnly)}`, item.readOnly);
    checkEnum(add, `${path}.mountPropagation`, item.mountPropagation, MOUNT_PROPAGATION_MODES);
    checkEnum(add, `${path}.recursiveReadOnly`, item.recursiveReadOnly, RECURSIVE_READ_ONLY_MODES);
    const mountPath = requireString(add, `${path}.mountPath`, item.mountPath);
    if (mountPath === undefined) return;
    if (mountPath.length > MOUNT_PATH_MAX_LENGTH) {
      add(
        `${path}.mountPath`,
        "Invalid",
        `is ${mountPath.length} characters long, at most ${MOUNT_PATH_MAX_LENGTH} are allowed`,
        mountPath,
      );
    }
    if (!mountPath.startsWith("/")) {
      add(`${path}.mountPath`, "Invalid", `${show(mountPath)} must be an absolute path`, mountPath);
    }
    trackUnique(add, mountPaths, `${path}.mountPath`, mountPath);
  });
}

function checkEnum(add: Add, path: string, value: unknown, allowed: readonly string[]): void {
  if (value === undefined) return;
  if (typeof value !== "string" || !allowed.includes(value))
    add(path, "NotSupported", `${show(value)} is not supported: use one of ${allowed.join(", ")}`, value);
}

function checkTopology(add: Add, constraints: unknown): void {
  const keys = new Map<string, string>();
  eachRecord(add, "spec.topologySpreadConstraints", constraints, (item, path) => {
    const key = requireString(add, `${path}.topologyKey`, item.topologyKey);
    if (key !== undefined) trackUnique(add, keys, `${path}.topologyKey`, key);
    if (item.maxSkew === undefined) add(`${path}.maxSkew`, "Required", "is required");
    else checkInteger(add, `${path}.maxSkew`, item.maxSkew, 1);
    const when = requireString(add, `${path}.whenUnsatisfiable`, item.whenUnsatisfiable);
    if (when !== undefined && !(TOPOLOGY_WHEN_UNSATISFIABLE as readonly string[]).includes(when)) {
      add(
        `${path}.whenUnsatisfiable`,
        "NotSupported",
        `${show(when)} must be one of ${TOPOLOGY_WHEN_UNSATISFIABLE.join(", ")}`,
        when,
      );
    }
  });
}

function checkMetrics(add: Add, metrics: unknown): void {
  if (metrics === undefined || metrics === null) return;
  if (!isRecord(metrics)) {
    add("spec.metrics", "InvalidType", `must be an object, ${gotValue(metrics)}`, metrics);
    return;
  }
  if (metrics.disabled !== undefined && typeof metrics.disabled !== "boolean") {
    add(
      "spec.metrics.disabled",
      "InvalidType",
      `must be a boolean, ${gotValue(metrics.disabled)}`,
      metrics.disabled,
    );
  }
  if (metrics.port !== undefined) checkInteger(add, "spec.metrics.port", metrics.port, MIN_PORT, MAX_PORT);
  if (metrics.path !== undefined) {
    // As the reference's CRD, any string; render puts a missing leading "/" in front.
    if (typeof metrics.path !== "string") {
      add("spec.metrics.path", "InvalidType", `must be a string, ${gotValue(metrics.path)}`, metrics.path);
    }
  }
}

function checkSpec(add: Add, spec: Record<string, unknown>): void {
  checkImage(add, spec.image);
  eachRecord(add, "spec.imagePullSecrets", spec.imagePullSecrets, (item, path) => {
    const name = requireString(add, `${path}.name`, item.name);
    if (name !== undefined && !isDns1123Subdomain(name)) {
      add(
        `${path}.name`,
        "InvalidName",
        `${show(name)} is not a valid Secret name (a DNS-1123 subdomain)`,
        name,
      );
    }
  });
  checkStringList(add, "spec.initCommand", spec.initCommand);
  checkStringList(add, "spec.runCommand", spec.runCommand);
  checkEnv(add, spec.env);
  if (spec.verbosity !== undefined) {
    if (typeof spec.verbosity !== "string" || !(VERBOSITIES as readonly string[]).includes(spec.verbosity)) {
      add(
        "spec.verbosity",
        "NotSupported",
        `${show(spec.verbosity)} must be one of ${VERBOSITIES.join(", ")}`,
        spec.verbosity,
      );
    }
  }
  if (spec.runReplicas !== undefined)
    checkInteger(add, "spec.runReplicas", spec.runReplicas, 1, MAX_RUN_REPLICAS);
  checkVolumes(add, spec.extraVolumes, spec.extraVolumeMounts);
  checkTopology(add, spec.topologySpreadConstraints);
  checkMetrics(add, spec.metrics);
}

/**
 * Checks a provider object (ClusterProvider, ServiceProvider or PlatformService) as a user wrote it
 * or as the API server returned it, and returns every problem at once (empty: valid). It covers what
 * the CRD schema enforces plus what the reference only finds out when object creation fails (name
 * lengths, dots in names, reserved env names, mounts of unknown volumes). `kind` defaults to the
 * object's own `kind`; without either, the name limit that holds for every kind applies.
 */
export function validateProvider(provider: unknown, kind?: ProviderKind): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const add: Add = (path, reason, detail, ...value) => {
    const problem: FieldProblem = { path, reason, message: path === "" ? detail : `${path}: ${detail}` };
    if (value[0] !== undefined) problem.value = value[0];
    problems.push(problem);
  };
  if (!isRecord(provider)) {
    add("", "InvalidType", `provider must be an object, ${gotValue(provider)}`, provider);
    return problems;
  }
  const effectiveKind = checkKind(add, provider, kind);
  const metadata = provider.metadata;
  if (metadata === undefined) add("metadata", "Required", "is required");
  else if (!isRecord(metadata))
    add("metadata", "InvalidType", `must be an object, ${gotValue(metadata)}`, metadata);
  else checkName(add, metadata.name, effectiveKind);
  const spec = provider.spec;
  if (spec === undefined) add("spec", "Required", "is required");
  else if (!isRecord(spec)) add("spec", "InvalidType", `must be an object, ${gotValue(spec)}`, spec);
  else checkSpec(add, spec);
  return problems;
}

/**
 * One line for all problems, joined with "; ", so that the result fits a condition message, an
 * error message or a log field as it is.
 */
export function formatProblems(problems: readonly FieldProblem[]): string {
  return problems.map((p) => p.message).join("; ");
}
