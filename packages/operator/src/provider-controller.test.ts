import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { providerObjectNames, type Deployment, type Provider } from "@openmcp-ts/contract";
import { createLogger } from "@openmcp-ts/kube";
import { startOperator, type RunningOperator } from "./operator.ts";
import {
  TEST_ENVIRONMENT,
  completeJob,
  condition,
  eventually,
  providerRef,
  startOperatorHarness,
  testProvider,
  type OperatorHarness,
} from "@openmcp-ts/test-support";

interface Binding {
  metadata: { uid: string };
  roleRef: { apiGroup: string; kind: string; name: string };
}

/**
 * Where ours differed from the reference without a reason (review of issue 13), against a real
 * kube-apiserver: the webhook names are accepted and only clash while the webhook Secret exists;
 * a new --provider-cluster-role replaces the bindings whose roleRef cannot change.
 */
describe("provider controller against a real apiserver", () => {
  let h: OperatorHarness;
  let second: RunningOperator | undefined;
  before(async () => {
    h = await startOperatorHarness({
      operator: { providerClusterRoles: { ServiceProvider: "cluster-admin" } },
    });
  });
  after(async () => {
    await second?.stop();
    await h?.stop();
  });

  const ns = (): string => h.namespace;
  const get = (name: string): Promise<Provider> =>
    h.client.get<Provider>(providerRef("ServiceProvider", name));
  const binding = (name: string): Promise<Binding | undefined> =>
    h.client.find<Binding>({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", name });
  const deployment = (name: string): Promise<Deployment | undefined> =>
    h.client.find<Deployment>({ apiVersion: "apps/v1", kind: "Deployment", namespace: ns(), name });

  it("accepts a volume named webhook-tls at the certificate directory; the clash with an existing webhook Secret is a condition naming the field", async () => {
    const name = "webhook-names";
    const names = providerObjectNames("ServiceProvider", name);
    await h.client.apply(
      testProvider("ServiceProvider", name, {
        extraVolumes: [{ name: "webhook-tls", emptyDir: {} }],
        extraVolumeMounts: [{ name: "webhook-tls", mountPath: "/tmp/k8s-webhook-server/serving-certs" }],
      }),
      "test",
    );
    await eventually("init Job", () =>
      h.client.find({ apiVersion: "batch/v1", kind: "Job", namespace: ns(), name: names.init }),
    );
    await completeJob(h.client, ns(), names.init);
    const d = await eventually("Deployment", () => deployment(names.run));
    assert.deepEqual(d.spec.template.spec.volumes, [{ name: "webhook-tls", emptyDir: {} }]);

    await h.client.apply(
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: names.webhookSecret, namespace: ns() },
        data: { "tls.crt": "", "tls.key": "" },
      },
      "test",
    );
    const clashed = await eventually("the clash in status", async () => {
      const p = await get(name);
      return condition(p, "Stalled")?.status === "True" ? p : undefined;
    });
    assert.match(
      condition(clashed, "Initialized")?.message ?? "",
      /spec\.extraVolumes\[0\]\.name: "webhook-tls" clashes with the webhook certificate volume .* while the Secret webhook-names-webhook-tls exists/,
    );
    // What runs keeps running: the Deployment is not touched.
    assert.deepEqual((await deployment(names.run))?.spec.template.spec.volumes, d.spec.template.spec.volumes);

    await h.client.delete({ apiVersion: "v1", kind: "Secret", namespace: ns(), name: names.webhookSecret });
    await eventually("recovered", async () => condition(await get(name), "Stalled") === undefined);
    await h.client.delete(providerRef("ServiceProvider", name));
  });

  it("relaxed env names (printable ASCII but '='), which the reference's CRD accepts, reach the init Job", async () => {
    const name = "relaxed-env";
    const env = [
      { name: "1X", value: "a" },
      { name: "A B", value: "b" },
      { name: "$X:~", value: "c" },
    ];
    await h.client.apply(testProvider("ServiceProvider", name, { env }), "test");
    const job = await eventually("init Job", () =>
      h.client.find<{ spec: { template: { spec: { containers: { env?: { name: string }[] }[] } } } }>({
        apiVersion: "batch/v1",
        kind: "Job",
        namespace: ns(),
        name: providerObjectNames("ServiceProvider", name).init,
      }),
    );
    const names = job.spec.template.spec.containers[0]?.env?.map((e) => e.name) ?? [];
    for (const e of env) assert.ok(names.includes(e.name), `${e.name} in ${names.join(", ")}`);
    await h.client.delete(providerRef("ServiceProvider", name));
  });

  it("a new --provider-cluster-role replaces the bindings (their roleRef is immutable) instead of failing", async () => {
    const name = "role-change";
    const names = providerObjectNames("ServiceProvider", name);
    await h.client.apply(testProvider("ServiceProvider", name), "test");
    await eventually("init Job", () =>
      h.client.find({ apiVersion: "batch/v1", kind: "Job", namespace: ns(), name: names.init }),
    );
    await completeJob(h.client, ns(), names.init);
    const before = await eventually("run binding", () => binding(names.runClusterRoleBinding));
    assert.equal(before.roleRef.name, "cluster-admin");

    // The operator is restarted with another role for ServiceProviders.
    await h.operator.stop();
    second = await startOperator(
      {
        environment: TEST_ENVIRONMENT,
        namespace: ns(),
        kubeconfig: h.cp.kubeconfigPath,
        providerClusterRoles: { ServiceProvider: "view" },
      },
      createLogger(process.env.TEST_OPERATOR_LOGS ? "DEBUG" : "ERROR"),
    );
    const after = await eventually("run binding with the new role", async () => {
      const b = await binding(names.runClusterRoleBinding);
      return b?.roleRef.name === "view" ? b : undefined;
    });
    assert.notEqual(after.metadata.uid, before.metadata.uid, "replaced, not updated");
    const p = await get(name);
    assert.notEqual(
      condition(p, "Ready")?.reason,
      "ProviderInstallationFailed",
      condition(p, "Ready")?.message,
    );

    // The init binding is applied with the next init Job, and replaced then.
    assert.equal((await binding(names.initClusterRoleBinding))?.roleRef.name, "cluster-admin");
    await h.client.apply(testProvider("ServiceProvider", name, { image: "test-image:v0.2.0" }), "test");
    await eventually("init binding with the new role", async () => {
      const b = await binding(names.initClusterRoleBinding);
      return b?.roleRef.name === "view";
    });
    assert.equal(condition(await get(name), "Initialized")?.reason, "InitRunning");
  });
});
