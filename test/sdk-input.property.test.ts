import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  PROVIDER_LOG_LEVELS,
  RUN_FLAG_DEFAULTS,
  parseProviderArgs,
  type ProviderInvocation,
} from "@openmcp-ts/contract";
// Relative import: @openmcp-ts/provider-sdk is not a dependency of the test package.
import { defineProvider, extractKubeconfigFlag } from "../packages/provider-sdk/src/define-provider.ts";
import { captureOutput } from "@openmcp-ts/test-support/capture-output";

/**
 * Bad input (issue 8), the provider side: generated argv for the contract parser
 * (parseProviderArgs) and for a provider built with the SDK (defineProvider(...).main). Pure: no
 * KUBECONFIG and no POD_NAMESPACE, and init/run reject when called, so nothing reaches a cluster.
 *
 * Reproduce with PROPERTY_SEED=<seed>; explore with PROPERTY_SEED=$RANDOM PROPERTY_RUNS=1000.
 */

const SEED = Number(process.env.PROPERTY_SEED ?? 20268);
const NUM_RUNS = Number(process.env.PROPERTY_RUNS ?? 300);
const options = { seed: SEED, numRuns: NUM_RUNS };

const PROGRAM = "prop-provider";
const STRING_FLAGS = [
  "environment",
  "provider-name",
  "verbosity",
  "metrics-bind-address",
  "health-probe-bind-address",
];
const BOOL_FLAGS = ["leader-elect", "metrics-secure"];
const RUN_ONLY = ["leader-elect", "metrics-bind-address", "metrics-secure", "health-probe-bind-address"];
const FLAGS = [...STRING_FLAGS, ...BOOL_FLAGS];
const TRUE_VALUES = ["1", "t", "T", "true", "TRUE", "True"];
const FALSE_VALUES = ["0", "f", "F", "false", "FALSE", "False"];

type Env = Record<string, string | undefined>;

const capture = captureOutput;

/** A provider whose init and run only record that they were called, then fail. */
function recordingProvider(): { main: ReturnType<typeof defineProvider>["main"]; calls: string[] } {
  const calls: string[] = [];
  const provider = defineProvider({
    name: PROGRAM,
    init: () => {
      calls.push("init");
      return Promise.reject(new Error("init must not reach a cluster"));
    },
    run: () => {
      calls.push("run");
      return Promise.reject(new Error("run must not reach a cluster"));
    },
  });
  return { main: (argv, env, opts) => provider.main(argv, env, opts), calls };
}

function isHelp(arg: string): boolean {
  return (
    arg === "-h" || arg === "--help" || (arg.startsWith("--help=") && TRUE_VALUES.includes(arg.slice(7)))
  );
}

function beforeTerminator(argv: readonly string[]): readonly string[] {
  const end = argv.indexOf("--");
  return end === -1 ? argv : argv.slice(0, end);
}

/** Whether argv sets the flag, in any of its forms. */
function mentionsFlag(argv: readonly string[], flag: string): boolean {
  return argv.some(
    (a) => a === `--${flag}` || a.startsWith(`--${flag}=`) || (flag === "verbosity" && a.startsWith("-v")),
  );
}

/**
 * Checks that an error message of the CLI names the offending flag or argument, as it appears in
 * argv; returns a complaint, or undefined when it does.
 */
