import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  ANNOTATION_OPERATION,
  ANNOTATION_ROLLBACK,
  type Condition,
  type Deployment,
  type ProviderStatus,
} from "@openmcp-ts/contract";
import { ANNOTATION_RUN_HASH } from "./compute-run-hash.ts";
import { formatDuration } from "./rollback.ts";
import type { Plan } from "./reconcile-types.ts";
import { OPTIONS, TEST_IMAGE, World, testProvider } from "./testdata/world.ts";

const NEW_IMAGE = "test-image:v0.2.0";
const GRACE = 60_000;
const DEADLINE = 600_000;

const cond = (status: ProviderStatus | undefined, type: string): Condition | undefined =>
  status?.conditions?.find((c) => c.type === type);
const brief = (c: Condition | undefined) => (c === undefined ? undefined : `${c.status}/${c.reason}`);
const deploymentOf = (plan: Plan) =>
  plan.apply.find((o) => o.kind === "Deployment") as Deployment | undefined;
const imageOf = (d: Deployment | undefined) => d?.spec.template.spec.containers[0]?.image;

/** A provider installed and Ready with TEST_IMAGE, then upgraded to NEW_IMAGE whose init succeeded. */
function upgraded(options: Partial<typeof OPTIONS> = {}, annotations: Record<string, string> = {}): World {
  const world = new World(testProvider("ServiceProvider", "rb"));
  world.options = { ...OPTIONS, ...options };
  world.provider.metadata.annotations = annotations;
  world.install();
  world.changeSpec({ image: NEW_IMAGE });
  world.pass(); // replaces the init Job of the old spec
  world.pass(); // creates the new one
  world.succeedJob();
  return world;
}

