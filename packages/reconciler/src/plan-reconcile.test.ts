import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  ANNOTATION_INIT_HASH,
  ANNOTATION_OPERATION,
  FINALIZER,
  PROVIDER_KINDS,
  type Condition,
  type Deployment,
  type Job,
  type KubeObject,
  type Pod,
  type ProviderStatus,
  validateProvider,
} from "@openmcp-ts/contract";
import { ANNOTATION_RUN_HASH } from "./compute-run-hash.ts";
import { planReconcile } from "./plan-reconcile.ts";
import type { Plan } from "./reconcile-types.ts";
import {
  clone,
  NAMESPACE,
  pod,
  renderDesired,
  T0,
  TEST_IMAGE,
  testProvider,
  World,
} from "./testdata/world.ts";

const kinds = (objects: KubeObject[]) => objects.map((o) => `${o.kind}/${o.metadata.name ?? ""}`);
const cond = (status: ProviderStatus | undefined, type: string): Condition | undefined =>
  status?.conditions?.find((c) => c.type === type);
const brief = (c: Condition | undefined) => (c === undefined ? undefined : `${c.status}/${c.reason}`);
const types = (status: ProviderStatus | undefined) => status?.conditions?.map((c) => c.type);

void describe("planReconcile: first install (acceptance 4, 5, 7, 8)", () => {
  for (const kind of PROVIDER_KINDS) {
    void it(`${kind}: init Job first, then run objects, then Ready`, () => {
      const name = `${kind.toLowerCase()}-test`;
      const world = new World(testProvider(kind, name));
      const p = world.names.run;

      // Pass 1: finalizer, init objects, nothing of the run phase.
      const first = world.pass();
      assert.equal(first.finalizer, "add");
      assert.deepEqual(kinds(first.apply), [
        `ServiceAccount/${p}-init`,
        `ClusterRoleBinding/openmcp.cloud:${p}-init`,
        `Role/${p}-init`,
        `RoleBinding/${p}-init`,
        `Job/${p}-init`,
      ]);
      assert.deepEqual(first.delete, []);
      assert.equal(first.status?.phase, "Progressing");
      assert.equal(first.status?.observedGeneration, 1);
      assert.deepEqual(cond(first.status, "Initialized"), {
        type: "Initialized",
        status: "False",
        reason: "InitRunning",
        message: "Initialization is running",
        lastTransitionTime: "2025-06-01T12:00:00Z",
        observedGeneration: 1,
      });
      assert.deepEqual(cond(first.status, "Ready"), {
        type: "Ready",
        status: "Unknown",
        reason: "ProviderInstallationPending",
        message: "",
        lastTransitionTime: "2025-06-01T12:00:00Z",
        observedGeneration: 1,
      });
      assert.equal(brief(cond(first.status, "Reconciling")), "True/InitRunning");
      assert.deepEqual(types(first.status), ["Initialized", "Ready", "Reconciling"]);
      assert.equal(first.status?.initAttempts, 1);
      assert.equal(first.status?.metrics, undefined);
      assert.equal(first.requeueAfterMs, 30_000);
      assert.deepEqual(first.events, [
        {
          type: "Normal",
          reason: "InitStarted",
          message: `Created init Job ${NAMESPACE}/${p}-init for image ${TEST_IMAGE}`,
        },
      ]);
      assert.ok(world.provider.metadata.finalizers?.includes(FINALIZER));

      // Pass 2 while the Job runs: nothing new, no status write, no event.
      const waiting = world.pass();
      assert.deepEqual(waiting.apply, []);
      assert.equal(waiting.status, undefined);
      assert.deepEqual(waiting.events, []);
      assert.equal(waiting.finalizer, undefined);

      // Job succeeded: run objects, metrics ref, Ready=False/ProviderNotReady.
      world.advance(60_000);
      world.succeedJob();
      const second = world.pass();
      assert.deepEqual(kinds(second.apply), [
        `ServiceAccount/${p}`,
        `ClusterRoleBinding/openmcp.cloud:${p}`,
        `Deployment/${p}`,
        `Service/${p}-metrics`,
      ]);
      const deployment = second.apply[2] as Deployment;
      assert.ok(deployment.metadata.annotations?.[ANNOTATION_RUN_HASH]);
      assert.equal(deployment.spec.template.metadata?.annotations?.[ANNOTATION_RUN_HASH], undefined);
      assert.equal(second.status?.phase, "Progressing");
      assert.equal(brief(cond(second.status, "Initialized")), "True/InitCompleted");
      assert.equal(cond(second.status, "Initialized")?.message, "Initialization has been completed");
      assert.equal(cond(second.status, "Initialized")?.lastTransitionTime, "2025-06-01T12:01:00Z");
      assert.equal(brief(cond(second.status, "Ready")), "False/ProviderNotReady");
      assert.match(cond(second.status, "Ready")!.message, /^Waiting for provider to become ready: /);
      assert.deepEqual(second.status?.metrics, {
        serviceRef: { name: `${p}-metrics`, namespace: NAMESPACE },
      });
      assert.equal(second.status?.initializedImage, TEST_IMAGE);
      assert.equal(second.status?.runningImage, undefined);
      assert.deepEqual(
        second.events.map((e) => e.reason),
        ["InitSucceeded"],
      );

      // Deployment rolled out: Ready.
      world.rollOut();
      const third = world.pass();
      assert.equal(third.status?.phase, "Ready");
      assert.deepEqual(cond(third.status, "Ready"), {
        type: "Ready",
        status: "True",
        reason: "ProviderReady",
        message: "Provider is ready",
        lastTransitionTime: "2025-06-01T12:01:00Z",
        observedGeneration: 1,
      });
      assert.equal(brief(cond(third.status, "Initialized")), "True/InitCompleted");
      assert.equal(cond(third.status, "Reconciling"), undefined);
      assert.equal(cond(third.status, "Stalled"), undefined);
      assert.equal(third.status?.runningImage, TEST_IMAGE);
      assert.equal(third.requeueAfterMs, undefined);
      assert.deepEqual(third.events, [
        {
          type: "Normal",
          reason: "ProviderReady",
          message: `Provider is ready: deployment ${NAMESPACE}/${p} runs image ${TEST_IMAGE}`,
        },
      ]);

      // Steady state: no status write, no events, no requeue, nothing deleted.
      const writes = world.statusWrites;
      world.advance(3_600_000);
      const steady = world.pass();
      assert.equal(steady.status, undefined);
      assert.deepEqual(steady.events, []);
      assert.deepEqual(steady.delete, []);
      assert.equal(steady.requeueAfterMs, undefined);
      assert.equal(world.statusWrites, writes);
    });
  }

  void it("is deterministic: the same input gives the same plan", () => {
    const world = new World();
    const input = world.input();
    assert.deepEqual(
      planReconcile({ ...clone(input), now: input.now }),
      planReconcile({ ...clone(input), now: input.now }),
    );
  });

  void it("metrics off: no Service, no status.metrics; a leftover Service is deleted", () => {
    const world = new World(testProvider("ServiceProvider", "sp1", { metrics: { disabled: false } }));
    world.install();
    assert.ok(world.provider.status?.metrics);
    world.changeSpec({ metrics: { disabled: true } });
    const plan = world.pass();
    assert.deepEqual(kinds(plan.apply), [
      "ServiceAccount/sp-sp1",
      "ClusterRoleBinding/openmcp.cloud:sp-sp1",
      "Deployment/sp-sp1",
    ]);
    assert.deepEqual(plan.delete, [
      { apiVersion: "v1", kind: "Service", name: "sp-sp1-metrics", namespace: NAMESPACE },
    ]);
    assert.equal(plan.status?.metrics, undefined);
    assert.equal(world.pass().delete.length, 0, "once gone, nothing more to delete");
  });
});