function complaintAbout(message: string, argv: readonly string[]): string | undefined {
  const quoted = (text: string): string => JSON.parse(text) as string;
  let m: RegExpExecArray | null;
  if ((m = /^unknown flag --(.*)$/s.exec(message))) {
    const name = m[1]!;
    return argv.some((a) => a === `--${name}` || a.startsWith(`--${name}=`))
      ? undefined
      : "names a flag not in argv";
  }
  if ((m = /^unknown shorthand flag -[\s\S] in (".*")$/s.exec(message)))
    return argv.includes(quoted(m[1]!)) ? undefined : "quotes an argument not in argv";
  if ((m = /^flag --([a-z-]+) needs a value$/.exec(message)))
    return [...STRING_FLAGS, "kubeconfig"].includes(m[1]!) && mentionsFlag(argv, m[1]!)
      ? undefined
      : "wrong flag";
  if ((m = /^invalid value (".*") for --([a-z-]+): \S/s.exec(message))) {
    const [value, flag] = [quoted(m[1]!), m[2]!];
    if (![...FLAGS, "kubeconfig"].includes(flag) || !mentionsFlag(argv, flag))
      return `names --${flag}, not in argv`;
    return argv.some((a) => a === value || a.endsWith(`=${value}`) || a === `-v${value}`)
      ? undefined
      : "quotes a value not in argv";
  }
  if ((m = /^missing required flag --(environment|provider-name)$/.exec(message)))
    return mentionsFlag(beforeTerminator(argv), m[1]!) ? "the flag is there" : undefined;
  if (/^missing subcommand: expected "init" or "run"$/.test(message)) return undefined;
  if ((m = /^unknown subcommand (".*"): expected "init" or "run"$/s.exec(message)))
    return argv.includes(quoted(m[1]!)) ? undefined : "quotes a subcommand not in argv";
  if ((m = /^unexpected argument (".*") after subcommand "(init|run)"$/s.exec(message)))
    return argv.includes(quoted(m[1]!)) && argv.includes(m[2]!)
      ? undefined
      : "quotes an argument not in argv";
  if ((m = /^flag --([a-z-]+) is only accepted by "run"$/.exec(message)))
    return RUN_ONLY.includes(m[1]!) && mentionsFlag(argv, m[1]!) ? undefined : "wrong flag";
  return "names nothing the checks know";
}

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

/** Lower-case names as the operator passes them (`--environment=<env>`, `--provider-name=<name>`). */
const lowerName = fc.oneof(
  fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,20}$/),
  fc
    .string({ unit: "grapheme", minLength: 1, maxLength: 8 })
    .filter((s) => s === s.toLowerCase() && !s.startsWith("-")),
);
const bindAddress = fc.constantFrom("0", ":8080", "127.0.0.1:9090", "localhost:65535", "[::1]:8443");
const flagValue = fc.oneof(
  lowerName,
  bindAddress,
  fc.constantFrom(
    ...PROVIDER_LOG_LEVELS,
    "debug",
    "Info",
    "TRACE",
    "",
    "Upper",
    ":99999",
    "host:port",
    "maybe",
  ),
  fc.constantFrom(...TRUE_VALUES, ...FALSE_VALUES, "yes"),
  fc.string({ unit: "grapheme", maxLength: 8 }),
  fc.string({ unit: "binary", maxLength: 5 }),
);
/** One argv element: flags in both forms, bare values, subcommands, unknown flags, junk. */
const token = fc.oneof(
  fc.constantFrom(
    "init",
    "run",
    "--",
    "-",
    "",
    "-h",
    "--help",
    "--help=false",
    "--help=true",
    "-v",
    "--kubeconfig",
  ),
  fc.tuple(fc.constantFrom(...FLAGS, "kubeconfig", "help"), flagValue).map(([f, v]) => `--${f}=${v}`),
  fc.constantFrom(...FLAGS).map((f) => `--${f}`),
  fc.constantFrom(...PROVIDER_LOG_LEVELS, "=debug", "x").map((v) => `-v${v}`),
  flagValue,
  fc.string({ maxLength: 8 }).map((s) => `--${s}`),
  fc.string({ unit: "grapheme", maxLength: 3 }).map((s) => `-${s}`),
  fc.string({ unit: "binary", maxLength: 10 }),
);

type FlagForm = "eq" | "space";

interface Invocation {
  command: "init" | "run";
  environment: string;
  providerName: string;
  verbosity: string | undefined;
  leaderElect: boolean | undefined;
  metricsBindAddress: string | undefined;
  metricsSecure: boolean | undefined;
  healthProbeBindAddress: string | undefined;
}