void describe("rollback to the last good release (issue 20)", () => {
  void it("remembers the last good release when the provider becomes Ready", () => {
    const world = new World(testProvider("ServiceProvider", "rb"));
    world.install();
    const good = world.provider.status?.lastGoodRelease;
    assert.equal(good?.image, TEST_IMAGE);
    assert.equal(good?.runHash, world.deployment?.metadata.annotations?.[ANNOTATION_RUN_HASH]);
    assert.equal(good?.initHash, world.job?.metadata.annotations?.["openmcp.cloud/init-hash"]);
    assert.equal(world.provider.status?.pendingRelease, undefined);
  });

  void it("rolls a crash-looping release back after the grace period, to the old ReplicaSet's template", () => {
    const world = upgraded({ progressPollMs: 0 });
    const good = world.provider.status!.lastGoodRelease!;
    const apply = world.pass();
    assert.equal(imageOf(deploymentOf(apply)), NEW_IMAGE);
    const pending = world.provider.status?.pendingRelease;
    assert.equal(pending?.image, NEW_IMAGE);
    assert.equal(pending?.since, "2025-06-01T12:00:00Z");

    world.failNewPods("CrashLoopBackOff");
    world.advance(10_000);
    const early = world.pass();
    assert.equal(brief(cond(world.provider.status, "Ready")), "False/ProviderNotReady");
    assert.equal(imageOf(world.deployment), NEW_IMAGE, "no rollback within the grace period");
    assert.equal(early.requeueAfterMs, GRACE - 10_000, "looks again when the grace period is over");

    world.advance(GRACE);
    const rollback = world.pass();
    const rolledBack = deploymentOf(rollback);
    assert.equal(imageOf(rolledBack), TEST_IMAGE);
    assert.equal(rolledBack?.metadata.annotations?.[ANNOTATION_RUN_HASH], good.runHash);
    assert.equal(rolledBack?.spec.template.metadata?.labels?.["pod-template-hash"], undefined);
    assert.equal(world.replicaSets.length, 2, "the old ReplicaSet is found again, none is created");
    const status = world.provider.status;
    assert.equal(brief(cond(status, "Ready")), "False/RolledBack");
    assert.equal(brief(cond(status, "Stalled")), "True/RolledBack");
    assert.equal(cond(status, "Reconciling"), undefined);
    assert.equal(status?.phase, "Failed");
    assert.equal(status?.failedRelease?.image, NEW_IMAGE);
    assert.equal(status?.failedRelease?.reason, "CrashLoopBackOff");
    assert.equal(status?.pendingRelease, undefined);
    assert.deepEqual(status?.lastGoodRelease, good);
    const message = cond(status, "Ready")!.message;
    assert.match(
      message,
      /^release test-image:v0\.2\.0 \(init \w+, run \w+\) failed \(CrashLoopBackOff\): pod sp-rb-h2-xxxxx: container sp-rb: CrashLoopBackOff/,
    );
    assert.match(
      message,
      /; rolled back to test-image:v0\.1\.0 \(init \w+, run \w+\); CRDs and other objects the failed release's init created stay; it is not tried again until the spec changes or the annotation openmcp\.cloud\/operation=reconcile is set$/,
    );
    assert.deepEqual(
      rollback.events.map((e) => [e.type, e.reason, e.message]),
      [["Warning", "RolledBack", message]],
    );

    // Held back: every pass applies the old template again; no writes, no events.
    world.rollOut();
    world.advance(DEADLINE);
    const held = world.pass();
    assert.equal(imageOf(deploymentOf(held)), TEST_IMAGE);
    assert.equal(held.status, undefined);
    assert.deepEqual(held.events, []);
  });

  void it("rolls back a release that cannot pull its image, and one that never becomes ready by the deadline", () => {
    const pull = upgraded();
    pull.pass();
    pull.failNewPods("ImagePullBackOff");
    pull.advance(GRACE);
    pull.pass();
    assert.equal(pull.provider.status?.failedRelease?.reason, "ImagePullBackOff");
    assert.equal(imageOf(pull.deployment), TEST_IMAGE);

    const never = upgraded({ rolloutDeadlineMs: 120_000 });
    never.pass();
    never.advance(119_000);
    const before = never.pass();
    assert.equal(before.requeueAfterMs, 1_000, "looks again at the deadline");
    assert.equal(imageOf(never.deployment), NEW_IMAGE);
    never.advance(1_000);
    never.pass();
    const failed = never.provider.status?.failedRelease;
    assert.equal(failed?.reason, "RolloutDeadlineExceeded");
    assert.match(failed?.message ?? "", /^not ready within 2m: deployment openmcp-system\/sp-rb /);
    assert.equal(imageOf(never.deployment), TEST_IMAGE);
  });

  void it("counts the Deployment's own ProgressDeadlineExceeded as a failure at once", () => {
    const world = upgraded();
    world.pass();
    const d = world.deployment!;
    d.status = {
      observedGeneration: d.metadata.generation ?? 1,
      conditions: [
        {
          type: "Progressing",
          status: "False",
          reason: "ProgressDeadlineExceeded",
          message: "ReplicaSet has timed out progressing.",
        },
      ],
    };
    world.pass();
    assert.equal(world.provider.status?.failedRelease?.reason, "ProgressDeadlineExceeded");
    assert.equal(imageOf(world.deployment), TEST_IMAGE);
  });

  void it("a release whose init gives up leaves the old Deployment running and says RolledBack", () => {
    const world = new World(testProvider("ServiceProvider", "rb"));
    world.install();
    const deployment = JSON.stringify(world.deployment);
    world.changeSpec({ image: NEW_IMAGE });
    for (let attempt = 0; attempt < 3; attempt++) {
      world.pass();
      world.pass();
      world.failJob();
      world.advance(120_000);
    }
    const plan = world.pass();
    assert.equal(deploymentOf(plan), undefined);
    assert.equal(JSON.stringify(world.deployment), deployment, "the old Deployment is untouched");
    const status = world.provider.status;
    assert.equal(brief(cond(status, "Ready")), "False/RolledBack");
    assert.equal(brief(cond(status, "Stalled")), "True/RolledBack");
    assert.equal(status?.failedRelease?.reason, "InitFailed");
    assert.match(
      cond(status, "Ready")!.message,
      /failed \(InitFailed\): init Job .* failed \(attempt 3 of 3\).*; the Deployment keeps running test-image:v0\.1\.0/,
    );
  });

  void it("tries the failed release again on the reconcile annotation, and rolls forward to a new good release", () => {
    const world = upgraded();
    world.pass();
    world.failNewPods("CrashLoopBackOff");
    world.advance(GRACE);
    world.pass();
    assert.equal(imageOf(world.deployment), TEST_IMAGE);

    world.provider.metadata.annotations = { [ANNOTATION_OPERATION]: "reconcile" };
    const retry = world.pass();
    assert.equal(retry.removeOperationAnnotation, true);
    assert.equal(imageOf(world.deployment), NEW_IMAGE, "the failed release is tried again");
    assert.equal(world.provider.status?.failedRelease, undefined);
    assert.equal(
      world.provider.status?.pendingRelease?.since,
      "2025-06-01T12:01:00Z",
      "its deadline starts anew",
    );

    world.changeSpec({ image: "test-image:v0.3.0" });
    world.pass();
    world.pass();
    world.succeedJob();
    world.pass();
    assert.equal(imageOf(world.deployment), "test-image:v0.3.0");
    world.rollOut();
    world.pass();
    const status = world.provider.status;
    assert.equal(brief(cond(status, "Ready")), "True/ProviderReady");
    assert.equal(status?.lastGoodRelease?.image, "test-image:v0.3.0");
    assert.equal(status?.pendingRelease, undefined);
    assert.equal(status?.failedRelease, undefined);
  });

  void it("is off with the provider's annotation or operator-wide, and impossible without the old ReplicaSet", () => {
    for (const world of [
      upgraded({}, { [ANNOTATION_ROLLBACK]: "disabled" }),
      upgraded({ rollback: false }),
    ]) {
      world.pass();
      world.failNewPods("CrashLoopBackOff");
      world.advance(DEADLINE);
      world.pass();
      assert.equal(imageOf(world.deployment), NEW_IMAGE);
      assert.equal(brief(cond(world.provider.status, "Ready")), "False/ProviderNotReady");
      assert.equal(world.provider.status?.failedRelease, undefined);
      assert.equal(world.provider.status?.pendingRelease, undefined);
    }
    const gone = upgraded();
    gone.pass();
    gone.replicaSets = gone.replicaSets.slice(1);
    gone.advance(DEADLINE);
    gone.pass();
    assert.equal(imageOf(gone.deployment), NEW_IMAGE);
    assert.match(
      cond(gone.provider.status, "Ready")!.message,
      /; cannot roll back to test-image:v0\.1\.0: no ReplicaSet of it is left$/,
    );
  });

  void it("formats durations the way the messages use them", () => {
    assert.deepEqual([500, 45_000, 60_000, 90_000, 600_000].map(formatDuration), [
      "500ms",
      "45s",
      "1m",
      "1m30s",
      "10m",
    ]);
  });
});
