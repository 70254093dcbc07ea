import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { providerSpecSchema } from "./crd-schema.ts";
import { PROVIDER_SPEC_DEFAULTS, schemaDefaults } from "./provider-defaults.ts";

void describe("PROVIDER_SPEC_DEFAULTS", () => {
  void it("has the schema's defaults and the code-level ones of the reference", () => {
    assert.deepEqual(PROVIDER_SPEC_DEFAULTS, {
      initCommand: ["init"],
      runCommand: ["run"],
      verbosity: "INFO",
      runReplicas: 1,
      metrics: { disabled: false, port: 8080, path: "/metrics" },
    });
  });
  void it("reads every default of the spec schema", () => {
    assert.deepEqual(schemaDefaults(providerSpecSchema()), {
      verbosity: "INFO",
      runReplicas: 1,
      metrics: { disabled: false },
    });
  });
});
