import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseProviderArgs, providerUsage, type ProviderInvocation } from "./provider-cli.ts";

const NO_POD = { name: undefined, namespace: undefined, ip: undefined, serviceAccountName: undefined };
const RUN_DEFAULTS = {
  leaderElect: false,
  metricsBindAddress: "0",
  metricsSecure: true,
  healthProbeBindAddress: ":8081",
};

void describe("parseProviderArgs accepts", () => {
  const cases: { name: string; argv: string[]; want: ProviderInvocation }[] = [
    {
      name: "the init args the operator passes",
      argv: [
        "init",
        "--environment=test-environment",
        "--verbosity=DEBUG",
        "--provider-name=cluster-provider-test-01",
      ],
      want: {
        command: "init",
        environment: "test-environment",
        providerName: "cluster-provider-test-01",
        verbosity: "DEBUG",
        pod: NO_POD,
      },
    },
    {
      name: "the run args the operator passes with metrics and replicas",
      argv: [
        "run",
        "--environment=live",
        "--verbosity=INFO",
        "--provider-name=landscaper",
        "--leader-elect=true",
        "--metrics-bind-address=:8080",
        "--metrics-secure=false",
      ],
      want: {
        command: "run",
        environment: "live",
        providerName: "landscaper",
        verbosity: "INFO",
        pod: NO_POD,
        leaderElect: true,
        metricsBindAddress: ":8080",
        metricsSecure: false,
        healthProbeBindAddress: ":8081",
      },
    },
    {
      name: "run with defaults for the run-only flags",
      argv: ["run", "--environment=live", "--provider-name=x"],
      want: {
        command: "run",
        environment: "live",
        providerName: "x",
        verbosity: "INFO",
        pod: NO_POD,
        ...RUN_DEFAULTS,
      },
    },
    {
      name: "separate values, -v, lower-case verbosity and a bare bool flag",
      argv: ["run", "--environment", "live", "--provider-name", "x", "-v", "debug", "--leader-elect"],
      want: {
        command: "run",
        environment: "live",
        providerName: "x",
        verbosity: "DEBUG",
        pod: NO_POD,
        ...RUN_DEFAULTS,
        leaderElect: true,
      },
    },
    {
      name: "-v=value, -vvalue, flags before the subcommand, the last occurrence winning",
      argv: ["--environment=a", "-v=error", "init", "--environment=b", "--provider-name=x", "-vInfo"],
      want: { command: "init", environment: "b", providerName: "x", verbosity: "INFO", pod: NO_POD },
    },
    {
      name: "pflag's spellings of booleans and bind addresses with a host",
      argv: [
        "run",
        "--environment=e",
        "--provider-name=p",
        "--metrics-secure=F",
        "--leader-elect=1",
        "--metrics-bind-address=127.0.0.1:9090",
        "--health-probe-bind-address=0",
      ],
      want: {
        command: "run",
        environment: "e",
        providerName: "p",
        verbosity: "INFO",
        pod: NO_POD,
        leaderElect: true,
        metricsBindAddress: "127.0.0.1:9090",
        metricsSecure: false,
        healthProbeBindAddress: "0",
      },
    },
    {
      name: "--help=false as no help",
      argv: ["init", "--help=false", "--environment=e", "--provider-name=p"],
      want: { command: "init", environment: "e", providerName: "p", verbosity: "INFO", pod: NO_POD },
    },
  ];
  for (const c of cases) {
    void it(c.name, () => {
      assert.deepEqual(parseProviderArgs(c.argv, {}), { ok: true, value: c.want });
    });
  }
  void it("reads the POD_* variables, treating empty ones as unset", () => {
    const got = parseProviderArgs(["init", "--environment=e", "--provider-name=p"], {
      POD_NAME: "sp-x-init-abcde",
      POD_NAMESPACE: "openmcp-system",
      POD_IP: "",
      POD_SERVICE_ACCOUNT_NAME: "sp-x-init",
      OTHER: "ignored",
    });
    assert.ok(got.ok);
    assert.deepEqual(got.value.pod, {
      name: "sp-x-init-abcde",
      namespace: "openmcp-system",
      ip: undefined,
      serviceAccountName: "sp-x-init",
    });
  });
});

