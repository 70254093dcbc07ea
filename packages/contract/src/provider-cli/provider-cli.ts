/**
 * The provider side of the deployment contract: how a provider binary reads the arguments and
 * environment the operator gives it (`init|run --environment=… --verbosity=… --provider-name=…`,
 * plus run-only flags, plus the POD_* variables). Flags follow pflag, as Go providers do:
 * `--flag=value` and `--flag value`, bool flags alone or `=true|false`, the last occurrence wins.
 */

export const PROVIDER_SUBCOMMANDS = ["init", "run"] as const;
export type ProviderSubcommand = (typeof PROVIDER_SUBCOMMANDS)[number];

/** Normalized log levels; the flag accepts them in any case. */
export const PROVIDER_LOG_LEVELS = ["ERROR", "INFO", "DEBUG"] as const;
export type ProviderLogLevel = (typeof PROVIDER_LOG_LEVELS)[number];

/** Defaults of the run-only flags, those of kubebuilder-scaffolded providers. */
export const RUN_FLAG_DEFAULTS = {
  leaderElect: false,
  /** "0" switches the metrics endpoint off. */
  metricsBindAddress: "0",
  metricsSecure: true,
  healthProbeBindAddress: ":8081",
} as const;

/** The POD_* variables set by the operator; undefined when unset or empty (e.g. when run locally). */
export interface PodInfo {
  name: string | undefined;
  namespace: string | undefined;
  ip: string | undefined;
  serviceAccountName: string | undefined;
}

interface InvocationCommon {
  environment: string;
  providerName: string;
  verbosity: ProviderLogLevel;
  pod: PodInfo;
}

export interface InitInvocation extends InvocationCommon {
  command: "init";
}

export interface RunInvocation extends InvocationCommon {
  command: "run";
  leaderElect: boolean;
  metricsBindAddress: string;
  metricsSecure: boolean;
  healthProbeBindAddress: string;
}

export type ProviderInvocation = InitInvocation | RunInvocation;

export type ParseProviderArgsResult =
  | { ok: true; value: ProviderInvocation }
  | { ok: false; help: true; text: string }
  | { ok: false; help: false; error: string };

type FlagName =
  | "environment"
  | "provider-name"
  | "verbosity"
  | "leader-elect"
  | "metrics-bind-address"
  | "metrics-secure"
  | "health-probe-bind-address";

interface FlagSpec {
  type: "string" | "bool";
  runOnly: boolean;
  short?: string;
}

const FLAGS: Record<FlagName, FlagSpec> = {
  environment: { type: "string", runOnly: false },
  "provider-name": { type: "string", runOnly: false },
  verbosity: { type: "string", runOnly: false, short: "v" },
  "leader-elect": { type: "bool", runOnly: true },
  "metrics-bind-address": { type: "string", runOnly: true },
  "metrics-secure": { type: "bool", runOnly: true },
  "health-probe-bind-address": { type: "string", runOnly: true },
};

const TRUE_VALUES = ["1", "t", "T", "true", "TRUE", "True"];
const FALSE_VALUES = ["0", "f", "F", "false", "FALSE", "False"];

function isFlagName(name: string): name is FlagName {
  return Object.hasOwn(FLAGS, name);
}

function isHelp(arg: string): boolean {
  return (
    arg === "-h" || arg === "--help" || (arg.startsWith("--help=") && TRUE_VALUES.includes(arg.slice(7)))
  );
}

function fail(error: string): ParseProviderArgsResult {
  return { ok: false, help: false, error };
}

function invalid(flag: string, value: string, why: string): ParseProviderArgsResult {
  return fail(`invalid value ${JSON.stringify(value)} for --${flag}: ${why}`);
}

/** "0" (off) or `[host]:port`, as controller-runtime accepts them. */
function isBindAddress(value: string): boolean {
  if (value === "0") return true;
  const match = /^([^\s/]*):(\d{1,5})$/.exec(value);
  return match !== null && Number(match[2]) <= 65535;
}

function lowerCaseName(flag: string, value: string | undefined): ParseProviderArgsResult | undefined {
  if (value === undefined) return fail(`missing required flag --${flag}`);
  if (value === "") return invalid(flag, value, "must not be empty");
  if (value !== value.toLowerCase()) return invalid(flag, value, "must be lower case");
  return undefined;
}

function readPod(env: Record<string, string | undefined>): PodInfo {
  const read = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value === "" ? undefined : value;
  };
  return {
    name: read("POD_NAME"),
    namespace: read("POD_NAMESPACE"),
    ip: read("POD_IP"),
    serviceAccountName: read("POD_SERVICE_ACCOUNT_NAME"),
  };
}

/**
 * Parses the arguments after the program name and the POD_* variables. Never throws: the result
 * is the invocation, a request for help (`-h`/`--help` anywhere), or an error naming the flag.
 */
