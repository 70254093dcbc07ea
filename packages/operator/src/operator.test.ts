import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  ANNOTATION_INIT_HASH,
  ANNOTATION_OPERATION,
  FINALIZER,
  providerObjectNames,
  type Deployment,
  type Job,
  type Provider,
  type ProviderKind,
  type Service,
} from "@openmcp-ts/contract";
import {
  condition,
  eventually,
  providerRef,
  startOperatorHarness,
  testProvider,
  type OperatorHarness,
  completeJob as completeJobStatus,
} from "@openmcp-ts/test-support";

/**
 * Acceptance scenarios of the reference (§10) against a real kube-apiserver. There is no
 * controller-manager in this mode, so the test plays it: it writes Job and Deployment status.
 */
describe("operator against a real apiserver", () => {
  let h: OperatorHarness;
  before(async () => {
    h = await startOperatorHarness();
  });
  after(async () => {
    await h?.stop();
  });

  const ns = (): string => h.namespace;
  const getProvider = (kind: Provider["kind"], name: string): Promise<Provider | undefined> =>
    h.client.find<Provider>(providerRef(kind, name));
  const getJob = (name: string): Promise<Job | undefined> =>
    h.client.find<Job>({ apiVersion: "batch/v1", kind: "Job", namespace: ns(), name });
  const getDeployment = (name: string): Promise<Deployment | undefined> =>
    h.client.find<Deployment>({ apiVersion: "apps/v1", kind: "Deployment", namespace: ns(), name });

  const completeJob = (name: string): Promise<void> => completeJobStatus(h.client, ns(), name);

  async function makeDeploymentAvailable(name: string): Promise<void> {
    const d = (await getDeployment(name))!;
    const r = d.spec.replicas ?? 1;
    await h.client.patch(
      { apiVersion: "apps/v1", kind: "Deployment", namespace: ns(), name },
      "merge",
      {
        status: {
          observedGeneration: d.metadata.generation,
          replicas: r,
          updatedReplicas: r,
          availableReplicas: r,
          readyReplicas: r,
        },
      },
      { subresource: "status" },
    );
  }

  /** Plays the controllers for an applied provider: completes its init Job and makes its Deployment available. */
  async function rollOutToReady(kind: ProviderKind, name: string): Promise<Provider> {
    const names = providerObjectNames(kind, name);
    await eventually("init Job", () => getJob(names.init));
    await completeJob(names.init);
    await eventually("Deployment", () => getDeployment(names.run));
    await makeDeploymentAvailable(names.run);
    return eventually("Ready", async () => {
      const p = await getProvider(kind, name);
      return p?.status?.phase === "Ready" ? p : undefined;
    });
  }

  it("installs a ClusterProvider: init objects first, then the Deployment, then Ready (scenarios 4, 7, 8)", async () => {
    const name = "cluster-provider-test-01";
    await h.client.apply(testProvider("ClusterProvider", name), "test");
    const job = await eventually("init Job", () => getJob(`cp-${name}-init`));
    assert.deepEqual(job.spec.template.spec.containers[0]!.args, [
      "init",
      "--environment=test-environment",
      "--verbosity=DEBUG",
      `--provider-name=${name}`,
    ]);
    assert.equal(job.spec.template.spec.containers[0]!.env?.[0]?.name, "NAME");
    assert.equal(job.spec.template.spec.containers[0]!.env?.length, 5);
    assert.ok(job.metadata.annotations?.[ANNOTATION_INIT_HASH], "Job carries the init hash");
    for (const [kind, apiVersion, objName, namespaced] of [
      ["ServiceAccount", "v1", `cp-${name}-init`, true],
      ["Role", "rbac.authorization.k8s.io/v1", `cp-${name}-init`, true],
      ["RoleBinding", "rbac.authorization.k8s.io/v1", `cp-${name}-init`, true],
      ["ClusterRoleBinding", "rbac.authorization.k8s.io/v1", `openmcp.cloud:cp-${name}-init`, false],
    ] as const) {
      assert.ok(
        await h.client.find({ apiVersion, kind, name: objName, ...(namespaced ? { namespace: ns() } : {}) }),
        `${kind} ${objName} exists`,
      );
    }
    const progressing = await eventually("InitRunning status", async () => {
      const p = await getProvider("ClusterProvider", name);
      return condition(p, "Initialized")?.reason === "InitRunning" ? p : undefined;
    });
    assert.ok(progressing.metadata.finalizers?.includes(FINALIZER));
    assert.equal(progressing.status?.phase, "Progressing");
    assert.equal(progressing.status?.observedGeneration, 1);
    assert.equal(condition(progressing, "Ready")?.status, "Unknown");
    assert.equal(condition(progressing, "Ready")?.reason, "ProviderInstallationPending");
    assert.equal(await getDeployment(`cp-${name}`), undefined, "no Deployment before init succeeded");

    await completeJob(`cp-${name}-init`);
    const deployment = await eventually("run Deployment", () => getDeployment(`cp-${name}`));
    assert.deepEqual(deployment.spec.template.spec.containers[0]!.args, [
      "run",
      "--environment=test-environment",
      "--verbosity=DEBUG",
      `--provider-name=${name}`,
      "--metrics-bind-address=:8080",
      "--metrics-secure=false",
    ]);
    assert.ok(
      await h.client.find<Service>({
        apiVersion: "v1",
        kind: "Service",
        namespace: ns(),
        name: `cp-${name}-metrics`,
      }),
    );
    const notReady = await eventually("ProviderNotReady", async () => {
      const p = await getProvider("ClusterProvider", name);
      return condition(p, "Ready")?.reason === "ProviderNotReady" ? p : undefined;
    });
    assert.equal(condition(notReady, "Initialized")?.status, "True");
    assert.match(condition(notReady, "Ready")!.message, /^Waiting for provider to become ready: /);
    assert.deepEqual(notReady.status?.metrics, {
      serviceRef: { name: `cp-${name}-metrics`, namespace: ns() },
    });

    await makeDeploymentAvailable(`cp-${name}`);
    const ready = await eventually("Ready", async () => {
      const p = await getProvider("ClusterProvider", name);
      return p?.status?.phase === "Ready" ? p : undefined;
    });
    assert.equal(condition(ready, "Ready")?.reason, "ProviderReady");
    assert.equal(condition(ready, "Ready")?.message, "Provider is ready");
    assert.equal(ready.status?.initializedImage, "test-image:v0.1.0");
  });

  it("sends no write for an unchanged, ready provider and keeps lastTransitionTime (scenarios 22, 29)", async () => {
    await h.operator.controller.idle();
    await new Promise((r) => setTimeout(r, 500));
    await h.operator.controller.idle();
    const before = await h.writes();
    const readyBefore = condition(await getProvider("ClusterProvider", "cluster-provider-test-01"), "Ready");
    // Touch every watched object type by re-queuing the provider through an unrelated label change.
    await h.client.patch(providerRef("ClusterProvider", "cluster-provider-test-01"), "merge", {
      metadata: { labels: { touched: "yes" } },
    });
    await new Promise((r) => setTimeout(r, 1500));
    await h.operator.controller.idle();
    assert.equal((await h.writes()) - before, 0, "a no-op reconcile wrote to the API");
    const readyAfter = condition(await getProvider("ClusterProvider", "cluster-provider-test-01"), "Ready");
    assert.equal(
      readyAfter?.lastTransitionTime,
      readyBefore?.lastTransitionTime,
      "lastTransitionTime is stable (scenario 29)",
    );
  });

  it("keeps ServiceProvider status.resources written by the provider (scenario 28)", async () => {
    const name = "service-provider-resources";
    await h.client.apply(testProvider("ServiceProvider", name), "test");
    await eventually("init Job", () => getJob(`sp-${name}-init`));
    const resources = [{ group: "example.services.openmcp.cloud", version: "v1alpha1", kind: "Example" }];
    await h.client.patch(
      providerRef("ServiceProvider", name),
      "merge",
      { status: { resources } },
      { subresource: "status" },
    );
    const ready = await rollOutToReady("ServiceProvider", name);
    assert.deepEqual(ready.status?.resources, resources);
  });

  it("re-runs init on an image change while the old Deployment keeps serving, but not for runReplicas (scenarios 20, 21)", async () => {
    const name = "platform-service-upgrade";
    await h.client.apply(testProvider("PlatformService", name), "test");
    await rollOutToReady("PlatformService", name);
    const firstHash = (await getJob(`ps-${name}-init`))!.metadata.annotations![ANNOTATION_INIT_HASH];

    await h.client.apply(testProvider("PlatformService", name, { runReplicas: 3 }), "test");
    const scaled = await eventually("replicas 3", async () => {
      const d = await getDeployment(`ps-${name}`);
      return d?.spec.replicas === 3 ? d : undefined;
    });
    assert.ok(scaled.spec.template.spec.containers[0]!.args!.includes("--leader-elect=true"));
    assert.equal(
      (await getJob(`ps-${name}-init`))!.metadata.annotations![ANNOTATION_INIT_HASH],
      firstHash,
      "runReplicas does not re-run init",
    );

    await h.client.apply(
      testProvider("PlatformService", name, { runReplicas: 3, image: "test-image:v0.2.0" }),
      "test",
    );
    const newJob = await eventually("new init Job", async () => {
      const j = await getJob(`ps-${name}-init`);
      return j && j.metadata.annotations?.[ANNOTATION_INIT_HASH] !== firstHash ? j : undefined;
    });
    assert.equal(newJob.spec.template.spec.containers[0]!.image, "test-image:v0.2.0");
    const during = await getProvider("PlatformService", name);
    assert.equal(condition(during, "Initialized")?.status, "False");
    assert.equal(
      (await getDeployment(`ps-${name}`))!.spec.template.spec.containers[0]!.image,
      "test-image:v0.1.0",
      "old Deployment keeps serving",
    );

    await completeJob(`ps-${name}-init`);
    await eventually("Deployment rolled to v0.2.0", async () => {
      const d = await getDeployment(`ps-${name}`);
      return d?.spec.template.spec.containers[0]!.image === "test-image:v0.2.0" ? d : undefined;
    });
  });

  it("does nothing for a provider annotated ignore, and resumes on reconcile (scenarios 26, 27)", async () => {
    const name = "ignored-provider";
    await h.client.apply(
      {
        ...testProvider("ServiceProvider", name),
        metadata: { name, annotations: { [ANNOTATION_OPERATION]: "ignore" } },
      },
      "test",
    );
    await new Promise((r) => setTimeout(r, 1000));
    await h.operator.controller.idle();
    const p = await getProvider("ServiceProvider", name);
    assert.equal(p?.metadata.finalizers, undefined);
    assert.equal(p?.status, undefined);
    assert.equal(await getJob(`sp-${name}-init`), undefined);

    await h.client.patch(providerRef("ServiceProvider", name), "merge", {
      metadata: { annotations: { [ANNOTATION_OPERATION]: "reconcile" } },
    });
    await eventually("init Job after reconcile annotation", () => getJob(`sp-${name}-init`));
    const after = await eventually("annotation removed", async () => {
      const q = await getProvider("ServiceProvider", name);
      return q?.metadata.annotations?.[ANNOTATION_OPERATION] === undefined ? q : undefined;
    });
    assert.ok(after.metadata.finalizers?.includes(FINALIZER));
  });

  it("rejects invalid specs at admission with the field named (scenario 3)", async () => {
    const cases: [string, Partial<Provider["spec"]>, RegExp][] = [
      ["empty image", { image: "" }, /spec\.image/],
      ["bad verbosity", { verbosity: "TRACE" as "INFO" }, /spec\.verbosity/],
      ["zero replicas", { runReplicas: 0 }, /spec\.runReplicas/],
      ["reserved env", { env: [{ name: "POD_NAMESPACE", value: "x" }] }, /spec\.env|POD_NAMESPACE/],
      [
        "duplicate env",
        {
          env: [
            { name: "A", value: "1" },
            { name: "A", value: "2" },
          ],
        },
        /spec\.env/,
      ],
    ];
    for (const [what, spec, pattern] of cases) {
      await assert.rejects(
        h.client.apply(testProvider("ServiceProvider", `invalid-${what.replaceAll(" ", "-")}`, spec), "test"),
        pattern,
        what,
      );
    }
  });

  it("re-creates a deleted init Job without touching the Deployment (scenario 24)", async () => {
    const name = "job-deleted-by-hand";
    await h.client.apply(testProvider("ServiceProvider", name), "test");
    const ready = await rollOutToReady("ServiceProvider", name);
    assert.equal(ready.status?.phase, "Ready");
    const deploymentBefore = (await getDeployment(`sp-${name}`))!;

    const oldJob = (await getJob(`sp-${name}-init`))!;
    await h.client.delete(
      { apiVersion: "batch/v1", kind: "Job", namespace: ns(), name: `sp-${name}-init` },
      "Background",
    );
    const newJob = await eventually("Job re-created", async () => {
      const j = await getJob(`sp-${name}-init`);
      return j && j.metadata.uid !== oldJob.metadata.uid ? j : undefined;
    });
    assert.equal(
      newJob.metadata.annotations?.[ANNOTATION_INIT_HASH],
      oldJob.metadata.annotations?.[ANNOTATION_INIT_HASH],
    );
    const deploymentDuring = (await getDeployment(`sp-${name}`))!;
    assert.equal(
      deploymentDuring.metadata.resourceVersion,
      deploymentBefore.metadata.resourceVersion,
      "Deployment untouched while init re-runs",
    );
  });

  it("ignores a reconcile for a provider that does not exist (scenario 30)", async () => {
    const before = await h.writes();
    const result = await h.operator.controller.reconcile("ClusterProvider", "does-not-exist");
    assert.equal(result, undefined);
    assert.equal(await h.writes(), before);
  });

  it("reports UninstallFailed and keeps the finalizer while a DELETE is refused, then finishes (scenario 33)", async () => {
    const name = "undeletable";
    await h.client.apply(testProvider("ClusterProvider", name), "test");
    await eventually("init Job", () => getJob(`cp-${name}-init`));
    await completeJob(`cp-${name}-init`);
    await eventually("Deployment", () => getDeployment(`cp-${name}`));

    // A real admission policy on the real apiserver refuses to delete Deployments.
    const policy = {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingAdmissionPolicy",
      metadata: { name: "deny-deployment-delete" },
      spec: {
        failurePolicy: "Fail",
        matchConstraints: {
          resourceRules: [
            { apiGroups: ["apps"], apiVersions: ["v1"], operations: ["DELETE"], resources: ["deployments"] },
          ],
        },
        validations: [{ expression: "false", message: "deleting Deployments is blocked by the test policy" }],
      },
    };
    const binding = {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingAdmissionPolicyBinding",
      metadata: { name: "deny-deployment-delete" },
      spec: { policyName: "deny-deployment-delete", validationActions: ["Deny"] },
    };
    await h.client.apply(policy, "test");
    await h.client.apply(binding, "test");
    // A Deployment we may delete and re-create until the policy is seen to refuse the delete.
    const probe = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "probe", namespace: "default" },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: "probe" } },
        template: {
          metadata: { labels: { app: "probe" } },
          spec: { containers: [{ name: "c", image: "x:v1" }] },
        },
      },
    };
    await h.client.apply(probe, "test");
    await eventually("policy in force", async () => {
      try {
        await h.client.delete({
          apiVersion: "apps/v1",
          kind: "Deployment",
          namespace: "default",
          name: "probe",
        });
        await h.client.apply(probe, "test");
        return undefined;
      } catch (err) {
        return /blocked by the test policy/.test(String(err)) ? true : undefined;
      }
    });

    await h.client.delete(providerRef("ClusterProvider", name));
    const failing = await eventually("UninstallFailed", async () => {
      const p = await getProvider("ClusterProvider", name);
      return condition(p, "Uninstalled")?.reason === "UninstallFailed" ? p : undefined;
    });
    assert.equal(failing.status?.phase, "Uninstalling");
    assert.match(
      condition(failing, "Uninstalled")!.message,
      /Deployment .*cp-undeletable.*blocked by the test policy/,
    );
    assert.equal(condition(failing, "Initialized"), undefined);
    assert.equal(condition(failing, "Ready"), undefined);
    assert.equal(failing.status?.metrics, undefined);
    assert.ok(failing.metadata.finalizers?.includes(FINALIZER));

    await h.client.delete({
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingAdmissionPolicyBinding",
      name: "deny-deployment-delete",
    });
    await eventually(
      "provider gone after the policy is lifted",
      async () => ((await getProvider("ClusterProvider", name)) ? undefined : true),
      60_000,
    );
  });

  it("deletes everything it created and releases the provider (scenarios 31, 32)", async () => {
    const name = "cluster-provider-test-01";
    await h.client.delete(providerRef("ClusterProvider", name));
    await eventually("provider gone", async () =>
      (await getProvider("ClusterProvider", name)) ? undefined : true,
    );
    for (const [kind, apiVersion, objName, namespaced] of [
      ["Deployment", "apps/v1", `cp-${name}`, true],
      ["Job", "batch/v1", `cp-${name}-init`, true],
      ["Service", "v1", `cp-${name}-metrics`, true],
      ["ServiceAccount", "v1", `cp-${name}`, true],
      ["ServiceAccount", "v1", `cp-${name}-init`, true],
      ["Role", "rbac.authorization.k8s.io/v1", `cp-${name}-init`, true],
      ["RoleBinding", "rbac.authorization.k8s.io/v1", `cp-${name}-init`, true],
      ["ClusterRoleBinding", "rbac.authorization.k8s.io/v1", `openmcp.cloud:cp-${name}`, false],
      ["ClusterRoleBinding", "rbac.authorization.k8s.io/v1", `openmcp.cloud:cp-${name}-init`, false],
    ] as const) {
      const live = await h.client.find<{ metadata: { deletionTimestamp?: string } }>({
        apiVersion,
        kind,
        name: objName,
        ...(namespaced ? { namespace: ns() } : {}),
      });
      assert.ok(!live || live.metadata.deletionTimestamp, `${kind} ${objName} is deleted`);
    }
  });
});