void describe("planReconcile: updates and re-init (acceptance 20-24)", () => {
  void it("a spec change that matters to init replaces the Job in two passes and leaves the Deployment alone", () => {
    const world = new World();
    world.slowJobDeletion = true;
    world.install();
    const oldDeployment = clone(world.deployment);
    const oldHash = world.job?.metadata.annotations?.[ANNOTATION_INIT_HASH];

    world.changeSpec({ image: "test-image:v0.2.0" });
    const replace = world.pass();
    assert.deepEqual(replace.apply, []);
    assert.deepEqual(replace.delete, [
      {
        apiVersion: "batch/v1",
        kind: "Job",
        name: "cp-cluster-provider-test-01-init",
        namespace: NAMESPACE,
        propagationPolicy: "Background",
      },
    ]);
    assert.equal(replace.requeueAfterMs, 1_000);
    assert.equal(replace.status?.phase, "Progressing");
    assert.equal(replace.status?.observedGeneration, 2);
    assert.equal(brief(cond(replace.status, "Initialized")), "False/InitRunning");
    assert.equal(brief(cond(replace.status, "Ready")), "Unknown/ProviderInstallationPending");
    assert.ok(replace.status?.conditions?.every((c) => c.observedGeneration === 2));
    assert.equal(replace.status?.metrics, undefined, "parity: no status.metrics while init runs");
    assert.equal(replace.status?.initAttempts, undefined, "a new init hash starts a new series");
    assert.equal(replace.status?.runningImage, TEST_IMAGE, "the old Deployment keeps serving");
    assert.equal(replace.status?.initializedImage, TEST_IMAGE);
    assert.deepEqual(
      replace.events.map((e) => e.reason),
      ["InitStarted"],
    );

    // The Job is still terminating: wait, do not create over it and do not delete again.
    const terminating = world.pass();
    assert.deepEqual(terminating.apply, []);
    assert.deepEqual(terminating.delete, []);
    assert.equal(terminating.requeueAfterMs, 1_000);

    world.finishDeletions();
    const create = world.pass();
    assert.deepEqual(kinds(create.apply).at(-1), "Job/cp-cluster-provider-test-01-init");
    assert.notEqual(world.job?.metadata.annotations?.[ANNOTATION_INIT_HASH], oldHash);
    assert.equal(world.job?.metadata.annotations?.["openmcp.cloud/provider-generation"], "2");
    assert.equal(create.status?.initAttempts, 1);
    assert.deepEqual(world.deployment, oldDeployment, "Deployment untouched while the new init runs");

    world.succeedJob();
    const rollout = world.pass();
    const applied = rollout.apply.find((o) => o.kind === "Deployment") as Deployment;
    assert.equal(applied.spec.template.spec.containers[0]?.image, "test-image:v0.2.0");
    assert.equal(brief(cond(rollout.status, "Ready")), "False/ProviderNotReady");
    assert.match(
      cond(rollout.status, "Ready")!.message,
      /not ready: update pending$/,
      "the pass that applies never judges the old Deployment",
    );
    assert.equal(rollout.status?.initializedImage, "test-image:v0.2.0");
    assert.equal(rollout.status?.runningImage, TEST_IMAGE);

    const progressing = world.pass();
    assert.match(
      cond(progressing.status ?? world.provider.status, "Ready")!.message,
      /observed generation outdated/,
    );
    world.rollOut();
    const ready = world.pass();
    assert.equal(ready.status?.phase, "Ready");
    assert.equal(ready.status?.runningImage, "test-image:v0.2.0");
  });

  void it("a runReplicas-only change keeps the init hash: no re-init, the Deployment is applied at once", () => {
    const world = new World();
    world.install();
    const job = clone(world.job);
    world.changeSpec({ runReplicas: 3 });
    const plan = world.pass();
    assert.deepEqual(plan.delete, []);
    assert.ok(!plan.apply.some((o) => o.kind === "Job"));
    const deployment = plan.apply.find((o) => o.kind === "Deployment") as Deployment;
    assert.equal(deployment.spec.replicas, 3);
    assert.ok(deployment.spec.template.spec.containers[0]?.args?.includes("--leader-elect=true"));
    assert.equal(brief(cond(plan.status, "Initialized")), "True/InitCompleted");
    assert.equal(cond(plan.status, "Initialized")?.observedGeneration, 2);
    assert.equal(brief(cond(plan.status, "Ready")), "False/ProviderNotReady");
    assert.deepEqual(world.job, job);
  });

  void it("labels or annotations of the provider do not replace the Job (22)", () => {
    const world = new World();
    world.install();
    world.provider.metadata.labels = { team: "x" };
    world.provider.metadata.annotations = { note: "y" };
    const plan = world.pass();
    assert.deepEqual(plan.delete, []);
    assert.equal(plan.status, undefined);
  });

  void it("a succeeded Job without an init hash that ran the same init is adopted, not re-run (switch from the reference)", () => {
    const world = new World();
    world.install();
    world.job!.metadata.annotations = {};
    // What the reference renders: no security context, its own backoff limit, server defaults.
    delete world.job!.spec.template.spec.securityContext;
    world.job!.spec.template.spec.containers[0]!.terminationMessagePolicy = "File";
    const plan = world.pass();
    assert.deepEqual(plan.delete, []);
    assert.equal(plan.annotate?.[0]?.kind, "Job");
    assert.equal(
      plan.annotate?.[0]?.annotations[ANNOTATION_INIT_HASH],
      renderDesired(world.provider).desired!.init.initHash,
    );
    assert.ok(
      plan.apply.some((o) => o.kind === "Deployment"),
      "the run phase goes ahead in the same pass",
    );
    assert.equal(brief(cond(plan.status ?? world.provider.status, "Initialized")), "True/InitCompleted");
  });

  for (const [name, annotations, change] of [
    ["missing and it ran another image", {}, "image"],
    ["missing and it ran other env", {}, "env"],
    ["from another spec", { [ANNOTATION_INIT_HASH]: "something-else" }, undefined],
  ] as const) {
    void it(`a Job whose init hash is ${name} is replaced (23)`, () => {
      const world = new World();
      world.install();
      world.job!.metadata.annotations = { ...annotations };
      const container = world.job!.spec.template.spec.containers[0]!;
      if (change === "image") container.image = "other:v9";
      if (change === "env") container.env = [...(container.env ?? []), { name: "EXTRA", value: "1" }];
      const plan = world.pass();
      assert.equal(plan.delete[0]?.kind, "Job");
      assert.equal(plan.delete[0]?.propagationPolicy, "Background");
      assert.ok(!plan.apply.some((o) => o.kind === "Deployment"));
    });
  }

  void it("a Job deleted by hand is re-created; the Deployment waits for it (24)", () => {
    const world = new World();
    world.install();
    world.objects.delete(`Job/${NAMESPACE}/cp-cluster-provider-test-01-init`);
    const plan = world.pass();
    assert.equal(kinds(plan.apply).at(-1), "Job/cp-cluster-provider-test-01-init");
    assert.ok(!plan.apply.some((o) => o.kind === "Deployment"));
    assert.equal(brief(cond(plan.status, "Initialized")), "False/InitRunning");
    assert.equal(brief(cond(plan.status, "Ready")), "Unknown/ProviderInstallationPending");
    assert.equal(plan.status?.runningImage, TEST_IMAGE);
  });

  void it("a running init Job with a stuck pod says why", () => {
    const world = new World();
    world.pass();
    world.initPods = [
      {
        ...pod("cp-cluster-provider-test-01-init-abcde", "2025-06-01T12:00:01Z", {
          name: "init",
          ready: false,
          restartCount: 0,
          state: { waiting: { reason: "ErrImagePull", message: "manifest unknown" } },
        }),
      },
    ];
    const plan = world.pass();
    assert.equal(
      cond(plan.status, "Initialized")?.message,
      "Initialization is running: pod cp-cluster-provider-test-01-init-abcde: container init: ErrImagePull: manifest unknown",
    );
    assert.deepEqual(plan.events, [], "same reason: no new event");
  });
});