export function parseProviderArgs(
  argv: readonly string[],
  env: Record<string, string | undefined>,
): ParseProviderArgsResult {
  const terminator = argv.indexOf("--");
  const flagArgs = terminator === -1 ? argv : argv.slice(0, terminator);
  if (flagArgs.some(isHelp)) {
    const command = flagArgs.find((a): a is ProviderSubcommand =>
      (PROVIDER_SUBCOMMANDS as readonly string[]).includes(a),
    );
    return { ok: false, help: true, text: providerUsage(command) };
  }

  const positional: string[] = [];
  const values = new Map<FlagName, string>();
  for (let i = 0; i < flagArgs.length; i++) {
    const arg = flagArgs[i]!;
    let name: string;
    let inline: string | undefined;
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq === -1 ? undefined : arg.slice(eq + 1);
    } else if (arg.startsWith("-") && arg.length > 1) {
      const short = arg[1]!;
      const long = (Object.keys(FLAGS) as FlagName[]).find((f) => FLAGS[f].short === short);
      if (long === undefined) return fail(`unknown shorthand flag -${short} in ${JSON.stringify(arg)}`);
      name = long;
      const rest = arg.slice(2);
      inline = rest === "" ? undefined : rest.startsWith("=") ? rest.slice(1) : rest;
    } else {
      positional.push(arg);
      continue;
    }
    if (name === "help") continue; // --help=false
    if (!isFlagName(name)) return fail(`unknown flag --${name}`);
    const spec = FLAGS[name];
    let value: string;
    if (spec.type === "bool") {
      value = inline ?? "true";
      if (!TRUE_VALUES.includes(value) && !FALSE_VALUES.includes(value)) {
        return invalid(name, value, "must be true or false");
      }
    } else if (inline !== undefined) {
      value = inline;
    } else {
      const next = flagArgs[i + 1];
      if (next === undefined || next.startsWith("-")) return fail(`flag --${name} needs a value`);
      value = next;
      i++;
    }
    values.set(name, value);
  }
  if (terminator !== -1) positional.push(...argv.slice(terminator + 1));

  const [command, ...extra] = positional;
  if (command === undefined) return fail(`missing subcommand: expected "init" or "run"`);
  if (command !== "init" && command !== "run") {
    return fail(`unknown subcommand ${JSON.stringify(command)}: expected "init" or "run"`);
  }
  if (extra.length > 0)
    return fail(`unexpected argument ${JSON.stringify(extra[0])} after subcommand "${command}"`);
  if (command === "init") {
    const runOnly = [...values.keys()].find((f) => FLAGS[f].runOnly);
    if (runOnly !== undefined) return fail(`flag --${runOnly} is only accepted by "run"`);
  }

  const environment = values.get("environment");
  const providerName = values.get("provider-name");
  const problem = lowerCaseName("environment", environment) ?? lowerCaseName("provider-name", providerName);
  if (problem !== undefined) return problem;
  const rawVerbosity = values.get("verbosity") ?? "INFO";
  const verbosity = PROVIDER_LOG_LEVELS.find((l) => l === rawVerbosity.toUpperCase());
  if (verbosity === undefined) {
    return invalid("verbosity", rawVerbosity, `must be one of ${PROVIDER_LOG_LEVELS.join(", ")}`);
  }
  const common: InvocationCommon = {
    environment: environment!,
    providerName: providerName!,
    verbosity,
    pod: readPod(env),
  };
  if (command === "init") return { ok: true, value: { command, ...common } };

  const bindAddress = (flag: FlagName, fallback: string): string | ParseProviderArgsResult => {
    const value = values.get(flag) ?? fallback;
    return isBindAddress(value) ? value : invalid(flag, value, `must be "0" (off) or [host]:port`);
  };
  const metricsBindAddress = bindAddress("metrics-bind-address", RUN_FLAG_DEFAULTS.metricsBindAddress);
  if (typeof metricsBindAddress !== "string") return metricsBindAddress;
  const healthProbeBindAddress = bindAddress(
    "health-probe-bind-address",
    RUN_FLAG_DEFAULTS.healthProbeBindAddress,
  );
  if (typeof healthProbeBindAddress !== "string") return healthProbeBindAddress;
  const bool = (flag: FlagName, fallback: boolean): boolean => {
    const value = values.get(flag);
    return value === undefined ? fallback : TRUE_VALUES.includes(value);
  };
  return {
    ok: true,
    value: {
      command,
      ...common,
      leaderElect: bool("leader-elect", RUN_FLAG_DEFAULTS.leaderElect),
      metricsBindAddress,
      metricsSecure: bool("metrics-secure", RUN_FLAG_DEFAULTS.metricsSecure),
      healthProbeBindAddress,
    },
  };
}

/** Help text for the provider CLI; with a subcommand, only the flags it accepts. */
export function providerUsage(command?: ProviderSubcommand, program = "provider"): string {
  const lines = [
    `Usage: ${program} ${command ?? "init|run"} [flags]`,
    "",
    "The openMCP operator runs a provider image twice: `init` once per spec change as a Job",
    "(e.g. to install CRDs), then `run` as a Deployment that may have several replicas.",
    "",
    "Flags:",
    "      --environment string                 environment (platform cluster) served, lower case; required",
    "      --provider-name string               name of the provider resource, lower case; required",
    "  -v, --verbosity string                   log level ERROR, INFO or DEBUG, any case (default INFO)",
    "  -h, --help                               show this help",
  ];
  if (command !== "init") {
    lines.push(
      "",
      `Flags of run (appended by the operator as needed):`,
      "      --leader-elect                       elect a leader among replicas (default false)",
      `      --metrics-bind-address string        metrics endpoint address, "0" for none (default "0")`,
      "      --metrics-secure                     serve metrics over HTTPS with authorization (default true)",
      `      --health-probe-bind-address string   /healthz and /readyz address, "0" for none (default ":8081")`,
    );
  }
  lines.push(
    "",
    "Environment (set by the operator; optional when run locally):",
    "  POD_NAME, POD_NAMESPACE, POD_IP, POD_SERVICE_ACCOUNT_NAME",
    "",
  );
  return lines.join("\n");
}