const invocation: fc.Arbitrary<Invocation> = fc.record({
  command: fc.constantFrom("init", "run"),
  environment: lowerName,
  providerName: lowerName,
  verbosity: fc.option(fc.constantFrom(...PROVIDER_LOG_LEVELS, "error", "Info", "dEbUg"), { nil: undefined }),
  leaderElect: fc.option(fc.boolean(), { nil: undefined }),
  metricsBindAddress: fc.option(bindAddress, { nil: undefined }),
  metricsSecure: fc.option(fc.boolean(), { nil: undefined }),
  healthProbeBindAddress: fc.option(bindAddress, { nil: undefined }),
});

const podEnv: fc.Arbitrary<Env> = fc.record(
  {
    POD_NAME: fc.oneof(fc.constant(""), lowerName),
    POD_IP: fc.constantFrom("", "10.0.0.7", "fd00::7"),
    POD_SERVICE_ACCOUNT_NAME: lowerName,
  },
  { requiredKeys: [] },
);

/** The flags of an invocation as (name, value) pairs, run-only ones only for `run`. */
function flagPairs(inv: Invocation): [string, string | boolean][] {
  const pairs: [string, string | boolean | undefined][] = [
    ["environment", inv.environment],
    ["provider-name", inv.providerName],
    ["verbosity", inv.verbosity],
  ];
  if (inv.command === "run") {
    pairs.push(
      ["leader-elect", inv.leaderElect],
      ["metrics-bind-address", inv.metricsBindAddress],
      ["metrics-secure", inv.metricsSecure],
      ["health-probe-bind-address", inv.healthProbeBindAddress],
    );
  }
  return pairs.filter((p): p is [string, string | boolean] => p[1] !== undefined);
}

/** argv elements for one flag in the given form; `variant` picks among equivalent spellings. */
function renderFlag(name: string, value: string | boolean, form: FlagForm, variant: number): string[] {
  if (typeof value === "boolean") {
    if (form === "space" && value) return [`--${name}`];
    const spellings = value ? TRUE_VALUES : FALSE_VALUES;
    return [`--${name}=${spellings[variant % spellings.length]!}`];
  }
  if (name === "verbosity" && variant % 3 === 1) return form === "eq" ? [`-v=${value}`] : ["-v", value];
  if (name === "verbosity" && variant % 3 === 2) return [`-v${value}`];
  return form === "eq" ? [`--${name}=${value}`] : [`--${name}`, value];
}

interface Rendering {
  order: number[];
  commandAt: number;
  variants: number[];
  forms: FlagForm[];
}

const rendering: fc.Arbitrary<Rendering> = fc.record({
  order: fc.shuffledSubarray([0, 1, 2, 3, 4, 5, 6], { minLength: 7, maxLength: 7 }),
  commandAt: fc.nat({ max: 7 }),
  variants: fc.array(fc.nat({ max: 5 }), { minLength: 7, maxLength: 7 }),
  forms: fc.array(fc.constantFrom<FlagForm>("eq", "space"), { minLength: 7, maxLength: 7 }),
});

function renderArgv(inv: Invocation, r: Rendering, form?: FlagForm, withCommand = true): string[] {
  const pairs = flagPairs(inv);
  const flags = r.order
    .filter((i) => i < pairs.length)
    .map((i) => renderFlag(pairs[i]![0], pairs[i]![1], form ?? r.forms[i]!, r.variants[i]!));
  if (withCommand) flags.splice(Math.min(r.commandAt, flags.length), 0, [inv.command]);
  return flags.flat();
}

function expected(inv: Invocation, env: Env): ProviderInvocation {
  const read = (name: string): string | undefined => (env[name] ? env[name] : undefined);
  const common = {
    environment: inv.environment,
    providerName: inv.providerName,
    verbosity: (inv.verbosity ?? "INFO").toUpperCase() as ProviderInvocation["verbosity"],
    pod: {
      name: read("POD_NAME"),
      namespace: read("POD_NAMESPACE"),
      ip: read("POD_IP"),
      serviceAccountName: read("POD_SERVICE_ACCOUNT_NAME"),
    },
  };
  if (inv.command === "init") return { command: "init", ...common };
  return {
    command: "run",
    ...common,
    leaderElect: inv.leaderElect ?? RUN_FLAG_DEFAULTS.leaderElect,
    metricsBindAddress: inv.metricsBindAddress ?? RUN_FLAG_DEFAULTS.metricsBindAddress,
    metricsSecure: inv.metricsSecure ?? RUN_FLAG_DEFAULTS.metricsSecure,
    healthProbeBindAddress: inv.healthProbeBindAddress ?? RUN_FLAG_DEFAULTS.healthProbeBindAddress,
  };
}