void describe("planReconcile: failed init (acceptance 25 [improve])", () => {
  void it("surfaces the failure, backs off exponentially, gives up after maxInitAttempts, and a new hash starts over", () => {
    const world = new World(); // maxInitAttempts 3, backoff 10 s doubling
    world.pass();
    world.advance(5_000);
    world.failJob(3, "cannot reach the onboarding cluster");

    const failed = world.pass();
    const initialized = cond(failed.status, "Initialized")!;
    assert.equal(brief(initialized), "False/InitFailed");
    assert.equal(
      initialized.message,
      `init Job ${NAMESPACE}/cp-cluster-provider-test-01-init failed (attempt 1 of 3): BackoffLimitExceeded: Job has reached the specified backoff limit; ` +
        "pod cp-cluster-provider-test-01-init-aaaaa: container init exited with code 3 (Error): cannot reach the onboarding cluster; " +
        "next attempt at 2025-06-01T12:00:15Z",
    );
    assert.equal(brief(cond(failed.status, "Reconciling")), "True/InitBackoff");
    assert.equal(cond(failed.status, "Stalled"), undefined);
    assert.equal(failed.status?.phase, "Progressing");
    assert.deepEqual(failed.delete, []);
    assert.deepEqual(failed.apply, []);
    assert.equal(failed.requeueAfterMs, 10_000);
    assert.deepEqual(failed.events, [
      { type: "Warning", reason: "InitFailed", message: initialized.message },
    ]);

    // Woken early (e.g. by the Job watch): still waiting, for the rest of the backoff only.
    world.advance(4_000);
    const early = world.pass();
    assert.equal(early.requeueAfterMs, 6_000);
    assert.equal(early.status, undefined);
    assert.deepEqual(early.events, []);

    // Backoff over: delete, then re-create in the next pass as attempt 2.
    world.advance(6_000);
    const retry = world.pass();
    assert.equal(retry.delete[0]?.kind, "Job");
    assert.deepEqual(retry.apply, []);
    const recreate = world.pass();
    assert.equal(kinds(recreate.apply).at(-1), "Job/cp-cluster-provider-test-01-init");
    assert.equal(recreate.status?.initAttempts, 2);
    assert.equal(brief(cond(recreate.status, "Initialized")), "False/InitRunning");
    assert.deepEqual(
      recreate.events.map((e) => e.reason),
      ["InitStarted"],
    );

    // Attempt 2 fails: 20 s backoff.
    world.failJob();
    const second = world.pass();
    assert.equal(second.requeueAfterMs, 20_000);
    assert.match(cond(second.status, "Initialized")!.message, /attempt 2 of 3/);
    world.advance(20_000);
    world.pass();
    world.pass();
    assert.equal(world.provider.status?.initAttempts, 3);

    // Attempt 3 fails: Stalled, no retry, the failed Job stays for inspection.
    world.failJob(1, "boom");
    const stalled = world.pass();
    assert.equal(brief(cond(stalled.status, "Stalled")), "True/InitFailed");
    assert.equal(cond(stalled.status, "Reconciling"), undefined);
    assert.equal(stalled.status?.phase, "Failed");
    assert.match(
      cond(stalled.status, "Initialized")!.message,
      /attempt 3 of 3\).*exited with code 1 \(Error\): boom; giving up/,
    );
    assert.equal(stalled.requeueAfterMs, undefined);
    assert.deepEqual(stalled.delete, []);
    assert.deepEqual(
      stalled.events.map((e) => `${e.type}/${e.reason}`),
      ["Warning/InitFailed"],
    );
    world.advance(3_600_000);
    const later = world.pass();
    assert.deepEqual(
      [later.apply, later.delete, later.status, later.requeueAfterMs],
      [[], [], undefined, undefined],
    );

    // A new spec (new init hash) resets the counter.
    world.changeSpec({ image: "test-image:v0.1.1" });
    const fixed = world.pass();
    assert.equal(fixed.delete[0]?.kind, "Job");
    assert.equal(fixed.status?.initAttempts, undefined);
    assert.equal(cond(fixed.status, "Stalled"), undefined);
    assert.equal(world.pass().status?.initAttempts, 1);
  });

  void it("the reconcile annotation retries a stalled init at once with a fresh counter", () => {
    const world = new World();
    world.options = { ...world.options, maxInitAttempts: 1 };
    world.pass();
    world.failJob();
    assert.equal(brief(cond(world.pass().status, "Stalled")), "True/InitFailed");
    world.provider.metadata.annotations = { [ANNOTATION_OPERATION]: "reconcile" };
    const plan = world.pass();
    assert.equal(plan.removeOperationAnnotation, true);
    assert.equal(plan.delete[0]?.kind, "Job");
    assert.equal(plan.status?.initAttempts, undefined);
    assert.equal(cond(plan.status, "Stalled"), undefined);
    assert.equal(world.pass().status?.initAttempts, 1);
  });

  void it("a failed Job without timestamps is retried at once rather than never", () => {
    const world = new World();
    world.pass();
    world.failJob();
    delete world.job!.status!.conditions![0]!.lastTransitionTime;
    assert.equal(world.pass().delete[0]?.kind, "Job");
  });
});

