import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { API_VERSION, FINALIZER, providerObjectNames, type Provider } from "@openmcp-ts/contract";
import type { Plan } from "@openmcp-ts/reconciler";
import { ObjectStepError, PLAN_STEPS, applyWaves, executePlan, type PlanPorts } from "./plan-executor.ts";

const provider = (deleting = false): Provider => ({
  apiVersion: API_VERSION,
  kind: "ServiceProvider",
  metadata: {
    name: "sp",
    finalizers: ["other", FINALIZER],
    ...(deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}),
  },
  spec: { image: "img:v1" },
});
const names = providerObjectNames("ServiceProvider", "sp");
const ns = "openmcp-system";
const obj = (kind: string, name: string) => ({ apiVersion: "v1", kind, metadata: { name, namespace: ns } });

/** Ports that record each call; `fail` names a call that throws instead. */
function recording(fail?: string): { calls: string[]; ports: PlanPorts } {
  const calls: string[] = [];
  const call = (what: string): Promise<void> => {
    calls.push(what);
    return what === fail
      ? Promise.reject(Object.assign(new Error(`${what} refused`), { code: 422 }))
      : Promise.resolve();
  };
  return {
    calls,
    ports: {
      setFinalizers: (f) => call(`finalizers ${f.join(",")}`),
      removeOperationAnnotation: () => call("removeOperationAnnotation"),
      annotate: (o) => call(`annotate ${o.kind}/${o.name}`),
      apply: (o) => call(`apply ${o.kind}/${o.metadata.name}`),
      delete: (o) => call(`delete ${o.kind}/${o.name}`),
      setProviderAnnotations: () => call("providerAnnotations"),
      writeStatus: (s) => call(`status ${s.phase}`),
      recordEvent: (e) => void calls.push(`event ${e.reason}`),
    },
  };
}

const everything: Plan = {
  finalizer: "add",
  removeOperationAnnotation: true,
  annotate: [
    { apiVersion: "batch/v1", kind: "Job", name: names.init, namespace: ns, annotations: { a: "b" } },
  ],
  apply: [obj("ServiceAccount", names.init), obj("Job", names.init)],
  delete: [{ apiVersion: "apps/v1", kind: "Deployment", name: names.run, namespace: ns }],
  providerAnnotations: { x: null },
  status: { phase: "Progressing" },
  events: [{ type: "Normal", reason: "InitStarted", message: "m" }],
};

describe("executePlan", () => {
  it("runs every step in the one order PLAN_STEPS defines", async () => {
    const { calls, ports } = recording();
    const steps: string[] = [];
    await executePlan(provider(), everything, ports, (s) => steps.push(s));
    assert.deepEqual(calls, [
      `finalizers other,${FINALIZER},${FINALIZER}`,
      "removeOperationAnnotation",
      `annotate Job/${names.init}`,
      `apply ServiceAccount/${names.init}`,
      `apply Job/${names.init}`,
      `delete Deployment/${names.run}`,
      "providerAnnotations",
      "status Progressing",
      "event InitStarted",
    ]);
    assert.deepEqual(
      steps,
      PLAN_STEPS.filter((s) => s !== "removeFinalizer"),
    );
  });

  it("applies in waves: roles and ServiceAccounts, then bindings, then workloads and Services, each at once", async () => {
    const init = [
      obj("ServiceAccount", names.init),
      obj("ClusterRoleBinding", names.initClusterRoleBinding),
      obj("Role", names.init),
      obj("RoleBinding", names.init),
      obj("Job", names.init),
    ];
    const run = [
      obj("ServiceAccount", names.run),
      obj("ClusterRoleBinding", names.runClusterRoleBinding),
      obj("Deployment", names.run),
      obj("Service", names.metricsService),
    ];
    const kinds = (waves: { kind: string }[][]): string[][] => waves.map((w) => w.map((o) => o.kind));
    assert.deepEqual(kinds(applyWaves(init)), [
      ["ServiceAccount", "Role"],
      ["ClusterRoleBinding", "RoleBinding"],
      ["Job"],
    ]);
    assert.deepEqual(kinds(applyWaves(run)), [
      ["ServiceAccount"],
      ["ClusterRoleBinding"],
      ["Deployment", "Service"],
    ]);

    // A wave's applies are in flight together; the next wave waits for all of them.
    const started: string[] = [];
    const release: (() => void)[] = [];
    const ports = recording().ports;
    ports.apply = (o) => {
      started.push(o.kind);
      return new Promise<void>((done) => release.push(done));
    };
    const running = executePlan(provider(), { apply: init, delete: [], events: [] }, ports);
    const settle = (): Promise<void> => new Promise((r) => setImmediate(r));
    await settle();
    assert.deepEqual(started, ["ServiceAccount", "Role"]);
    release.splice(0).forEach((done) => done());
    await settle();
    assert.deepEqual(started.slice(2), ["ClusterRoleBinding", "RoleBinding"]);
    release.shift()!();
    await settle();
    assert.equal(started.length, 4, "the Job waits for every binding");
    release.splice(0).forEach((done) => done());
    await settle();
    assert.deepEqual(started.slice(4), ["Job"]);
    release.splice(0).forEach((done) => done());
    await running;
  });

  it("removes only its own finalizer, after the deletes", async () => {
    const { calls, ports } = recording();
    await executePlan(
      provider(true),
      { apply: [], delete: everything.delete, finalizer: "remove", events: [] },
      ports,
    );
    assert.deepEqual(calls, [`delete Deployment/${names.run}`, "finalizers other"]);
  });

  it("does nothing for an empty plan", async () => {
    const { calls, ports } = recording();
    await executePlan(provider(), { apply: [], delete: [], events: [] }, ports);
    assert.deepEqual(calls, []);
  });

  const failures: [string, string, "init" | "run" | "uninstall", "apply" | "delete", boolean][] = [
    ["an init object's apply", `apply Job/${names.init}`, "init", "apply", false],
    ["a run object's delete", `delete Deployment/${names.run}`, "run", "delete", false],
    ["an adoption", `annotate Job/${names.init}`, "init", "apply", false],
    [
      "any delete while the provider is deleted",
      `delete Deployment/${names.run}`,
      "uninstall",
      "delete",
      true,
    ],
  ];
  for (const [what, failing, step, action, deleting] of failures) {
    it(`stops at ${what} and names the step (${step}), the action and the object`, async () => {
      const { calls, ports } = recording(failing);
      const err = await executePlan(provider(deleting), everything, ports).then(
        () => assert.fail("no failure"),
        (e: unknown) => e,
      );
      assert.ok(err instanceof ObjectStepError);
      assert.equal(err.step, step);
      assert.equal(err.action, action);
      assert.equal(`${err.object.kind}/${err.object.name}`, failing.split(" ")[1]);
      assert.equal((err.cause as { code?: number }).code, 422, "the port's error is the cause");
      assert.equal(calls.at(-1), failing, "nothing after the failed step");
      assert.ok(!calls.some((c) => c.startsWith("status")), "no planned status after a failure");
    });
  }

  it("lets a failed status write through as it is (the shell retries it with backoff)", async () => {
    const { ports } = recording("status Progressing");
    await assert.rejects(executePlan(provider(), everything, ports), (e: unknown) => {
      assert.ok(!(e instanceof ObjectStepError));
      return true;
    });
  });
});