/** A valid argv with up to 3 edits: a token inserted, removed or replaced. */
const nearlyValidArgv = fc
  .tuple(
    invocation,
    rendering,
    fc.array(fc.tuple(fc.nat(), fc.constantFrom("insert", "remove", "replace"), token), {
      maxLength: 3,
    }),
  )
  .map(([inv, r, edits]) => {
    const argv = renderArgv(inv, r);
    for (const [at, op, t] of edits) {
      const i = at % (argv.length + 1);
      if (op === "insert") argv.splice(i, 0, t);
      else if (op === "remove") argv.splice(i, 1);
      else argv.splice(i, 1, t);
    }
    return argv;
  });

const anyArgv = fc.oneof(
  { arbitrary: fc.array(token, { maxLength: 10 }), weight: 1 },
  { arbitrary: nearlyValidArgv, weight: 2 },
);

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

describe("parseProviderArgs (property)", () => {
  it("parses a valid invocation to the same values in every flag form and order", () => {
    fc.assert(
      fc.property(invocation, rendering, podEnv, (inv, r, env) => {
        const want = { ok: true, value: expected(inv, env) };
        const mixed = renderArgv(inv, r);
        assert.deepEqual(parseProviderArgs(mixed, env), want, JSON.stringify(mixed));
        assert.deepEqual(parseProviderArgs(renderArgv(inv, r, "eq"), env), want);
        assert.deepEqual(parseProviderArgs(renderArgv(inv, r, "space"), env), want);
      }),
      options,
    );
  });

  it("takes the last occurrence of a flag", () => {
    fc.assert(
      fc.property(invocation, invocation, rendering, (first, inv, r) => {
        const second = { ...inv, command: first.command };
        const argv = [...renderArgv(first, r, undefined, false), ...renderArgv(second, r)];
        // What the second leaves out, the first still sets.
        const last: Invocation = {
          ...second,
          verbosity: second.verbosity ?? first.verbosity,
          leaderElect: second.leaderElect ?? first.leaderElect,
          metricsBindAddress: second.metricsBindAddress ?? first.metricsBindAddress,
          metricsSecure: second.metricsSecure ?? first.metricsSecure,
          healthProbeBindAddress: second.healthProbeBindAddress ?? first.healthProbeBindAddress,
        };
        assert.deepEqual(
          parseProviderArgs(argv, {}),
          { ok: true, value: expected(last, {}) },
          JSON.stringify(argv),
        );
      }),
      options,
    );
  });

  it("never throws, and every error names the offending flag or argument", () => {
    fc.assert(
      fc.property(anyArgv, podEnv, (argv, env) => {
        const result = parseProviderArgs(argv, env);
        if (result.ok || result.help) return;
        const complaint = complaintAbout(result.error, argv);
        assert.equal(
          complaint,
          undefined,
          `${complaint}: ${JSON.stringify(result.error)} for ${JSON.stringify(argv)}`,
        );
      }),
      options,
    );
  });
});

