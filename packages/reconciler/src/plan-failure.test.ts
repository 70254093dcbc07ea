import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { ProviderStatus } from "@openmcp-ts/contract";
import { classifyApiError, failureStepFor, planFailure, statusForFailure } from "./plan-failure.ts";
import { T0, World } from "./testdata/world.ts";

const types = (status: ProviderStatus) => status.conditions?.map((c) => `${c.type}=${c.status}/${c.reason}`);

void describe("classifyApiError", () => {
  const cases: [number | undefined, string][] = [
    [404, "absent"],
    [409, "requeue"],
    [410, "relist"],
    [400, "terminal"],
    [422, "terminal"],
    [403, "backoff"],
    [429, "backoff"],
    [500, "backoff"],
    [503, "backoff"],
    [undefined, "backoff"],
  ];
  for (const [code, want] of cases) {
    void it(`${code ?? "no code"} → ${want}`, () => {
      assert.equal(classifyApiError(code), want);
    });
  }
});

void describe("statusForFailure / planFailure", () => {
  void it("init: Initialized=False/InitJobCreationFailed with what was attempted, Ready pending, Reconciling", () => {
    const world = new World();
    const outcome = planFailure(
      world.provider,
      "init",
      {
        message: "jobs.batch is forbidden: User cannot create resource",
        code: 403,
        action: "apply",
        object: { apiVersion: "batch/v1", kind: "Job", name: "cp-x-init", namespace: "openmcp-system" },
      },
      T0,
    );
    assert.deepEqual(types(outcome.status), [
      "Initialized=False/InitJobCreationFailed",
      "Ready=Unknown/ProviderInstallationPending",
      "Reconciling=True/InitJobCreationFailed",
    ]);
    assert.equal(
      outcome.status.conditions?.[0]?.message,
      "failed to apply Job openmcp-system/cp-x-init: jobs.batch is forbidden: User cannot create resource",
    );
    assert.equal(outcome.status.phase, "Progressing");
    assert.equal(outcome.status.observedGeneration, 1);
    assert.equal(outcome.retry, "backoff");
    assert.deepEqual(
      outcome.events.map((e) => `${e.type}/${e.reason}`),
      ["Warning/InitJobCreationFailed"],
    );

    // The same failure again: no new event.
    world.provider.status = outcome.status;
    const again = planFailure(world.provider, "init", { message: outcome.status.conditions[0].message }, T0);
    assert.deepEqual(again.events, []);
  });

  void it("run, terminal (422): Ready=False/ProviderInstallationFailed and Stalled; planned images kept", () => {
    const world = new World();
    const planned: ProviderStatus = { initializedImage: "img:2", initAttempts: 1 };
    const status = statusForFailure(
      world.provider,
      "run",
      {
        message: "Deployment.apps is invalid: spec.template.spec.containers[0].name: Invalid value",
        code: 422,
      },
      T0,
      planned,
    );
    assert.deepEqual(types(status), [
      "Initialized=True/InitCompleted",
      "Ready=False/ProviderInstallationFailed",
      "Stalled=True/ProviderInstallationFailed",
    ]);
    assert.equal(status.phase, "Failed");
    assert.equal(status.initializedImage, "img:2");
    assert.equal(status.metrics, undefined);
  });

  void it("uninstall: phase Uninstalling, Uninstalled=False/UninstallFailed, no Initialized/Ready, no metrics (acceptance 33)", () => {
    const world = new World();
    world.install();
    assert.ok(world.provider.status?.metrics);
    world.provider.status.resources = [{ group: "g", version: "v", kind: "k" }];
    const status = statusForFailure(
      world.provider,
      "uninstall",
      {
        message: "etcdserver: request timed out",
        code: 500,
        action: "delete",
        object: { apiVersion: "apps/v1", kind: "Deployment", name: "cp-x", namespace: "ns" },
      },
      T0,
    );
    assert.equal(status.phase, "Uninstalling");
    assert.deepEqual(types(status), ["Uninstalled=False/UninstallFailed"]);
    assert.equal(
      status.conditions?.[0]?.message,
      "failed to delete Deployment ns/cp-x: etcdserver: request timed out",
    );
    assert.equal(status.metrics, undefined);
    assert.equal(status.resources, undefined);
    assert.equal(status.runningImage, "test-image:v0.1.0");
  });
});

void describe("failureStepFor", () => {
  void it("maps objects to the step whose failure they are", () => {
    const world = new World();
    const provider = world.provider;
    assert.equal(failureStepFor(provider, { name: "cp-cluster-provider-test-01-init" }), "init");
    assert.equal(
      failureStepFor(provider, { name: "openmcp.cloud:cp-cluster-provider-test-01-init" }),
      "init",
    );
    assert.equal(failureStepFor(provider, { name: "cp-cluster-provider-test-01" }), "run");
    assert.equal(failureStepFor(provider, { name: "cp-cluster-provider-test-01-metrics" }), "run");
    provider.metadata.deletionTimestamp = "2025-06-01T13:00:00Z";
    assert.equal(failureStepFor(provider, { name: "cp-cluster-provider-test-01-init" }), "uninstall");
  });
});
