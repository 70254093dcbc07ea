import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Provider, ProviderSpec } from "@openmcp-ts/contract";
import { computeInitHash, renderInitObjects } from "./index.ts";
import { everyFieldProvider, TEST_CTX, testProvider } from "./testdata/providers.ts";

function hashWith(spec: Partial<ProviderSpec>, omit: (keyof ProviderSpec)[] = []): string {
  return computeInitHash(testProvider("ServiceProvider", "x", spec, omit));
}

const base = hashWith({});

void describe("computeInitHash", () => {
  void it("is a stable, lower-case base32 string", () => {
    assert.match(base, /^[a-z2-7]{26}$/);
    assert.equal(hashWith({}), base);
    // Pinned: a change here re-runs init for every installed provider, so make it on purpose.
    assert.equal(base, computeInitHash(testProvider("ServiceProvider", "x")));
    assert.equal(computeInitHash(everyFieldProvider()), "pp5grdshvttz3qfwcgxza2dlo4");
  });

  void it("is the hash renderInitObjects returns and writes on the Job", () => {
    const provider = everyFieldProvider();
    const init = renderInitObjects(provider, TEST_CTX);
    assert.equal(init.initHash, computeInitHash(provider));
    assert.equal(init.job.metadata.annotations?.["openmcp.cloud/init-hash"], init.initHash);
  });

  const changes: { name: string; spec: Partial<ProviderSpec> }[] = [
    { name: "image", spec: { image: "test-image:v0.2.0" } },
    { name: "initCommand", spec: { initCommand: ["init", "--force"] } },
    { name: "env value", spec: { env: [{ name: "NAME", value: "other" }] } },
    { name: "env order", spec: { env: [{ name: "B" }, { name: "A" }] } },
    { name: "verbosity", spec: { verbosity: "INFO" } },
    { name: "verbosity case", spec: { verbosity: "debug" } },
    { name: "extraVolumes", spec: { extraVolumes: [{ name: "v", emptyDir: {} }] } },
    { name: "extraVolumeMounts", spec: { extraVolumeMounts: [{ name: "v", mountPath: "/v" }] } },
    { name: "imagePullSecrets", spec: { imagePullSecrets: [{ name: "regcred" }] } },
  ];
  for (const c of changes) {
    void it(`changes with ${c.name}`, () => {
      assert.notEqual(hashWith(c.spec), base);
    });
  }

  const runOnly: { name: string; spec: Partial<ProviderSpec>; omit?: (keyof ProviderSpec)[] }[] = [
    { name: "runReplicas", spec: { runReplicas: 5 } },
    { name: "runCommand", spec: { runCommand: ["serve"] } },
    { name: "metrics off", spec: { metrics: { disabled: true } } },
    { name: "metrics port and path", spec: { metrics: { disabled: false, port: 9090, path: "/m" } } },
    {
      name: "topology",
      spec: {
        topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "k", whenUnsatisfiable: "ScheduleAnyway" }],
      },
    },
    // Defaults and empty values are the same input.
    { name: "initCommand [] (default)", spec: { initCommand: [] } },
    { name: "initCommand [init] (default)", spec: { initCommand: ["init"] } },
    { name: "imagePullSecrets absent", spec: {}, omit: ["imagePullSecrets"] },
    { name: "empty extraVolumes", spec: { extraVolumes: [] } },
  ];
  for (const c of runOnly) {
    void it(`does not change with ${c.name}`, () => {
      assert.equal(hashWith(c.spec, c.omit), base);
    });
  }

  void it("does not change with the generation, labels or annotations of the provider", () => {
    const provider: Provider = testProvider("ServiceProvider", "x");
    provider.metadata.generation = 9;
    provider.metadata.labels = { a: "b" };
    provider.metadata.annotations = { "openmcp.cloud/operation": "reconcile" };
    assert.equal(computeInitHash(provider), base);
  });

  void it("does not depend on the key order of volumes", () => {
    const a = hashWith({ extraVolumes: [{ name: "v", secret: { secretName: "s", defaultMode: 256 } }] });
    const b = hashWith({ extraVolumes: [{ secret: { defaultMode: 256, secretName: "s" }, name: "v" }] });
    assert.equal(a, b);
  });

  void it("treats a missing env value as empty", () => {
    assert.equal(hashWith({ env: [{ name: "NAME" }] }), hashWith({ env: [{ name: "NAME", value: "" }] }));
  });
});