describe("extractKubeconfigFlag (property)", () => {
  const path = fc.oneof(
    fc.constantFrom("/nonexistent/kubeconfig", "./kc.yaml", "C:\\kube\\config", "ü/k", "a=b"),
    fc.string({ minLength: 1, maxLength: 10 }).filter((s) => !s.startsWith("-")),
  );

  it("splits off --kubeconfig in both forms, wherever it is, and leaves the rest as it was", () => {
    fc.assert(
      fc.property(invocation, rendering, path, fc.nat(), fc.boolean(), (inv, r, kubeconfig, at, eq) => {
        const rest = renderArgv(inv, r);
        const argv = [...rest];
        argv.splice(
          at % (argv.length + 1),
          0,
          ...(eq ? [`--kubeconfig=${kubeconfig}`] : ["--kubeconfig", kubeconfig]),
        );
        assert.deepEqual(extractKubeconfigFlag(argv), { argv: rest, kubeconfig });
      }),
      options,
    );
  });

  it("never throws: either an error about --kubeconfig, or argv without it before --", () => {
    fc.assert(
      fc.property(anyArgv, (argv) => {
        const result = extractKubeconfigFlag(argv);
        if ("error" in result) {
          assert.match(result.error, /--kubeconfig/);
          return;
        }
        const flags = beforeTerminator(result.argv);
        assert.ok(
          !flags.some((a) => a === "--kubeconfig" || a.startsWith("--kubeconfig=")),
          JSON.stringify(argv),
        );
        assert.deepEqual(result.argv.slice(flags.length), argv.slice(beforeTerminator(argv).length));
      }),
      options,
    );
  });
});

describe("defineProvider main with generated argv (property)", () => {
  it("resolves to 0 (help), 1 or 2, never throws, and on 2 names the offending flag or argument", async () => {
    await fc.assert(
      fc.asyncProperty(anyArgv, podEnv, async (argv, env) => {
        const io = capture();
        const { main, calls } = recordingProvider();
        const listeners = [process.listenerCount("SIGTERM"), process.listenerCount("SIGINT")];
        const code = await main(argv, env, io);
        const [out, err] = [io.out.join(""), io.err.join("")];
        const where = `${JSON.stringify(argv)} → ${code}\n${err}`;

        assert.ok([0, 1, 2].includes(code), where);
        assert.deepEqual(
          [process.listenerCount("SIGTERM"), process.listenerCount("SIGINT")],
          listeners,
          "leaked signal handlers",
        );
        const flags = beforeTerminator(argv);
        const help = flags.some(isHelp);
        if (help && !flags.some((a) => a === "--kubeconfig" || a.startsWith("--kubeconfig=")))
          assert.equal(code, 0, where);

        if (code === 0) {
          assert.ok(help, `exit 0 without help: ${where}`);
          assert.match(out, new RegExp(`^Usage: ${PROGRAM} (init|run|init\\|run) \\[flags\\]\\n`));
          assert.match(out, /--kubeconfig string/);
          assert.equal(err, "");
        } else {
          assert.equal(out, "", `printed to stdout: ${where}`);
        }
        if (code === 2) {
          const suffix = `\nRun '${PROGRAM} --help' for usage.\n`;
          assert.ok(err.startsWith("Error: ") && err.endsWith(suffix), where);
          const message = err.slice("Error: ".length, -suffix.length);
          const complaint = complaintAbout(message, argv);
          assert.equal(complaint, undefined, `${complaint}: ${where}`);
          assert.deepEqual(calls, []);
        }
        if (code === 1) {
          // Only valid arguments get this far: the failure is logged as JSON lines, the last an error.
          const extracted = extractKubeconfigFlag(argv);
          assert.ok(!("error" in extracted) && parseProviderArgs(extracted.argv, env).ok, where);
          const lines = err
            .trimEnd()
            .split("\n")
            .map((l) => JSON.parse(l) as { level: string; msg: string });
          assert.equal(lines.at(-1)?.level, "error", where);
        }
      }),
      options,
    );
  });

  // Was a bug: without --kubeconfig and KUBECONFIG, outside a cluster, the SDK built an in-cluster
  // client for "https://undefined:undefined" (client-node's loadFromCluster does not check
  // KUBERNETES_SERVICE_HOST) and called init with it.
  it(
    "without a kubeconfig outside a cluster, exits 1 before init, naming what is missing",
    { skip: process.env.KUBERNETES_SERVICE_HOST ? "running inside a cluster" : false },
    async () => {
      const io = capture();
      const { main, calls } = recordingProvider();
      const code = await main(["init", "--environment=dev", "--provider-name=p"], {}, io);
      assert.equal(code, 1);
      assert.deepEqual(calls, [], `init was called; the log says: ${io.err.join("")}`);
      assert.match(io.err.join(""), /kubeconfig|in-cluster|KUBERNETES_SERVICE_HOST/i);
    },
  );
});
