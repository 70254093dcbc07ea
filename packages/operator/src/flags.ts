import { parseArgs, type ParseArgsConfig } from "node:util";
import {
  FIELD_MANAGER_OPERATOR,
  INIT_JOB_BACKOFF_LIMIT,
  PROVIDER_KINDS,
  type ProviderKind,
} from "@openmcp-ts/contract";
import { parseLogLevel, type LogLevel } from "@openmcp-ts/kube";
import { DEFAULT_RECONCILE_OPTIONS } from "@openmcp-ts/reconciler";
import type { OperatorOptions } from "./operator-options.ts";

/** The reference Go operator's leader election ID (controller-runtime uses it as the Lease name). */
export const REFERENCE_LEASE = "github.com/openmcp-project/openmcp-operator";

export type Command = "init" | "run";

/** A command line the operator refuses (exit code 2), with what was wrong. */
export class UsageError extends Error {}

/**
 * One flag (or environment variable) of the operator: everything about it is here, and the usage
 * text, the parser's configuration and the defaults of `OperatorOptions` are derived from it.
 */
export interface FlagSpec {
  /** Long name without `--`; absent for a value read only from the environment. */
  name?: string;
  short?: string;
  /** The environment variable the value comes from (flags win where both exist). */
  env?: string;
  type: "string" | "boolean";
  /** The value as typed on the command line; the usage text shows it. */
  default?: string;
  /** Placeholder in the usage text, e.g. `N`. */
  value?: string;
  help: string;
  commands: readonly Command[];
  required?: boolean;
  /** Sets the parsed value on the options; throws a UsageError naming the flag when it is bad. */
  apply?: (options: CommandLineOptions, text: string, flag: string) => void;
}

/** What the command line yields: the operator's options plus what only `main` needs. */
export type CommandLineOptions = Partial<OperatorOptions> & {
  verbosity?: LogLevel;
  help?: boolean;
  resolveImageDigests?: boolean;
  imageResolveIntervalMs?: number;
  registryCaFile?: string;
};

type Target = keyof CommandLineOptions;
const set =
  <K extends Target>(key: K, parse: (text: string, flag: string) => CommandLineOptions[K]) =>
  (options: CommandLineOptions, text: string, flag: string): void => {
    options[key] = parse(text, flag);
  };
const text = (t: string): string => t;
const bool = (t: string): boolean => t === "true";
const nonEmpty = (t: string): string | undefined => (t === "" ? undefined : t);

export function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isInteger(n) || n < 1)
    throw new UsageError(`invalid value "${value}" for ${flag}: must be a whole number ≥ 1`);
  return n;
}

export function nonNegativeInt(value: string, flag: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isInteger(n) || n < 0)
    throw new UsageError(`invalid value "${value}" for ${flag}: must be a whole number ≥ 0`);
  return n;
}

function oneOf<T extends string>(allowed: readonly T[]) {
  return (value: string, flag: string): T => {
    if ((allowed as readonly string[]).includes(value)) return value as T;
    throw new UsageError(`invalid value "${value}" for ${flag}: must be one of ${allowed.join(", ")}`);
  };
}

/** `NAME` for every kind and/or `Kind=NAME` per kind, comma-separated. */
export function parseProviderClusterRoles(value: string): Partial<Record<ProviderKind, string>> {
  const flag = "--provider-cluster-role";
  const roles: Partial<Record<ProviderKind, string>> = {};
  let fallback: string | undefined;
  for (const item of value.split(",").map((s) => s.trim())) {
    const [kind, role] = item.includes("=") ? item.split("=", 2) : [undefined, item];
    if (!role || /[=\s/]/.test(role))
      throw new UsageError(`invalid value "${value}" for ${flag}: "${item}" names no ClusterRole`);
    if (kind === undefined) {
      if (fallback !== undefined)
        throw new UsageError(`invalid value "${value}" for ${flag}: more than one role for every kind`);
      fallback = role;
    } else if ((PROVIDER_KINDS as readonly string[]).includes(kind)) {
      roles[kind as ProviderKind] = role;
    } else {
      throw new UsageError(
        `invalid value "${value}" for ${flag}: unknown kind "${kind}", want ${PROVIDER_KINDS.join(", ")}`,
      );
    }
  }
  if (fallback === undefined) return roles;
  return Object.fromEntries(PROVIDER_KINDS.map((k) => [k, roles[k] ?? fallback]));
}

