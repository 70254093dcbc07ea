import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  ANNOTATION_OPERATION,
  ANNOTATION_ROLLBACK,
  API_VERSION,
  OPERATION_RECONCILE,
  ROLLBACK_DISABLED,
  LABEL_INSTANCE,
  providerObjectNames,
  type Deployment,
  type Job,
  type Pod,
  type Provider,
} from "@openmcp-ts/contract";
import { Informer } from "@openmcp-ts/kube";
import {
  condition,
  eventually,
  startOperatorHarness,
  testProvider,
  type OperatorHarness,
} from "@openmcp-ts/test-support";
import { INIT_BEHAVIOR_ENV, RUN_BEHAVIOR_ENV } from "@openmcp-ts/testenv";
import { loadavg } from "node:os";

const GRACE_MS = 2_000;
const DEADLINE_MS = 20_000;

type Named<T> = T & { metadata: { name?: string } };

/**
 * Ready pods per provider, from every pod event: the lowest count seen since `arm(name)` shows
 * whether there was a moment without a serving replica.
 */
class ReadyPodWatcher {
  private readonly ready = new Map<string, Set<string>>();
  private readonly low = new Map<string, number>();
  /** When each pod was first seen crash-looping or unable to pull. */
  readonly failedAt = new Map<string, number>();
  readonly informer: Informer<Named<Pod>>;
  constructor(h: OperatorHarness) {
    this.informer = new Informer<Named<Pod>>(
      h.client,
      { apiVersion: "v1", kind: "Pod", namespace: h.namespace },
      { onEvent: (type, pod) => this.see(type, pod) },
    );
  }
  private see(type: string, pod: Named<Pod>): void {
    const provider = pod.metadata.labels?.[LABEL_INSTANCE];
    const name = pod.metadata.name ?? "";
    if (provider === undefined) return;
    const set = this.ready.get(provider) ?? new Set<string>();
    const isReady =
      type !== "DELETED" &&
      pod.metadata.deletionTimestamp === undefined &&
      (pod.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
    if (isReady) set.add(name);
    else set.delete(name);
    this.ready.set(provider, set);
    if (this.low.has(provider)) this.low.set(provider, Math.min(this.low.get(provider)!, set.size));
    const waiting = (pod.status?.containerStatuses ?? []).map((s) => s.state?.waiting?.reason ?? "");
    if (
      waiting.some((r) => ["CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull"].includes(r)) &&
      !this.failedAt.has(name)
    )
      this.failedAt.set(name, Date.now());
  }
  /** From now on, track the lowest number of ready pods of `provider`. */
  arm(provider: string): void {
    this.low.set(provider, this.ready.get(provider)?.size ?? 0);
  }
  lowest(provider: string): number | undefined {
    return this.low.get(provider);
  }
}

/**
 * A bad new release rolls back to the last good one (issue 20): crash loop, never ready and init
 * stalled, each with the old pods serving throughout; afterwards a good release rolls forward.
 * Times from the failure to the completed rollback are printed (measured, not asserted).
 */
describe("rollback to the last good release (full control plane)", () => {
  let h: OperatorHarness;
  let watcher: ReadyPodWatcher;
  before(async () => {
    h = await startOperatorHarness({
      full: true,
      operator: {
        rolloutDeadlineMs: DEADLINE_MS,
        rolloutFailureGraceMs: GRACE_MS,
        maxInitAttempts: 1,
        initJobBackoffLimit: 0,
      },
    });
    watcher = new ReadyPodWatcher(h);
    await watcher.informer.start();
  });
  after(async () => {
    await watcher?.informer.stop();
    await h?.stop();
  });

  const ref = (name: string) => ({ apiVersion: API_VERSION, kind: "ServiceProvider", name });
  const get = (name: string) => h.client.get<Provider>(ref(name));
  const deployment = (name: string) =>
    h.client.get<Deployment>({
      apiVersion: "apps/v1",
      kind: "Deployment",
      namespace: h.namespace,
      name: providerObjectNames("ServiceProvider", name).run,
    });
  const readyWith = (name: string, image: string) =>
    eventually(
      `${name} Ready with ${image}`,
      async () => {
        const p = await get(name);
        return p.status?.phase === "Ready" &&
          p.status.observedGeneration === p.metadata.generation &&
          p.status.lastGoodRelease?.image === image
          ? p
          : undefined;
      },
      90_000,
    );
  /** Rolled back: status says so and the Deployment runs the old template with all replicas available. */
  const rolledBack = (name: string, oldImage: string, seen: { since?: string }) =>
    eventually(
      `${name} rolled back to ${oldImage}`,
      async () => {
        const p = await get(name);
        if (p.status?.pendingRelease !== undefined) seen.since = p.status.pendingRelease.since;
        if (condition(p, "Ready")?.reason !== "RolledBack") return undefined;
        const d = await deployment(name);
        const s = d.status;
        const want = d.spec.replicas ?? 1;
        const done =
          d.spec.template.spec.containers[0]?.image === oldImage &&
          (s?.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) &&
          s?.replicas === want &&
          s.updatedReplicas === want &&
          s.availableReplicas === want;
        return done ? { p, at: Date.now() } : undefined;
      },
      120_000,
      50,
    );

  const timings: string[] = [];
  after(() => {
    process.stderr.write(
      `rollback: failure → rollback complete: ${timings.join("; ")} (load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")})\n`,
    );
  });

  const scenarios = [
    {
      name: "crashloop",
      env: [{ name: RUN_BEHAVIOR_ENV, value: "crashloop" }],
      reason: "CrashLoopBackOff",
    },
    {
      name: "never-ready",
      env: [{ name: RUN_BEHAVIOR_ENV, value: "never-ready" }],
      reason: "RolloutDeadlineExceeded",
    },
    { name: "init-stalled", env: [{ name: INIT_BEHAVIOR_ENV, value: "fail" }], reason: "InitFailed" },
  ] as const;

  for (const s of scenarios) {
    it(`${s.name}: rolls back with the old pods serving throughout, then a good release rolls forward`, async () => {
      const name = `rb-${s.name}`;
      const v1 = "test-image:v0.1.0";
      await h.client.apply(testProvider("ServiceProvider", name, { image: v1, runReplicas: 2 }), "test");
      const good = await readyWith(name, v1);
      await eventually(`${name}: 2 ready pods seen`, () => {
        watcher.arm(name);
        return watcher.lowest(name) === 2;
      });
      const generationBefore = (await deployment(name)).metadata.generation;

      const started = Date.now();
      await h.client.apply(
        testProvider("ServiceProvider", name, {
          image: "test-image:v0.2.0",
          runReplicas: 2,
          env: [{ name: "NAME", value: "test-name" }, ...s.env],
        }),
        "test",
      );
      const pending: { since?: string } = {};
      const { p, at } = await rolledBack(name, v1, pending);
      const failed = p.status?.failedRelease;
      assert.equal(failed?.image, "test-image:v0.2.0");
      assert.equal(failed?.reason, s.reason);
      assert.deepEqual(p.status?.lastGoodRelease, good.status?.lastGoodRelease);
      assert.equal(condition(p, "Stalled")?.reason, "RolledBack");
      const message = condition(p, "Ready")!.message;
      assert.match(
        message,
        new RegExp(`^release test-image:v0\\.2\\.0 \\(init \\w+, run \\w+\\) failed \\(${s.reason}\\): `),
      );
      assert.match(message, /CRDs and other objects the failed release's init created stay/);
      const events = (
        await h.client.list<{ reason?: string; message?: string; involvedObject?: { name?: string } }>({
          apiVersion: "v1",
          kind: "Event",
          namespace: "default",
        })
      ).items.filter((e) => e.involvedObject?.name === name && e.reason === "RolledBack");
      assert.deepEqual(
        events.map((e) => e.message),
        [message],
        "one Warning Event RolledBack",
      );

      // The moment the release failed, as the test can see it.
      let failedAt: number;
      if (s.name === "crashloop") {
        const seen = [...watcher.failedAt]
          .filter(([pod, t]) => pod.startsWith(`sp-${name}-`) && t >= started)
          .map(([, t]) => t);
        assert.ok(seen.length > 0, "the test saw a crash-looping pod");
        // The first crash-looping pod (the grace period after the rollout began is in the time).
        failedAt = Math.min(...seen);
      } else if (s.name === "never-ready") {
        assert.ok(pending.since, "the test saw the pending release");
        failedAt = Date.parse(pending.since) + DEADLINE_MS;
      } else {
        const job = await h.client.get<Job>({
          apiVersion: "batch/v1",
          kind: "Job",
          namespace: h.namespace,
          name: providerObjectNames("ServiceProvider", name).init,
        });
        const c = job.status?.conditions?.find((x) => x.type === "Failed" && x.status === "True");
        failedAt = Date.parse(c?.lastTransitionTime ?? "") || at;
        assert.equal(
          (await deployment(name)).metadata.generation,
          generationBefore,
          "a stalled init never touched the Deployment",
        );
      }
      timings.push(`${s.name} ${((at - failedAt) / 1000).toFixed(1)} s`);

      // The Deployment controller found the old ReplicaSet again: none was created for the rollback.
      const replicaSets = (
        await h.client.list<{ spec: { replicas?: number; template: Deployment["spec"]["template"] } }>(
          { apiVersion: "apps/v1", kind: "ReplicaSet", namespace: h.namespace },
          { labelSelector: `${LABEL_INSTANCE}=${name}` },
        )
      ).items;
      assert.deepEqual(
        replicaSets.map((rs) => [rs.spec.template.spec.containers[0]?.image, rs.spec.replicas]).sort(),
        s.name === "init-stalled"
          ? [[v1, 2]]
          : [
              [v1, 2],
              ["test-image:v0.2.0", 0],
            ],
      );

      // Not retried: a while later it is still rolled back, and nothing changed.
      const rv = (await get(name)).metadata.resourceVersion;
      await new Promise((r) => setTimeout(r, GRACE_MS));
      const still = await get(name);
      assert.equal(still.metadata.resourceVersion, rv, "no write while held back");
      assert.equal((await deployment(name)).spec.template.spec.containers[0]?.image, v1);

      if (s.name === "crashloop") {
        // The reconcile annotation tries the failed release once more; it fails and rolls back again.
        const firstFailure = (await get(name)).status?.failedRelease;
        await h.client.patch(ref(name), "merge", {
          metadata: { annotations: { [ANNOTATION_OPERATION]: OPERATION_RECONCILE } },
        });
        await eventually(`${name} tries the failed release again`, async () => {
          const d = await deployment(name);
          return d.spec.template.spec.containers[0]?.image === "test-image:v0.2.0";
        });
        const again = await rolledBack(name, v1, {});
        assert.deepEqual(
          { ...again.p.status?.failedRelease, message: "" },
          { ...firstFailure, message: "" },
          "the same release failed again",
        );
      }

      const v3 = "test-image:v0.3.0";
      await h.client.apply(testProvider("ServiceProvider", name, { image: v3, runReplicas: 2 }), "test");
      const forward = await readyWith(name, v3);
      assert.equal(forward.status?.failedRelease, undefined);
      assert.equal(forward.status?.pendingRelease, undefined);
      assert.equal((await deployment(name)).spec.template.spec.containers[0]?.image, v3);
      assert.equal(watcher.lowest(name), 2, "both replicas served at every moment");
    });
  }

  it("with the annotation openmcp.cloud/rollback: disabled, a crash-looping release stays as it is", async () => {
    const name = "rb-disabled";
    const provider = (image: string, env: { name: string; value: string }[] = []) => {
      const p = testProvider("ServiceProvider", name, {
        image,
        env: [{ name: "NAME", value: "test-name" }, ...env],
      });
      p.metadata.annotations = { [ANNOTATION_ROLLBACK]: ROLLBACK_DISABLED };
      return p;
    };
    await h.client.apply(provider("test-image:v0.1.0"), "test");
    await readyWith(name, "test-image:v0.1.0");
    await h.client.apply(
      provider("test-image:v0.2.0", [{ name: RUN_BEHAVIOR_ENV, value: "crashloop" }]),
      "test",
    );
    const p = await eventually(
      `${name} reports the crash loop`,
      async () => {
        const x = await get(name);
        const c = condition(x, "Ready");
        return x.status?.observedGeneration === x.metadata.generation &&
          c?.message.includes("CrashLoopBackOff")
          ? x
          : undefined;
      },
      60_000,
    );
    // Well past the grace period: no rollback.
    await new Promise((r) => setTimeout(r, 2 * GRACE_MS));
    const later = await get(name);
    assert.equal(condition(later, "Ready")?.reason, "ProviderNotReady");
    assert.equal(later.status?.failedRelease, undefined);
    assert.equal(later.status?.pendingRelease, undefined);
    assert.equal(p.status?.failedRelease, undefined);
    assert.equal((await deployment(name)).spec.template.spec.containers[0]?.image, "test-image:v0.2.0");
  });
});
