import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  API_VERSION,
  ANNOTATION_INIT_HASH,
  type Deployment,
  type Job,
  type Pod,
  type Provider,
} from "@openmcp-ts/contract";
import { Informer } from "@openmcp-ts/kube";
import {
  condition,
  eventually,
  providerRef,
  spawnOperatorProcess,
  startOperatorHarness,
  testProvider,
  type OperatorHarness,
  type OperatorProcess,
} from "@openmcp-ts/test-support";
import { INIT_BEHAVIOR_ENV, RUN_BEHAVIOR_ENV } from "@openmcp-ts/testenv";

/**
 * End to end on the full local control plane: kube-controller-manager runs the Jobs and
 * Deployments, kwok plays the kubelet, the operator runs as it does in a cluster.
 */
describe("operator end to end (full control plane)", () => {
  let h: OperatorHarness;
  before(async () => {
    h = await startOperatorHarness({
      full: true,
      operator: { maxInitAttempts: 2, initBackoffBaseMs: 300, initBackoffMaxMs: 600, initJobBackoffLimit: 0 },
    });
  });
  after(async () => {
    await h?.stop();
  });

  const getProvider = (name: string): Promise<Provider | undefined> =>
    h.client.find<Provider>(providerRef("ServiceProvider", name));
  const untilReady = (name: string, timeoutMs = 60_000): Promise<Provider> =>
    eventually(
      `${name} Ready`,
      async () => {
        const p = await getProvider(name);
        return p?.status?.phase === "Ready" && p.status.observedGeneration === p.metadata.generation
          ? p
          : undefined;
      },
      timeoutMs,
    );

  it("brings the example ServiceProvider from the contract to Ready on its own", async () => {
    const example: Provider = {
      apiVersion: API_VERSION,
      kind: "ServiceProvider",
      metadata: { name: "example-service" },
      spec: { image: "ghcr.io/openmcp-project/images/service-provider-example:v1.0.0", verbosity: "INFO" },
    };
    await h.client.apply(example, "e2e");
    const ready = await untilReady("example-service");
    assert.equal(condition(ready, "Initialized")?.reason, "InitCompleted");
    assert.equal(condition(ready, "Ready")?.reason, "ProviderReady");
    assert.equal(
      ready.status?.initializedImage,
      "ghcr.io/openmcp-project/images/service-provider-example:v1.0.0",
    );
    assert.equal(
      ready.status?.runningImage,
      "ghcr.io/openmcp-project/images/service-provider-example:v1.0.0",
    );
  });

  it("runs the generated pods under the restricted Pod Security Standard, which the namespace enforces", async () => {
    // Enforcement is on: a pod without the restricted settings is refused at admission.
    await assert.rejects(
      h.client.create({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "unrestricted", namespace: h.namespace },
        spec: { containers: [{ name: "c", image: "busybox" }] },
      }),
      /violates PodSecurity "restricted:latest"/,
    );
    // The example's init and run pods were admitted there (the provider above is Ready).
    const pods = await h.client.list<Pod>(
      { apiVersion: "v1", kind: "Pod", namespace: h.namespace },
      { labelSelector: "app.kubernetes.io/instance=example-service" },
    );
    const components = new Set(pods.items.map((p) => p.metadata.labels?.["app.kubernetes.io/component"]));
    assert.ok(components.has("controller"), `run pods exist: ${[...components].join(", ")}`);
  });

  it("rolls a new image only after its init succeeded, while the old Deployment keeps serving", async () => {
    const name = "rolling";
    await h.client.apply(testProvider("ServiceProvider", name), "e2e");
    await untilReady(name);
    const jobSucceededAt = new Map<string, number>();
    let imageChangedAt = 0;
    const jobs = new Informer<Job & { metadata: { name?: string } }>(
      h.client,
      { apiVersion: "batch/v1", kind: "Job", namespace: h.namespace },
      {
        onEvent: (_t, j) => {
          const hash = j.metadata.annotations?.[ANNOTATION_INIT_HASH] ?? "";
          if (
            j.metadata.name === `sp-${name}-init` &&
            (j.status?.succeeded ?? 0) > 0 &&
            !jobSucceededAt.has(hash)
          )
            jobSucceededAt.set(hash, Date.now());
        },
      },
    );
    const deployments = new Informer<Deployment & { metadata: { name?: string } }>(
      h.client,
      { apiVersion: "apps/v1", kind: "Deployment", namespace: h.namespace },
      {
        onEvent: (_t, d) => {
          if (
            d.metadata.name === `sp-${name}` &&
            d.spec.template.spec.containers[0]?.image === "test-image:v0.2.0" &&
            !imageChangedAt
          )
            imageChangedAt = Date.now();
        },
      },
    );
    await Promise.all([jobs.start(), deployments.start()]);
    try {
      await h.client.apply(testProvider("ServiceProvider", name, { image: "test-image:v0.2.0" }), "e2e");
      const ready = await untilReady(name);
      assert.equal(ready.status?.runningImage, "test-image:v0.2.0");
      const newHash = (
        await h.client.get<Job>({
          apiVersion: "batch/v1",
          kind: "Job",
          namespace: h.namespace,
          name: `sp-${name}-init`,
        })
      ).metadata.annotations![ANNOTATION_INIT_HASH]!;
      const succeeded = jobSucceededAt.get(newHash);
      assert.ok(succeeded && imageChangedAt, "saw both the new init succeed and the Deployment change");
      assert.ok(imageChangedAt >= succeeded, "the Deployment changed only after the new init Job succeeded");
    } finally {
      await jobs.stop();
      await deployments.stop();
    }
  });

  it("does not re-run init for a runReplicas-only change", async () => {
    const name = "scaling";
    await h.client.apply(testProvider("ServiceProvider", name), "e2e");
    await untilReady(name);
    const jobBefore = await h.client.get<Job>({
      apiVersion: "batch/v1",
      kind: "Job",
      namespace: h.namespace,
      name: `sp-${name}-init`,
    });
    await h.client.apply(testProvider("ServiceProvider", name, { runReplicas: 2 }), "e2e");
    const ready = await untilReady(name);
    const jobAfter = await h.client.get<Job>({
      apiVersion: "batch/v1",
      kind: "Job",
      namespace: h.namespace,
      name: `sp-${name}-init`,
    });
    assert.equal(jobAfter.metadata.uid, jobBefore.metadata.uid, "the same init Job");
    const d = await h.client.get<Deployment>({
      apiVersion: "apps/v1",
      kind: "Deployment",
      namespace: h.namespace,
      name: `sp-${name}`,
    });
    assert.equal(d.status?.availableReplicas, 2);
    assert.equal(ready.status?.phase, "Ready");
  });

  it("surfaces a failed init with the pod's termination message, retries with backoff, then stalls", async () => {
    const name = "broken-init";
    await h.client.apply(
      testProvider("ServiceProvider", name, {
        env: [
          { name: INIT_BEHAVIOR_ENV, value: "fail" },
          { name: "TESTENV_EXIT_CODE", value: "3" },
          { name: "TESTENV_MESSAGE", value: "cannot install CRDs: permission denied" },
        ],
      }),
      "e2e",
    );
    const stalled = await eventually(
      "Stalled",
      async () => {
        const p = await getProvider(name);
        return condition(p, "Stalled")?.status === "True" ? p : undefined;
      },
      60_000,
    );
    const init = condition(stalled, "Initialized")!;
    assert.equal(init.status, "False");
    assert.equal(init.reason, "InitFailed");
    assert.match(init.message, /cannot install CRDs: permission denied/);
    assert.match(init.message, /3/);
    assert.equal(stalled.status?.initAttempts, 2);
    assert.notEqual(stalled.status?.phase, "Ready");
    assert.equal(
      await h.client.find({
        apiVersion: "apps/v1",
        kind: "Deployment",
        namespace: h.namespace,
        name: `sp-${name}`,
      }),
      undefined,
    );
  });

  it("says why a run pod never becomes ready", async () => {
    const name = "crashing";
    await h.client.apply(
      testProvider("ServiceProvider", name, { env: [{ name: RUN_BEHAVIOR_ENV, value: "crashloop" }] }),
      "e2e",
    );
    const p = await eventually(
      "CrashLoopBackOff in Ready",
      async () => {
        const q = await getProvider(name);
        return /CrashLoopBackOff/.test(condition(q, "Ready")?.message ?? "") ? q : undefined;
      },
      60_000,
    );
    assert.equal(condition(p, "Ready")?.status, "False");
    assert.equal(condition(p, "Initialized")?.status, "True");
  });

  it("leaves nothing behind after deletion", async () => {
    const name = "example-service";
    await h.client.delete(providerRef("ServiceProvider", name));
    await eventually("provider gone", async () => ((await getProvider(name)) ? undefined : true));
    await eventually(
      "no objects or pods left for it",
      async () => {
        const leftovers: string[] = [];
        for (const [apiVersion, kind] of [
          ["batch/v1", "Job"],
          ["apps/v1", "Deployment"],
          ["v1", "Pod"],
          ["v1", "Service"],
          ["v1", "ServiceAccount"],
          ["rbac.authorization.k8s.io/v1", "Role"],
          ["rbac.authorization.k8s.io/v1", "RoleBinding"],
        ] as const) {
          const list = await h.client.list<Pod>(
            { apiVersion, kind, namespace: h.namespace },
            { labelSelector: `app.kubernetes.io/instance=${name}` },
          );
          leftovers.push(...list.items.map((i) => `${kind}/${i.metadata.name}`));
        }
        const crbs = await h.client.list<Pod>(
          { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding" },
          { labelSelector: `app.kubernetes.io/instance=${name}` },
        );
        leftovers.push(...crbs.items.map((i) => `ClusterRoleBinding/${i.metadata.name}`));
        return leftovers.length === 0 ? true : undefined;
      },
      60_000,
    );
  });
});