const BOTH = ["init", "run"] as const;
const RUN = ["run"] as const;

/** Every flag of the operator, once. */
export const FLAGS: readonly FlagSpec[] = [
  {
    name: "environment",
    type: "string",
    value: "NAME",
    required: true,
    help: "handed to every provider as --environment",
    commands: BOTH,
    apply: set("environment", text),
  },
  {
    name: "provider-name",
    type: "string",
    value: "NAME",
    help: "name of this operator's own provider resource, if any",
    commands: BOTH,
  },
  {
    name: "verbosity",
    short: "v",
    type: "string",
    value: "ERROR|INFO|DEBUG",
    default: "INFO",
    help: "log level; logs are JSON lines on stderr",
    commands: BOTH,
    apply: set("verbosity", (t, flag) => {
      const level = parseLogLevel(t);
      if (!level) throw new UsageError(`invalid value "${t}" for ${flag}: must be one of ERROR, INFO, DEBUG`);
      return level;
    }),
  },
  {
    name: "kubeconfig",
    type: "string",
    value: "PATH",
    help: "platform cluster kubeconfig (default: in-cluster service account)",
    commands: BOTH,
    apply: set("kubeconfig", nonEmpty),
  },
  {
    env: "POD_NAMESPACE",
    type: "string",
    required: true,
    help: "the system namespace all provider workloads go to",
    commands: RUN,
    apply: set("namespace", text),
  },
  {
    env: "POD_NAME",
    type: "string",
    help: "leader election identity (default: host name and a random suffix)",
    commands: RUN,
    apply: set("identity", nonEmpty),
  },
  {
    name: "leader-elect",
    type: "boolean",
    default: "false",
    help: "elect a leader on a Lease in POD_NAMESPACE; only the leader writes",
    commands: RUN,
    apply: set("leaderElect", bool),
  },
  {
    name: "leader-elect-lease-name",
    type: "string",
    value: "NAME",
    default: "openmcp-operator-ts",
    help: "name of that Lease",
    commands: RUN,
    apply: set("leaseName", text),
  },
  {
    name: "leader-elect-lease-duration",
    type: "string",
    value: "S",
    default: "15",
    help: "seconds a leader's lease is valid without renewal",
    commands: RUN,
    apply: set("leaseDurationSeconds", positiveInt),
  },
  {
    name: "metrics-bind-address",
    type: "string",
    value: "ADDR",
    default: "0",
    help: "Prometheus /metrics, e.g. :8080; 0 = off",
    commands: RUN,
    apply: set("metricsBindAddress", text),
  },
  {
    name: "health-probe-bind-address",
    type: "string",
    value: "ADDR",
    default: ":8081",
    help: "/healthz and /readyz; 0 = off",
    commands: RUN,
    apply: set("healthProbeBindAddress", text),
  },
  {
    name: "workers",
    type: "string",
    value: "N",
    default: "4",
    help: "concurrent reconciles per kind",
    commands: RUN,
    apply: set("workers", positiveInt),
  },
  {
    name: "pod-security",
    type: "string",
    value: "restricted|none",
    default: "restricted",
    help: "security context of provider pods",
    commands: BOTH,
    apply: set("securityContext", oneOf(["restricted", "none"] as const)),
  },
  {
    name: "provider-cluster-role",
    type: "string",
    value: "ROLES",
    help: "ClusterRole bound to provider service accounts: NAME for every kind, and/or KIND=NAME per kind, comma-separated, e.g. cluster-admin,ServiceProvider=openmcp-service-provider (default cluster-admin, as the reference)",
    commands: RUN,
    apply: set("providerClusterRoles", parseProviderClusterRoles),
  },
  {
    name: "max-init-attempts",
    type: "string",
    value: "N",
    default: String(DEFAULT_RECONCILE_OPTIONS.maxInitAttempts),
    help: "failed init Jobs before the provider is Stalled",
    commands: RUN,
    apply: set("maxInitAttempts", positiveInt),
  },
  {
    name: "init-backoff-limit",
    type: "string",
    value: "N",
    default: String(INIT_JOB_BACKOFF_LIMIT),
    help: "pod retries within one init Job, as the reference",
    commands: RUN,
    apply: set("initJobBackoffLimit", nonNegativeInt),
  },
  {
    name: "wait-for-lease",
    type: "string",
    value: "NAME",
    default: REFERENCE_LEASE,
    help: "do not write to providers while another operator holds this Lease in POD_NAMESPACE; go ahead once it is released or expires (default: the reference operator's leader election ID; empty: do not wait). A name with '/' cannot exist, so the default is never waited for: see the README",
    commands: RUN,
    apply: set("waitForLease", text),
  },
  {
    name: "take-over-field-managers",
    type: "string",
    value: "NAMES",
    default: FIELD_MANAGER_OPERATOR,
    help: "field managers whose Update-written fields on our objects become ours before we apply (as kubectl's csaupgrade), so a field removed from a spec is removed from the live object after a switch of operators (default: the reference operator's; empty: none)",
    commands: RUN,
    apply: set("takeOverFieldManagers", (t) =>
      t
        .split(",")
        .map((m) => m.trim())
        .filter((m) => m !== ""),
    ),
  },
  {
    name: "resolve-image-digests",
    type: "boolean",
    default: "false",
    help: "resolve spec.image tags to digests through the registry (with the provider's pull secrets) and deploy repository@sha256:...; status says what it resolved to, or why it could not (off: the tag is deployed)",
    commands: RUN,
    apply: set("resolveImageDigests", bool),
  },
  {
    name: "image-resolve-interval",
    type: "string",
    value: "SECONDS",
    default: "0",
    help: "with --resolve-image-digests: resolve again this often, so a moved tag is rolled out; 0: only on a spec change or the reconcile annotation",
    commands: RUN,
    apply: set("imageResolveIntervalMs", (t, flag) => nonNegativeInt(t, flag) * 1000),
  },
  {
    name: "registry-ca-file",
    type: "string",
    value: "PATH",
    help: "extra CA certificates (PEM) trusted for registries",
    commands: RUN,
    apply: set("registryCaFile", nonEmpty),
  },
  {
    name: "default-runtime-config",
    type: "string",
    value: "NAME",
    help: "ProviderRuntimeConfig for providers without the annotation openmcp.cloud/runtime-config (default none)",
    commands: RUN,
    apply: set("defaultRuntimeConfig", nonEmpty),
  },
  {
    name: "rollback",
    type: "string",
    value: "on|off",
    default: DEFAULT_RECONCILE_OPTIONS.rollback ? "on" : "off",
    help: "roll a new release whose init gives up or whose pods do not become ready back to the last good release (a provider opts out with the annotation openmcp.cloud/rollback: disabled)",
    commands: RUN,
    apply: set("rollback", (t, flag) => {
      if (t !== "on" && t !== "off")
        throw new UsageError(`invalid value "${t}" for ${flag}: must be on or off`);
      return t === "on";
    }),
  },
  {
    name: "rollout-deadline",
    type: "string",
    value: "SECONDS",
    default: String(DEFAULT_RECONCILE_OPTIONS.rolloutDeadlineMs / 1000),
    help: "a new release's pods not all ready after this long roll it back",
    commands: RUN,
    apply: set("rolloutDeadlineMs", (t, flag) => positiveInt(t, flag) * 1000),
  },
  {
    name: "rollout-failure-grace",
    type: "string",
    value: "SECONDS",
    default: String(DEFAULT_RECONCILE_OPTIONS.rolloutFailureGraceMs / 1000),
    help: "a crash loop or image-pull failure of a new release's pods rolls it back at once, but not before this much of its rollout has passed",
    commands: RUN,
    apply: set("rolloutFailureGraceMs", (t, flag) => nonNegativeInt(t, flag) * 1000),
  },
  {
    name: "help",
    short: "h",
    type: "boolean",
    default: "false",
    help: "print this text",
    commands: BOTH,
    apply: set("help", bool),
  },
];

