import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { maxProviderNameLength } from "../naming/naming.ts";
import { formatProblems } from "./field-problem.ts";
import { validateProvider } from "./validate-provider.ts";

const IMAGE = "ghcr.io/example/service-provider-landscaper:v1.2.3";

function provider(spec: Record<string, unknown>, name = "landscaper", kind = "ServiceProvider"): unknown {
  return { apiVersion: "openmcp.cloud/v1alpha1", kind, metadata: { name }, spec };
}

/** The full example of the reference (§1.4). */
const FULL_SPEC = {
  image: IMAGE,
  imagePullSecrets: [{ name: "regcred" }],
  initCommand: ["init"],
  runCommand: ["run"],
  env: [{ name: "FOO", value: "bar" }],
  verbosity: "DEBUG",
  runReplicas: 3,
  topologySpreadConstraints: [
    { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway" },
    { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway" },
  ],
  extraVolumes: [{ name: "cfg", configMap: { name: "landscaper-config" } }],
  extraVolumeMounts: [{ name: "cfg", mountPath: "/etc/landscaper" }],
  metrics: { disabled: false, port: 8080, path: "/metrics" },
};

void describe("validateProvider accepts", () => {
  const cases: { name: string; provider: unknown }[] = [
    { name: "only an image", provider: provider({ image: "test-image:v0.1.0" }) },
    { name: "the full reference example", provider: provider(FULL_SPEC) },
    { name: "lower-case verbosity", provider: provider({ image: IMAGE, verbosity: "error" }) },
    { name: "a digest", provider: provider({ image: `ghcr.io/x/y@sha256:${"ab".repeat(32)}` }) },
    { name: "a registry with port", provider: provider({ image: "localhost:5000/x/y:dev" }) },
    { name: "an upper-case registry host", provider: provider({ image: "Registry.Example.com/x:1" }) },
    { name: "a 55-character name", provider: provider({ image: IMAGE }, "a".repeat(55)) },
    { name: "metrics with defaults omitted", provider: provider({ image: IMAGE, metrics: {} }) },
    {
      name: "null lists (JSON for absent)",
      provider: provider({ image: IMAGE, env: null, extraVolumes: null }),
    },
    { name: "runReplicas at the maximum", provider: provider({ image: IMAGE, runReplicas: 100 }) },
    {
      name: "metrics port 65535",
      provider: provider({ image: IMAGE, metrics: { disabled: true, port: 65535 } }),
    },
    {
      name: "an object without apiVersion and kind",
      provider: { metadata: { name: "x" }, spec: { image: IMAGE } },
    },
  ];
  for (const c of cases) {
    void it(c.name, () => {
      assert.deepEqual(validateProvider(c.provider), []);
    });
  }
});

void describe("validateProvider rejects", () => {
  const cases: { name: string; provider: unknown; want: [path: string, reason: string][] }[] = [
    { name: "a non-object", provider: "x", want: [["", "InvalidType"]] },
    {
      name: "missing metadata and spec",
      provider: { kind: "ServiceProvider" },
      want: [
        ["metadata", "Required"],
        ["spec", "Required"],
      ],
    },
    {
      name: "a missing name",
      provider: { metadata: {}, spec: { image: IMAGE } },
      want: [["metadata.name", "Required"]],
    },
    {
      name: "an upper-case name",
      provider: provider({ image: IMAGE }, "Foo"),
      want: [["metadata.name", "InvalidName"]],
    },
    {
      name: "a name with a dot",
      provider: provider({ image: IMAGE }, "a.b"),
      want: [["metadata.name", "InvalidName"]],
    },
    {
      name: "a 56-character name",
      provider: provider({ image: IMAGE }, "a".repeat(56)),
      want: [["metadata.name", "NameTooLong"]],
    },
    {
      name: "a wrong apiVersion",
      provider: { apiVersion: "v1", metadata: { name: "x" }, spec: { image: IMAGE } },
      want: [["apiVersion", "Invalid"]],
    },
    {
      name: "an unknown kind",
      provider: provider({ image: IMAGE }, "x", "Provider"),
      want: [["kind", "NotSupported"]],
    },
    {
      name: "a spec that is a list",
      provider: { metadata: { name: "x" }, spec: [] },
      want: [["spec", "InvalidType"]],
    },
    { name: "a missing image", provider: provider({}), want: [["spec.image", "Required"]] },
    { name: "an empty image", provider: provider({ image: "" }), want: [["spec.image", "Required"]] },
    {
      name: "an image with whitespace",
      provider: provider({ image: "foo bar:v1" }),
      want: [["spec.image", "InvalidImage"]],
    },
    {
      name: "an upper-case repository",
      provider: provider({ image: "ghcr.io/Example/x:v1" }),
      want: [["spec.image", "InvalidImage"]],
    },
    { name: "an empty tag", provider: provider({ image: "x:" }), want: [["spec.image", "InvalidImage"]] },
    { name: "a number as image", provider: provider({ image: 5 }), want: [["spec.image", "InvalidType"]] },
    {
      name: "verbosity TRACE",
      provider: provider({ image: IMAGE, verbosity: "TRACE" }),
      want: [["spec.verbosity", "NotSupported"]],
    },
    {
      name: "runReplicas 0",
      provider: provider({ image: IMAGE, runReplicas: 0 }),
      want: [["spec.runReplicas", "OutOfRange"]],
    },
    {
      name: "runReplicas 101",
      provider: provider({ image: IMAGE, runReplicas: 101 }),
      want: [["spec.runReplicas", "OutOfRange"]],
    },
    {
      name: "runReplicas 1.5",
      provider: provider({ image: IMAGE, runReplicas: 1.5 }),
      want: [["spec.runReplicas", "InvalidType"]],
    },
    {
      name: "runReplicas as a string",
      provider: provider({ image: IMAGE, runReplicas: "3" }),
      want: [["spec.runReplicas", "InvalidType"]],
    },
    {
      name: "an env entry with an empty name",
      provider: provider({ image: IMAGE, env: [{ name: "", value: "x" }] }),
      want: [["spec.env[0].name", "Required"]],
    },
    {
      name: "two env entries with the same name",
      provider: provider({ image: IMAGE, env: [{ name: "A" }, { name: "B" }, { name: "A" }] }),
      want: [["spec.env[2].name", "Duplicate"]],
    },
    {
      name: "a reserved env name",
      provider: provider({ image: IMAGE, env: [{ name: "A" }, { name: "B" }, { name: "POD_IP" }] }),
      want: [["spec.env[2].name", "Reserved"]],
    },
    {
      name: "an invalid env name",
      provider: provider({ image: IMAGE, env: [{ name: "1A=" }] }),
      want: [["spec.env[0].name", "Invalid"]],
    },
    {
      name: "NaN replicas, named as NaN",
      provider: provider({ image: IMAGE, runReplicas: Number.NaN }),
      want: [["spec.runReplicas", "InvalidType"]],
    },
    {
      name: "an env name over 253 characters",
      provider: provider({ image: IMAGE, env: [{ name: "A".repeat(254), value: "x" }] }),
      want: [["spec.env[0].name", "NameTooLong"]],
    },
    {
      name: "volume mount enums and readOnly of the wrong type",
      provider: provider({
        image: IMAGE,
        extraVolumes: [{ name: "v", emptyDir: {} }],
        extraVolumeMounts: [
          {
            name: "v",
            mountPath: "/v",
            readOnly: "yes",
            mountPropagation: "Sideways",
            recursiveReadOnly: "Maybe",
          },
        ],
      }),
      want: [
        ["spec.extraVolumeMounts[0].readOnly", "InvalidType"],
        ["spec.extraVolumeMounts[0].recursiveReadOnly", "NotSupported"],
        ["spec.extraVolumeMounts[0].mountPropagation", "NotSupported"],
      ],
    },
    {
      name: "an env value from the downward API",
      provider: provider({ image: IMAGE, env: [{ name: "A", valueFrom: { fieldRef: { fieldPath: "x" } } }] }),
      want: [["spec.env[0].valueFrom", "NotSupported"]],
    },
    {
      name: "env not a list",
      provider: provider({ image: IMAGE, env: { A: "1" } }),
      want: [["spec.env", "InvalidType"]],
    },
    {
      name: "an env entry not an object",
      provider: provider({ image: IMAGE, env: ["A=1"] }),
      want: [["spec.env[0]", "InvalidType"]],
    },
    {
      name: "an empty pull secret name",
      provider: provider({ image: IMAGE, imagePullSecrets: [{ name: "" }] }),
      want: [["spec.imagePullSecrets[0].name", "Required"]],
    },
    {
      name: "a non-string command item",
      provider: provider({ image: IMAGE, runCommand: ["run", 1] }),
      want: [["spec.runCommand[1]", "InvalidType"]],
    },
    {
      name: "two volumes with the same name",
      provider: provider({
        image: IMAGE,
        extraVolumes: [
          { name: "a", emptyDir: {} },
          { name: "a", emptyDir: {} },
        ],
      }),
      want: [["spec.extraVolumes[1].name", "Duplicate"]],
    },
    {
      // The reference clashes only while the webhook Secret exists; render reports that.
      name: "a volume named webhook-tls is fine",
      provider: provider({ image: IMAGE, extraVolumes: [{ name: "webhook-tls", emptyDir: {} }] }),
      want: [],
    },
    {
      name: "a volume name that is no DNS label",
      provider: provider({ image: IMAGE, extraVolumes: [{ name: "a.b", emptyDir: {} }] }),
      want: [["spec.extraVolumes[0].name", "InvalidName"]],
    },
    {
      name: "a mount of an unknown volume",
      provider: provider({ image: IMAGE, extraVolumeMounts: [{ name: "cfg", mountPath: "/etc/x" }] }),
      want: [["spec.extraVolumeMounts[0].name", "NotFound"]],
    },
    {
      name: "two mounts at the same path",
      provider: provider({
        image: IMAGE,
        extraVolumes: [{ name: "a", emptyDir: {} }],
        extraVolumeMounts: [
          { name: "a", mountPath: "/x" },
          { name: "a", mountPath: "/x" },
        ],
      }),
      want: [["spec.extraVolumeMounts[1].mountPath", "Duplicate"]],
    },
    {
      name: "a relative mount path",
      provider: provider({
        image: IMAGE,
        extraVolumes: [{ name: "a" }],
        extraVolumeMounts: [{ name: "a", mountPath: "x" }],
      }),
      want: [["spec.extraVolumeMounts[0].mountPath", "Invalid"]],
    },
    {
      name: "a mount at the webhook certificate directory is fine",
      provider: provider({
        image: IMAGE,
        extraVolumes: [{ name: "a" }],
        extraVolumeMounts: [{ name: "a", mountPath: "/tmp/k8s-webhook-server/serving-certs/" }],
      }),
      want: [],
    },
    {
      name: "two topology constraints with the same key",
      provider: provider({
        image: IMAGE,
        topologySpreadConstraints: [
          { maxSkew: 1, topologyKey: "zone", whenUnsatisfiable: "ScheduleAnyway" },
          { maxSkew: 2, topologyKey: "zone", whenUnsatisfiable: "DoNotSchedule" },
        ],
      }),
      want: [["spec.topologySpreadConstraints[1].topologyKey", "Duplicate"]],
    },
    {
      name: "a bad topology constraint",
      provider: provider({
        image: IMAGE,
        topologySpreadConstraints: [{ maxSkew: 0, whenUnsatisfiable: "Maybe" }],
      }),
      want: [
        ["spec.topologySpreadConstraints[0].maxSkew", "OutOfRange"],
        ["spec.topologySpreadConstraints[0].topologyKey", "Required"],
        ["spec.topologySpreadConstraints[0].whenUnsatisfiable", "NotSupported"],
      ],
    },
    {
      name: "a topology constraint without maxSkew",
      provider: provider({
        image: IMAGE,
        topologySpreadConstraints: [{ topologyKey: "z", whenUnsatisfiable: "DoNotSchedule" }],
      }),
      want: [["spec.topologySpreadConstraints[0].maxSkew", "Required"]],
    },
    {
      name: "metrics port 0",
      provider: provider({ image: IMAGE, metrics: { port: 0 } }),
      want: [["spec.metrics.port", "OutOfRange"]],
    },
    {
      name: "metrics port 65536",
      provider: provider({ image: IMAGE, metrics: { port: 65536 } }),
      want: [["spec.metrics.port", "OutOfRange"]],
    },
    {
      // The reference's CRD accepts it; render adds the leading "/".
      name: "a relative metrics path is fine",
      provider: provider({ image: IMAGE, metrics: { path: "metrics" } }),
      want: [],
    },
    {
      name: "metrics.disabled as a string",
      provider: provider({ image: IMAGE, metrics: { disabled: "true" } }),
      want: [["spec.metrics.disabled", "InvalidType"]],
    },
    {
      name: "metrics as a boolean",
      provider: provider({ image: IMAGE, metrics: true }),
      want: [["spec.metrics", "InvalidType"]],
    },
  ];
  for (const c of cases) {
    void it(c.name, () => {
      const got = validateProvider(c.provider).map((p) => [p.path, p.reason]);
      assert.deepEqual(got, c.want);
    });
  }
});

void describe("validateProvider reports", () => {
  void it("every problem at once, in the schema's field order", () => {
    const problems = validateProvider(
      provider(
        {
          image: "",
          verbosity: "TRACE",
          runReplicas: 0,
          env: [{ name: "A" }, { name: "A" }, { name: "POD_IP" }],
          metrics: { port: 70000 },
        },
        "x".repeat(60),
      ),
    );
    assert.deepEqual(
      problems.map((p) => p.path),
      [
        "metadata.name",
        "spec.image",
        "spec.env[1].name",
        "spec.env[2].name",
        "spec.verbosity",
        "spec.runReplicas",
        "spec.metrics.port",
      ],
    );
  });
  void it("messages that name the field and the value", () => {
    const [problem] = validateProvider(
      provider({ image: IMAGE, env: [{ name: "A" }, { name: "B" }, { name: "POD_IP" }] }),
    );
    assert.deepEqual(problem, {
      path: "spec.env[2].name",
      reason: "Reserved",
      value: "POD_IP",
      message: 'spec.env[2].name: "POD_IP" is reserved: the operator sets it from the downward API',
    });
  });
  void it("no value for missing fields", () => {
    const [problem] = validateProvider(provider({}));
    assert.deepEqual(problem, { path: "spec.image", reason: "Required", message: "spec.image: is required" });
  });
  void it("the kind's prefix and the limit in name problems", () => {
    const [tooLong] = validateProvider(provider({ image: IMAGE }, "a".repeat(56), "ClusterProvider"));
    assert.match(
      tooLong!.message,
      /is 56 characters long, at most 55 are allowed so that the init Job name "cp-<name>-init" fits 63/,
    );
    const [dotted] = validateProvider(provider({ image: IMAGE }, "a.b", "PlatformService"));
    assert.match(dotted!.message, /the run container is named "ps-a\.b", which must be a DNS-1123 label/);
  });
  void it("a kind that differs from the expected one", () => {
    const problems = validateProvider(provider({ image: IMAGE }, "x", "ClusterProvider"), "ServiceProvider");
    assert.deepEqual(
      problems.map((p) => p.message),
      ['kind: "ClusterProvider" does not match the expected kind "ServiceProvider"'],
    );
  });
  void it("shortened values in messages", () => {
    const [problem] = validateProvider(provider({ image: `${"A".repeat(500)}:v1` }));
    assert.ok(problem!.message.length < 250, problem!.message);
    assert.equal(problem!.value, `${"A".repeat(500)}:v1`);
  });
});

void describe("maxProviderNameLength", () => {
  void it("leaves room for <p>-<name>-init in 63 characters", () => {
    for (const kind of ["ClusterProvider", "ServiceProvider", "PlatformService"] as const) {
      assert.equal(maxProviderNameLength(kind), 55);
      assert.equal(`cp-${"a".repeat(maxProviderNameLength(kind))}-init`.length, 63);
    }
    assert.equal(maxProviderNameLength(), 55);
  });
});

void describe("formatProblems", () => {
  void it("joins messages on one line", () => {
    const problems = validateProvider(provider({ image: "", runReplicas: 0 }));
    assert.equal(
      formatProblems(problems),
      "spec.image: must not be empty; spec.runReplicas: 0 is out of range: must be between 1 and 100",
    );
    assert.equal(formatProblems([]), "");
  });
});
