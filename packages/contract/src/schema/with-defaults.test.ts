import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { withDefaults } from "./with-defaults.ts";

void describe("withDefaults", () => {
  void it("fills every default for a spec with only an image", () => {
    assert.deepEqual(withDefaults({ image: "x:v1" }), {
      image: "x:v1",
      imagePullSecrets: [],
      initCommand: ["init"],
      runCommand: ["run"],
      env: [],
      verbosity: "INFO",
      extraVolumes: [],
      extraVolumeMounts: [],
      runReplicas: 1,
      topologySpreadConstraints: [],
      metrics: { disabled: false, port: 8080, path: "/metrics" },
    });
  });
  const cases: {
    name: string;
    spec: Parameters<typeof withDefaults>[0];
    check: (r: ReturnType<typeof withDefaults>) => void;
  }[] = [
    {
      name: "treats empty commands like absent ones, as the reference does",
      spec: { image: "x", initCommand: [], runCommand: [] },
      check: (r) => {
        assert.deepEqual([r.initCommand, r.runCommand], [["init"], ["run"]]);
      },
    },
    {
      name: "keeps given commands",
      spec: { image: "x", initCommand: ["test-init", "init-subcommand"], runCommand: ["test-run"] },
      check: (r) => {
        assert.deepEqual([r.initCommand, r.runCommand], [["test-init", "init-subcommand"], ["test-run"]]);
      },
    },
    {
      name: "keeps the verbosity as written",
      spec: { image: "x", verbosity: "debug" },
      check: (r) => {
        assert.equal(r.verbosity, "debug");
      },
    },
    {
      name: "fills the metrics fields that are missing",
      spec: { image: "x", metrics: { disabled: true, port: 9090 } },
      check: (r) => {
        assert.deepEqual(r.metrics, { disabled: true, port: 9090, path: "/metrics" });
      },
    },
    {
      name: "keeps runReplicas",
      spec: { image: "x", runReplicas: 3 },
      check: (r) => {
        assert.equal(r.runReplicas, 3);
      },
    },
  ];
  for (const c of cases) {
    void it(c.name, () => {
      c.check(withDefaults(c.spec));
    });
  }
  void it("copies lists instead of sharing them", () => {
    const spec = { image: "x", env: [{ name: "A", value: "1" }], runCommand: ["run"] };
    const resolved = withDefaults(spec);
    resolved.env.push({ name: "B" });
    resolved.runCommand.push("--x");
    assert.deepEqual(spec.env, [{ name: "A", value: "1" }]);
    assert.deepEqual(spec.runCommand, ["run"]);
  });
});