/** The operator's options with every default of the table applied (bind addresses as the CLI has them). */
export function defaultOptions(command: Command = "run"): CommandLineOptions {
  const options: CommandLineOptions = {};
  for (const f of FLAGS) {
    if (f.default !== undefined && f.commands.includes(command))
      f.apply?.(options, f.default, f.name ? `--${f.name}` : (f.env ?? ""));
  }
  return options;
}

function wrap(textToWrap: string, width: number, indent: string): string {
  const lines: string[] = [];
  let line = "";
  for (const word of textToWrap.split(" ")) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.join(`\n${indent}`);
}

function usageLine(f: FlagSpec): string {
  const names = f.name
    ? `${f.short ? `-${f.short}, ` : ""}--${f.name}${f.value ? ` ${f.value}` : ""}`
    : (f.env ?? "");
  const notes = [
    f.required ? "required" : undefined,
    f.default !== undefined && f.type !== "boolean" && !f.help.includes("(default")
      ? `default ${f.default === "" ? '""' : f.default}`
      : undefined,
  ].filter((n) => n !== undefined);
  const help = notes.length > 0 ? `${f.help} (${notes.join("; ")})` : f.help;
  const column = 37;
  return `  ${names.padEnd(column - 3)} ${wrap(help, 100 - column, " ".repeat(column))}`;
}