describe("leader election between two operator processes", () => {
  let h: OperatorHarness;
  const children: OperatorProcess[] = [];
  before(async () => {
    // The harness brings the control plane, CRDs and namespace; its in-process operator is stopped so only the two children run.
    h = await startOperatorHarness({ full: true });
    await h.operator.stop();
  });
  after(async () => {
    for (const c of children) c.child.kill("SIGKILL");
    await h?.cp.stop();
  });

  function startOperatorProcess(id: string): OperatorProcess {
    const p = spawnOperatorProcess({
      kubeconfig: h.cp.kubeconfigPath,
      id,
      args: ["--leader-elect", "--leader-elect-lease-duration=4"],
    });
    children.push(p);
    return p;
  }

  it("lets only the leader write, and fails over when the leader is killed", async () => {
    const a = startOperatorProcess("operator-a");
    const b = startOperatorProcess("operator-b");
    const won = (c: OperatorProcess): boolean => c.started();
    const leader = await eventually(
      "a leader",
      () => Promise.resolve(won(a) ? a : won(b) ? b : undefined),
      30_000,
    );
    const follower = leader === a ? b : a;
    await h.client.apply(testProvider("ServiceProvider", "elected"), "e2e");
    await eventually(
      "Ready under the first leader",
      async () => {
        const p = await h.client.find<Provider>(providerRef("ServiceProvider", "elected"));
        return p?.status?.phase === "Ready" ? true : undefined;
      },
      60_000,
    );
    assert.equal(won(follower), false, "only one leader");

    leader.child.kill("SIGKILL");
    const killedAt = Date.now();
    await h.client.apply(testProvider("ServiceProvider", "elected", { runReplicas: 2 }), "e2e");
    await eventually("follower takes over", () => Promise.resolve(won(follower) ? true : undefined), 30_000);
    await eventually(
      "Ready for generation 2 under the new leader",
      async () => {
        const p = await h.client.find<Provider>(providerRef("ServiceProvider", "elected"));
        return p?.status?.phase === "Ready" && p.status.observedGeneration === 2 ? true : undefined;
      },
      60_000,
    );
    assert.ok(Date.now() - killedAt < 30_000, "fail-over within the lease duration plus retry periods");
  });
});