void describe("parseProviderArgs rejects", () => {
  const base = ["--environment=e", "--provider-name=p"];
  const cases: { name: string; argv: string[]; error: string }[] = [
    { name: "no subcommand", argv: base, error: 'missing subcommand: expected "init" or "run"' },
    {
      name: "an unknown subcommand",
      argv: ["serve", ...base],
      error: 'unknown subcommand "serve": expected "init" or "run"',
    },
    {
      name: "an extra argument",
      argv: ["init", "now", ...base],
      error: 'unexpected argument "now" after subcommand "init"',
    },
    {
      name: "a missing --environment",
      argv: ["init", "--provider-name=p"],
      error: "missing required flag --environment",
    },
    {
      name: "a missing --provider-name",
      argv: ["init", "--environment=e"],
      error: "missing required flag --provider-name",
    },
    { name: "an unknown flag", argv: ["run", ...base, "--foo=1"], error: "unknown flag --foo" },
    {
      name: "an unknown shorthand",
      argv: ["run", ...base, "-x"],
      error: 'unknown shorthand flag -x in "-x"',
    },
    {
      name: "verbosity TRACE",
      argv: ["init", ...base, "--verbosity=TRACE"],
      error: 'invalid value "TRACE" for --verbosity: must be one of ERROR, INFO, DEBUG',
    },
    {
      name: "an upper-case environment",
      argv: ["init", "--environment=Live", "--provider-name=p"],
      error: 'invalid value "Live" for --environment: must be lower case',
    },
    {
      name: "an upper-case provider name",
      argv: ["init", "--environment=live", "--provider-name=P"],
      error: 'invalid value "P" for --provider-name: must be lower case',
    },
    {
      name: "an empty environment",
      argv: ["init", "--environment=", "--provider-name=p"],
      error: 'invalid value "" for --environment: must not be empty',
    },
    {
      name: "a flag without its value",
      argv: ["init", ...base, "--verbosity"],
      error: "flag --verbosity needs a value",
    },
    {
      name: "a flag followed by another flag instead of its value",
      argv: ["init", "--environment", "--provider-name=p"],
      error: "flag --environment needs a value",
    },
    {
      name: "a bool flag with a bad value",
      argv: ["run", ...base, "--leader-elect=yes"],
      error: 'invalid value "yes" for --leader-elect: must be true or false',
    },
    {
      name: "a run-only flag given to init",
      argv: ["init", ...base, "--leader-elect=true"],
      error: 'flag --leader-elect is only accepted by "run"',
    },
    {
      name: "a bad bind address",
      argv: ["run", ...base, "--metrics-bind-address=8080"],
      error: 'invalid value "8080" for --metrics-bind-address: must be "0" (off) or [host]:port',
    },
    {
      name: "a port out of range",
      argv: ["run", ...base, "--health-probe-bind-address=:70000"],
      error: 'invalid value ":70000" for --health-probe-bind-address: must be "0" (off) or [host]:port',
    },
    {
      name: "arguments after --",
      argv: ["init", ...base, "--", "--verbosity=DEBUG"],
      error: 'unexpected argument "--verbosity=DEBUG" after subcommand "init"',
    },
  ];
  for (const c of cases) {
    void it(c.name, () => {
      assert.deepEqual(parseProviderArgs(c.argv, {}), { ok: false, help: false, error: c.error });
    });
  }
});

void describe("help", () => {
  const cases: { argv: string[]; want: string }[] = [
    { argv: ["--help"], want: providerUsage() },
    { argv: ["-h"], want: providerUsage() },
    { argv: ["run", "--foo", "-h"], want: providerUsage("run") },
    { argv: ["init", "--help=true"], want: providerUsage("init") },
  ];
  for (const c of cases) {
    void it(`answers ${c.argv.join(" ")} with the usage text`, () => {
      assert.deepEqual(parseProviderArgs(c.argv, {}), { ok: false, help: true, text: c.want });
    });
  }
  void it("lists the run-only flags except for init", () => {
    assert.match(providerUsage(), /--metrics-bind-address/);
    assert.match(providerUsage("run"), /--leader-elect/);
    assert.doesNotMatch(providerUsage("init"), /--leader-elect/);
    for (const text of [providerUsage(), providerUsage("init", "my-provider")]) {
      assert.match(text, /--environment string/);
      assert.match(text, /-v, --verbosity string/);
      assert.match(text, /POD_NAMESPACE/);
    }
    assert.match(providerUsage("init", "my-provider"), /^Usage: my-provider init \[flags\]/);
  });
});