/** The usage text, generated from FLAGS. */
export function usage(): string {
  const flags = FLAGS.filter((f) => f.name);
  const envs = FLAGS.filter((f) => !f.name && f.env);
  return [
    "Usage: openmcp-operator <init|run> [flags]",
    "",
    "Deploys openMCP providers (ClusterProvider, ServiceProvider, PlatformService): for each one an init",
    "Job (<image> init …), and after it succeeded a run Deployment (<image> run …).",
    "",
    "Commands:",
    "  init   Install or update the provider CRDs (server-side apply; safe to repeat and to run concurrently).",
    "  run    Run the provider controllers.",
    "",
    "Flags (both commands):",
    ...flags.filter((f) => f.commands.includes("init")).map(usageLine),
    "Flags (run):",
    ...flags.filter((f) => !f.commands.includes("init")).map(usageLine),
    "Environment (run):",
    ...envs.map(usageLine),
    "",
    "Exit codes: 0 clean shutdown, 1 runtime failure, 2 bad arguments.",
  ].join("\n");
}

function parserConfig(): NonNullable<ParseArgsConfig["options"]> {
  return Object.fromEntries(
    FLAGS.filter((f) => f.name).map((f) => [
      f.name!,
      { type: f.type, ...(f.short ? { short: f.short } : {}) },
    ]),
  );
}

/**
 * The command and its options from argv and the environment, defaults from FLAGS; throws a
 * UsageError for anything the operator cannot run with.
 */
export function parseCommandLine(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): { command: Command | undefined; options: CommandLineOptions } {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: parserConfig() });
  } catch (err) {
    throw new UsageError((err as Error).message, { cause: err });
  }
  const { values, positionals } = parsed;
  const first = positionals[0];
  if (values.help === true || first === undefined)
    return { command: undefined, options: { help: values.help === true } };
  if (first !== "init" && first !== "run")
    throw new UsageError(`unknown command "${first}": want init or run`);
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);
  const command: Command = first;
  const options = defaultOptions(command);
  for (const f of FLAGS) {
    const given = f.name ? values[f.name] : undefined;
    const raw = given !== undefined ? String(given) : f.env ? env[f.env] : undefined;
    const label = f.name ? `--${f.name}` : `environment variable ${f.env}`;
    if (raw === undefined || (raw === "" && f.required)) {
      if (f.required && f.commands.includes(command)) {
        throw new UsageError(
          f.name
            ? `missing required flag --${f.name}`
            : `${label} is not set: it names ${f.help.replace(/^the /, "the ")}`,
        );
      }
      continue;
    }
    if (!f.commands.includes(command)) continue;
    f.apply?.(options, raw, label);
  }
  return { command, options };
}