void describe("planReconcile: Deployment not becoming ready", () => {
  void it("says why and marks ProgressDeadlineExceeded as Stalled", () => {
    const world = new World();
    world.pass();
    world.succeedJob();
    world.pass();
    const deployment = world.deployment!;
    deployment.status = {
      observedGeneration: 1,
      replicas: 1,
      updatedReplicas: 1,
      availableReplicas: 0,
      conditions: [{ type: "Progressing", status: "True", reason: "ReplicaSetUpdated" }],
    };
    const crash: Pod = pod("cp-cluster-provider-test-01-5d-x", "2025-06-01T12:00:00Z", {
      name: "cp-cluster-provider-test-01",
      ready: false,
      restartCount: 3,
      state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 40s" } },
      lastState: { terminated: { exitCode: 1, reason: "Error", message: "unknown flag --metrics-secure" } },
    });
    world.runPods = [crash];
    const waiting = world.pass();
    assert.equal(
      cond(waiting.status, "Ready")?.message,
      "Waiting for provider to become ready: deployment openmcp-system/cp-cluster-provider-test-01 is not ready: " +
        "1/1 replicas updated, 0/1 available; pod cp-cluster-provider-test-01-5d-x: container cp-cluster-provider-test-01: " +
        "CrashLoopBackOff: last run exited with code 1 (Error): unknown flag --metrics-secure",
    );
    assert.equal(brief(cond(waiting.status, "Reconciling")), "True/ProviderNotReady");
    assert.equal(waiting.requeueAfterMs, 30_000);

    deployment.status.conditions = [
      { type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded", message: "timed out" },
    ];
    const stalled = world.pass();
    assert.equal(brief(cond(stalled.status, "Stalled")), "True/ProgressDeadlineExceeded");
    assert.equal(cond(stalled.status, "Reconciling"), undefined);
    assert.equal(stalled.status?.phase, "Failed");
    assert.equal(brief(cond(stalled.status, "Ready")), "False/ProviderNotReady");
    assert.deepEqual(
      stalled.events.map((e) => `${e.type}/${e.reason}`),
      ["Warning/ProgressDeadlineExceeded"],
    );

    // It recovers by itself once the pods come up.
    world.rollOut();
    const ready = world.pass();
    assert.equal(ready.status?.phase, "Ready");
    assert.equal(cond(ready.status, "Stalled"), undefined);
  });
});

void describe("planReconcile: invalid spec (acceptance 15)", () => {
  void it("validation problems: nothing applied, InitJobCreationFailed for the env clash, Stalled", () => {
    const world = new World(
      testProvider("ClusterProvider", "x", { env: [{ name: "POD_NAMESPACE", value: "x" }] }),
    );
    world.problems = [
      {
        path: "spec.env[0].name",
        value: "POD_NAMESPACE",
        reason: "Reserved",
        message: 'spec.env[0].name: "POD_NAMESPACE" is reserved: the operator sets it from the downward API',
      },
    ];
    const plan = world.pass();
    assert.deepEqual(plan.apply, []);
    assert.deepEqual(plan.delete, []);
    assert.equal(plan.finalizer, "add");
    assert.equal(brief(cond(plan.status, "Initialized")), "False/InitJobCreationFailed");
    assert.match(
      cond(plan.status, "Initialized")!.message,
      /environment variable is not unique: POD_NAMESPACE/,
    );
    assert.match(cond(plan.status, "Initialized")!.message, /spec\.env\[0\]\.name: "POD_NAMESPACE"/);
    assert.deepEqual(
      [
        cond(plan.status, "Ready")?.status,
        cond(plan.status, "Ready")?.reason,
        cond(plan.status, "Ready")?.message,
      ],
      ["Unknown", "ProviderInstallationPending", ""],
    );
    assert.equal(brief(cond(plan.status, "Stalled")), "True/InvalidSpec");
    assert.equal(plan.status?.phase, "Failed");
    assert.equal(plan.requeueAfterMs, undefined, "a spec change brings the next pass");
    assert.deepEqual(
      plan.events.map((e) => `${e.type}/${e.reason}`),
      ["Warning/InvalidSpec"],
    );
    assert.deepEqual(world.pass().events, [], "no event when nothing changed");
  });

  void it("a render error (no validation in the shell) gives the reference's message and a slow retry", () => {
    const world = new World(
      testProvider("ClusterProvider", "x", { env: [{ name: "POD_NAMESPACE", value: "x" }] }),
    );
    const plan = world.pass();
    assert.deepEqual(plan.apply, []);
    assert.equal(brief(cond(plan.status, "Initialized")), "False/InitJobCreationFailed");
    assert.match(
      cond(plan.status, "Initialized")!.message,
      /environment variable is not unique: POD_NAMESPACE$/,
    );
    assert.equal(plan.requeueAfterMs, 300_000);
  });

  void it("other problems: Ready=False/InvalidSpec naming field and value; the running Deployment is left alone", () => {
    const world = new World();
    world.install();
    world.changeSpec({ image: "Not An Image" });
    world.problems = [
      {
        path: "spec.image",
        value: "Not An Image",
        reason: "InvalidImage",
        message: 'spec.image: "Not An Image" is not a valid image reference',
      },
    ];
    const plan = world.pass();
    assert.deepEqual([plan.apply, plan.delete], [[], []]);
    const ready = cond(plan.status, "Ready")!;
    assert.equal(brief(ready), "False/InvalidSpec");
    assert.equal(ready.message, 'invalid spec: spec.image: "Not An Image" is not a valid image reference');
    assert.equal(brief(cond(plan.status, "Initialized")), "False/InvalidSpec");
    assert.equal(plan.status?.runningImage, TEST_IMAGE);
    assert.equal(plan.status?.observedGeneration, 2);
  });
});

void describe("planReconcile: validation in the core", () => {
  void it("without problems from the shell, the core validates the provider itself", () => {
    const world = new World(testProvider("ClusterProvider", "x", { runReplicas: 0 }));
    const plan = world.pass();
    assert.deepEqual(plan.apply, []);
    assert.equal(brief(cond(plan.status, "Ready")), "False/InvalidSpec");
    assert.match(cond(plan.status, "Ready")!.message, /^invalid spec: spec\.runReplicas: 0 /);
  });

  void it("contract's validateProvider output fits `problems` as it is", () => {
    const provider = testProvider("ClusterProvider", "x", { env: [{ name: "POD_NAMESPACE", value: "x" }] });
    const problems = validateProvider(provider);
    const plan = planReconcile({
      provider,
      problems,
      observed: {},
      now: T0,
      options: { namespace: NAMESPACE },
    });
    assert.equal(brief(cond(plan.status, "Initialized")), "False/InitJobCreationFailed");
    assert.match(
      cond(plan.status, "Initialized")!.message,
      /environment variable is not unique: POD_NAMESPACE/,
    );
  });
});

void describe("planReconcile: operation annotation (acceptance 26, 27)", () => {
  void it("ignore: nothing at all", () => {
    const world = new World();
    world.provider.metadata.annotations = { [ANNOTATION_OPERATION]: "ignore" };
    assert.deepEqual(world.pass(), { apply: [], delete: [], events: [] } satisfies Plan);
    assert.equal(world.provider.metadata.finalizers, undefined);
  });

  void it("ignore does not block deletion [deviation]", () => {
    const world = new World();
    world.install();
    world.provider.metadata.annotations = { [ANNOTATION_OPERATION]: "ignore" };
    world.provider.metadata.deletionTimestamp = "2025-06-01T13:00:00Z";
    const plan = world.pass();
    assert.equal(plan.finalizer, "remove");
    assert.equal(plan.delete.length, 9);
  });

  void it("reconcile: the annotation is removed and the normal flow runs", () => {
    const world = new World();
    world.install();
    world.provider.metadata.annotations = { [ANNOTATION_OPERATION]: "reconcile", other: "kept" };
    const plan = world.pass();
    assert.equal(plan.removeOperationAnnotation, true);
    assert.equal(plan.apply.length, 4);
    assert.deepEqual(world.provider.metadata.annotations, { other: "kept" });
    assert.equal(world.pass().removeOperationAnnotation, undefined);
  });
});

void describe("planReconcile: status ownership (acceptance 28, 29)", () => {
  void it("never writes status.resources", () => {
    const world = new World(testProvider("ServiceProvider", "sp"));
    world.provider.status = { resources: [{ group: "g", version: "v1", kind: "K" }] };
    world.install();
    assert.deepEqual(world.provider.status.resources, [{ group: "g", version: "v1", kind: "K" }]);
    const plan = planReconcile({ ...world.input(), now: T0 });
    assert.equal(plan.status, undefined, "resources do not count as a difference");
    world.changeSpec({ runReplicas: 2 });
    const changed = world.pass();
    assert.ok(changed.status);
    assert.equal("resources" in changed.status, false);
  });

  void it("unchanged conditions keep lastTransitionTime while observedGeneration follows", () => {
    const world = new World();
    world.install();
    const readySince = cond(world.provider.status, "Initialized")?.lastTransitionTime;
    world.advance(3_600_000);
    world.changeSpec({ runReplicas: 2 });
    const plan = world.pass();
    const initialized = cond(plan.status, "Initialized")!;
    assert.equal(initialized.lastTransitionTime, readySince);
    assert.equal(initialized.observedGeneration, 2);
    assert.equal(cond(plan.status, "Ready")?.lastTransitionTime, "2025-06-01T13:00:00Z");
  });

  void it("removes a leftover Uninstalled condition", () => {
    const world = new World();
    world.provider.status = {
      conditions: [
        {
          type: "Uninstalled",
          status: "False",
          reason: "UninstallFailed",
          message: "x",
          lastTransitionTime: "2025-01-01T00:00:00Z",
        },
      ],
    };
    assert.deepEqual(types(world.pass().status), ["Initialized", "Ready", "Reconciling"]);
  });
});

void describe("planReconcile: deletion (acceptance 31, 32)", () => {
  void it("deletes everything we create, in order, then removes the finalizer, without a status write", () => {
    const world = new World(
      testProvider("ServiceProvider", "a-very-long-service-provider-name-that-exceeds-the-limit"),
    );
    // Validation rejects this name today (the Job name would exceed 63 characters); an older
    // operator may still have installed it, and deletion must find the shortened Service name.
    world.problems = [];
    world.install();
    world.provider.metadata.deletionTimestamp = "2025-06-01T13:00:00Z";
    const plan = world.pass();
    const p = "sp-a-very-long-service-provider-name-that-exceeds-the-limit";
    assert.deepEqual(plan.delete, [
      { apiVersion: "apps/v1", kind: "Deployment", name: p, namespace: NAMESPACE },
      { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", name: `openmcp.cloud:${p}` },
      { apiVersion: "v1", kind: "ServiceAccount", name: p, namespace: NAMESPACE },
      {
        apiVersion: "v1",
        kind: "Service",
        name: "sp-a-very-long-service-provider-name-that-exc--fztage3e-metrics",
        namespace: NAMESPACE,
      },
      {
        apiVersion: "batch/v1",
        kind: "Job",
        name: `${p}-init`,
        namespace: NAMESPACE,
        propagationPolicy: "Background",
      },
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        name: `openmcp.cloud:${p}-init`,
      },
      { apiVersion: "v1", kind: "ServiceAccount", name: `${p}-init`, namespace: NAMESPACE },
      { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", name: `${p}-init`, namespace: NAMESPACE },
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        name: `${p}-init`,
        namespace: NAMESPACE,
      },
    ]);
    assert.equal(plan.finalizer, "remove");
    assert.equal(plan.status, undefined);
    assert.deepEqual(plan.apply, []);
    assert.deepEqual(
      plan.events.map((e) => e.reason),
      ["Uninstalled"],
    );
    assert.equal(world.objects.size, 0);
    assert.equal(world.gone, true);
  });

  void it("plans the same deletes when objects are already gone, and nothing without our finalizer", () => {
    const world = new World();
    world.pass();
    world.objects.clear();
    world.provider.metadata.deletionTimestamp = "2025-06-01T13:00:00Z";
    const plan = planReconcile(world.input());
    assert.equal(plan.delete.length, 9);
    assert.equal(plan.finalizer, "remove");
    world.provider.metadata.finalizers = [];
    assert.deepEqual(planReconcile(world.input()), { apply: [], delete: [], events: [] });
  });

  void it("works without rendered objects (e.g. the spec became invalid)", () => {
    const provider = testProvider();
    provider.metadata.finalizers = [FINALIZER];
    provider.metadata.deletionTimestamp = "2025-06-01T13:00:00Z";
    const plan = planReconcile({
      provider,
      problems: { message: "broken", type: "SpecMissing" },
      observed: {},
      now: T0,
      options: { namespace: NAMESPACE },
    });
    assert.equal(plan.delete.length, 9);
  });
});

void describe("planReconcile: input checks", () => {
  void it("rejects nonsensical options", () => {
    const input = new World().input();
    assert.throws(() => planReconcile({ ...input, options: { namespace: "" } }), /namespace is empty/);
    assert.throws(
      () => planReconcile({ ...input, options: { namespace: "n", maxInitAttempts: 0 } }),
      /maxInitAttempts/,
    );
    assert.throws(
      () => planReconcile({ ...input, options: { namespace: "n", progressPollMs: -1 } }),
      /progressPollMs/,
    );
  });

  void it("treats missing desired objects without problems as a render failure", () => {
    const input = new World().input();
    const plan = planReconcile({ ...input, desired: undefined });
    assert.deepEqual(plan.apply, []);
    assert.equal(brief(cond(plan.status, "Stalled")), "True/InvalidSpec");
  });

  void it("reads a Job that succeeded by condition only, and an image from the container when the annotation is missing", () => {
    const world = new World();
    world.pass();
    const job = world.job as Job;
    delete job.metadata.annotations!["openmcp.cloud/provider-image"];
    job.status = { conditions: [{ type: "Complete", status: "True" }] };
    const plan = world.pass();
    assert.equal(brief(cond(plan.status, "Initialized")), "True/InitCompleted");
    assert.equal(plan.status?.initializedImage, TEST_IMAGE);
  });
});

void describe("planReconcile: rollouts the user did not ask for", () => {
  void it("keep Ready=True while the old pods serve, with Reconciling=True/RollingOut", () => {
    const world = new World();
    world.ctx = { ...world.ctx, securityContext: "none" };
    world.install();
    assert.equal(brief(cond(world.provider.status, "Ready")), "True/ProviderReady");
    // A new pod template of the operator's own (same generation): e.g. after a switch of operators.
    world.ctx = { ...world.ctx, securityContext: "restricted" };
    const plan = world.pass();
    assert.ok(plan.apply.some((o) => o.kind === "Deployment"));
    assert.equal(brief(cond(world.provider.status, "Ready")), "True/ProviderReady");
    assert.equal(brief(cond(world.provider.status, "Reconciling")), "True/RollingOut");
    assert.equal(world.provider.status?.phase, "Ready");
    world.rollOut();
    world.pass();
    assert.equal(cond(world.provider.status, "Reconciling"), undefined);
  });

  void it("do not hide a spec change or a Deployment that lost its pods", () => {
    const world = new World();
    world.install();
    world.changeSpec({ runReplicas: 3 });
    world.pass();
    assert.equal(brief(cond(world.provider.status, "Ready")), "False/ProviderNotReady");

    const other = new World();
    other.ctx = { ...other.ctx, securityContext: "none" };
    other.install();
    other.ctx = { ...other.ctx, securityContext: "restricted" };
    other.deployment!.status = { ...other.deployment!.status, availableReplicas: 0 };
    other.pass();
    assert.equal(brief(cond(other.provider.status, "Ready")), "False/ProviderNotReady");
  });
});

void describe("planReconcile: a failed init pod while the Job still retries (fail fast)", () => {
  const failedPod = (name: string, created: string, exitCode: number, message: string) =>
    pod(name, created, {
      name: "init",
      ready: false,
      restartCount: 0,
      state: { terminated: { exitCode, reason: "Error", message, finishedAt: created } },
    });

  void it("says so at once with the attempt, exit code, message and time, and one Warning Event per pod", () => {
    const world = new World();
    world.pass();
    world.initPods = [
      failedPod("cp-x-init-aaaaa", "2025-06-01T12:00:01Z", 3, "cannot install CRD: forbidden"),
    ];
    const first = world.pass();
    const initialized = cond(world.provider.status, "Initialized");
    assert.equal(brief(initialized), "False/InitPodFailed");
    assert.equal(
      initialized?.message,
      "init pod cp-x-init-aaaaa failed (pod 1 of 5) at 2025-06-01T12:00:01Z: exited with code 3 (Error): cannot install CRD: forbidden; the Job tries again",
    );
    assert.equal(brief(cond(world.provider.status, "Reconciling")), "True/InitPodFailed");
    assert.deepEqual(
      first.events.map((e) => `${e.type}/${e.reason}`),
      ["Warning/InitPodFailed"],
    );
    assert.deepEqual(world.pass().events, [], "the same failure is not announced twice");

    world.initPods.push(
      failedPod("cp-x-init-bbbbb", "2025-06-01T12:00:11Z", 3, "cannot install CRD: forbidden"),
    );
    const second = world.pass();
    assert.match(
      cond(world.provider.status, "Initialized")!.message,
      /^init pod cp-x-init-bbbbb failed \(pod 2 of 5\)/,
    );
    assert.deepEqual(
      second.events.map((e) => e.reason),
      ["InitPodFailed"],
    );

    // A later pod succeeds: the Job succeeded, init is complete.
    world.succeedJob();
    world.pass();
    assert.equal(brief(cond(world.provider.status, "Initialized")), "True/InitCompleted");
  });

  void it("ignores failed pods of an earlier Job of the same name", () => {
    const world = new World();
    world.pass();
    world.job!.metadata.uid = "job-2";
    const old = failedPod("cp-x-init-old", "2025-06-01T11:00:00Z", 1, "old");
    old.metadata.ownerReferences = [{ apiVersion: "batch/v1", kind: "Job", name: "x", uid: "job-1" }];
    world.initPods = [old];
    world.pass();
    assert.equal(brief(cond(world.provider.status, "Initialized")), "False/InitRunning");
  });
});

void describe("planReconcile: image resolution from the shell (issue 20)", () => {
  void it("records the digest and ImageResolved=True, or why resolution failed and what is deployed instead", () => {
    const world = new World();
    const tag = world.provider.spec.image;
    const pinned = `${tag.split(":")[0] ?? ""}@sha256:${"a".repeat(64)}`;
    let plan = planReconcile({ ...world.input(), imageResolution: { tag, image: pinned } });
    assert.equal(plan.status?.resolvedImage, pinned);
    assert.equal(brief(cond(plan.status, "ImageResolved")), "True/ImageResolved");
    assert.equal(cond(plan.status, "ImageResolved")?.message, `${tag} resolved to ${pinned}`);

    plan = planReconcile({
      ...world.input(),
      imageResolution: { tag, image: pinned, error: "registry down" },
    });
    assert.equal(plan.status?.resolvedImage, pinned, "the last good digest is kept");
    assert.equal(cond(plan.status, "ImageResolved")?.message, `registry down; keeping ${pinned}`);

    plan = planReconcile({ ...world.input(), imageResolution: { tag, image: tag, error: "denied" } });
    assert.equal(plan.status?.resolvedImage, undefined);
    assert.equal(cond(plan.status, "ImageResolved")?.message, `denied; deploying the tag ${tag}`);

    plan = planReconcile(world.input());
    assert.equal(cond(plan.status, "ImageResolved"), undefined, "no condition with resolution off");
  });
});
