import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  ANNOTATION_RUNTIME_CONFIG,
  RUNTIME_API_VERSION,
  RUNTIME_CONFIG_KIND,
  type Job,
  type Provider,
  type ProviderRuntimeConfigSpec,
} from "@openmcp-ts/contract";
import {
  condition,
  eventually,
  providerRef,
  startOperatorHarness,
  testProvider,
  type OperatorHarness,
} from "@openmcp-ts/test-support";

/**
 * `--default-runtime-config` against a real kube-apiserver (no scheduler: the init Job's template
 * is what is checked): the default applies to providers without the annotation and under a
 * referenced config, and a missing default is a condition naming the flag.
 */
describe("runtime configs: the operator's default", () => {
  let h: OperatorHarness;
  before(async () => {
    h = await startOperatorHarness({ operator: { defaultRuntimeConfig: "base" } });
  });
  after(async () => {
    await h?.stop();
  });

  const applyConfig = (name: string, spec: ProviderRuntimeConfigSpec) =>
    h.client.apply(
      { apiVersion: RUNTIME_API_VERSION, kind: RUNTIME_CONFIG_KIND, metadata: { name }, spec },
      "test",
      {
        force: true,
      },
    );
  const applyProvider = (name: string, config?: string) => {
    const p = testProvider("ServiceProvider", name);
    if (config !== undefined) p.metadata.annotations = { [ANNOTATION_RUNTIME_CONFIG]: config };
    return h.client.apply(p, "test", { force: true });
  };
  const job = (name: string) =>
    h.client.find<Job>({
      apiVersion: "batch/v1",
      kind: "Job",
      namespace: h.namespace,
      name: `sp-${name}-init`,
    });

  it("reports the missing default by its flag and applies nothing", async () => {
    await applyProvider("plain");
    const ready = await eventually("RuntimeConfigNotFound", async () => {
      const c = condition(await h.client.find<Provider>(providerRef("ServiceProvider", "plain")), "Ready");
      return c?.reason === "RuntimeConfigNotFound" ? c : undefined;
    });
    assert.match(
      ready.message,
      /ProviderRuntimeConfig "base" \(the operator's --default-runtime-config\) does not exist/,
    );
    assert.equal(await job("plain"), undefined);
  });

  it("applies the default to providers without the annotation, and beneath a referenced config", async () => {
    await applyConfig("base", { common: { nodeSelector: { pool: "base" }, priorityClassName: "low" } });
    await applyConfig("own", { init: { nodeSelector: { zone: "a" }, priorityClassName: "high" } });
    await applyProvider("layered", "own");
    const plain = await eventually("plain's init Job", () => job("plain"));
    assert.deepEqual(plain.spec.template.spec.nodeSelector, { pool: "base" });
    assert.equal(plain.spec.template.spec.priorityClassName, "low");
    const layered = await eventually("layered's init Job", () => job("layered"));
    assert.deepEqual(layered.spec.template.spec.nodeSelector, { pool: "base", zone: "a" });
    assert.equal(layered.spec.template.spec.priorityClassName, "high");
  });
});
