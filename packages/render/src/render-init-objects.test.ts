import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { PROVIDER_KINDS, type Provider } from "@openmcp-ts/contract";
import { RenderError, renderInitObjects, renderRunObjects, type RenderProblemType } from "./index.ts";
import { REFERENCE_SCENARIOS, TEST_CTX, TEST_IMAGE, testProvider } from "./testdata/providers.ts";

const owner = (p: Provider) => [
  {
    apiVersion: "openmcp.cloud/v1alpha1",
    kind: p.kind,
    name: p.metadata.name,
    uid: p.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  },
];

void describe("renderInitObjects: the reference scenarios (spec 4.2, step 1)", () => {
  for (const { id, provider } of REFERENCE_SCENARIOS) {
    void it(`${id}: Job with image, command, the three flags and five env entries`, () => {
      const { job } = renderInitObjects(provider, TEST_CTX);
      const name = provider.metadata.name!;
      const container = job.spec.template.spec.containers[0]!;
      assert.equal(job.spec.template.spec.containers.length, 1);
      assert.equal(container.image, TEST_IMAGE);
      const command = provider.spec.initCommand ?? ["init"];
      assert.deepEqual(container.args, [
        ...command,
        "--environment=test-environment",
        "--verbosity=DEBUG",
        `--provider-name=${name}`,
      ]);
      assert.equal(container.env?.length, 5);
      assert.deepEqual(container.env[0], { name: "NAME", value: "test-name" });
    });
  }
});

void describe("renderInitObjects: first install (acceptance 4-6)", () => {
  const provider = testProvider("ClusterProvider", "cluster-provider-test-01");
  const init = renderInitObjects(provider, TEST_CTX);
  const labels = {
    "app.kubernetes.io/managed-by": "openmcp-operator",
    "app.kubernetes.io/name": "ClusterProvider",
    "app.kubernetes.io/instance": "cluster-provider-test-01",
    "app.kubernetes.io/component": "init-job",
  };
  const subjects = [
    { kind: "ServiceAccount", name: "cp-cluster-provider-test-01-init", namespace: "openmcp-system" },
  ];

  void it("names the SA, Role, RoleBinding and Job <p>-<name>-init and the CRB openmcp.cloud:<p>-<name>-init", () => {
    for (const o of [init.serviceAccount, init.role, init.roleBinding, init.job]) {
      assert.equal(o.metadata.name, "cp-cluster-provider-test-01-init");
      assert.equal(o.metadata.namespace, "openmcp-system");
      assert.deepEqual(o.metadata.labels, labels);
    }
    assert.equal(init.clusterRoleBinding.metadata.name, "openmcp.cloud:cp-cluster-provider-test-01-init");
    assert.equal(init.clusterRoleBinding.metadata.namespace, undefined);
  });

  void it("binds the init SA to cluster-admin and to the Role", () => {
    assert.deepEqual(init.clusterRoleBinding.roleRef, {
      apiGroup: "rbac.authorization.k8s.io",
      kind: "ClusterRole",
      name: "cluster-admin",
    });
    assert.deepEqual(init.clusterRoleBinding.subjects, subjects);
    assert.deepEqual(init.roleBinding.roleRef, {
      apiGroup: "rbac.authorization.k8s.io",
      kind: "Role",
      name: "cp-cluster-provider-test-01-init",
    });
    assert.deepEqual(init.roleBinding.subjects, subjects);
    assert.deepEqual(init.role.rules, [
      { apiGroups: [""], resources: ["secrets"], verbs: ["create", "update", "patch", "delete"] },
      { apiGroups: [""], resources: ["configmaps"], verbs: ["create", "update", "patch", "delete"] },
    ]);
  });

  void it("binds to ctx.providerClusterRole when given", () => {
    const got = renderInitObjects(provider, { ...TEST_CTX, providerClusterRole: "openmcp:provider" });
    assert.equal(got.clusterRoleBinding.roleRef.name, "openmcp:provider");
  });

  void it("renders the Job as the reference does", () => {
    const { job } = init;
    assert.deepEqual(job.metadata.annotations, {
      "openmcp.cloud/provider-kind": "ClusterProvider",
      "openmcp.cloud/provider-name": "cluster-provider-test-01",
      "openmcp.cloud/provider-generation": "1",
      "openmcp.cloud/init-hash": init.initHash,
      "openmcp.cloud/provider-image": TEST_IMAGE,
    });
    assert.equal(job.spec.backoffLimit, 4);
    assert.deepEqual(job.spec.template.metadata?.labels, labels);
    const pod = job.spec.template.spec;
    assert.equal(pod.restartPolicy, "Never");
    assert.equal(pod.serviceAccountName, "cp-cluster-provider-test-01-init");
    assert.equal(pod.imagePullSecrets, undefined, "empty pull secrets are left out");
    assert.equal(pod.topologySpreadConstraints, undefined);
    const container = pod.containers[0]!;
    assert.equal(container.name, "init");
    assert.equal(container.imagePullPolicy, "IfNotPresent");
    assert.deepEqual(container.args, [
      "init",
      "--environment=test-environment",
      "--verbosity=DEBUG",
      "--provider-name=cluster-provider-test-01",
    ]);
    assert.equal(container.ports, undefined);
    assert.equal(container.command, undefined);
  });

  void it("sets a controller owner reference on every object, the cluster-scoped binding included", () => {
    for (const o of [init.serviceAccount, init.clusterRoleBinding, init.role, init.roleBinding, init.job]) {
      assert.deepEqual(o.metadata.ownerReferences, owner(provider), o.kind);
    }
  });

  void it("leaves owner references out when the provider has no uid", () => {
    const stored = testProvider("ClusterProvider", "no-uid");
    delete stored.metadata.uid;
    const got = renderInitObjects(stored, TEST_CTX);
    assert.equal(got.job.metadata.ownerReferences, undefined);
    assert.equal(got.serviceAccount.metadata.ownerReferences, undefined);
  });

  void it("uses the kind's prefix and the Kind as app.kubernetes.io/name (acceptance 5)", () => {
    const cases = [
      { kind: "ServiceProvider", prefix: "sp" },
      { kind: "PlatformService", prefix: "ps" },
      { kind: "ClusterProvider", prefix: "cp" },
    ] as const;
    for (const c of cases) {
      const got = renderInitObjects(testProvider(c.kind, "x"), TEST_CTX);
      assert.equal(got.job.metadata.name, `${c.prefix}-x-init`);
      assert.equal(got.clusterRoleBinding.metadata.name, `openmcp.cloud:${c.prefix}-x-init`);
      assert.equal(got.job.metadata.labels?.["app.kubernetes.io/name"], c.kind);
      assert.equal(got.job.metadata.annotations?.["openmcp.cloud/provider-kind"], c.kind);
    }
  });

  void it("gives providers of different kinds with one name disjoint object names (acceptance 6)", () => {
    const seen = new Set<string>();
    for (const kind of PROVIDER_KINDS) {
      const p = testProvider(kind, "same-name");
      const init = renderInitObjects(p, TEST_CTX);
      const run = renderRunObjects(p, TEST_CTX);
      const names = [
        init.job.metadata.name,
        init.clusterRoleBinding.metadata.name,
        run.deployment.metadata.name,
        run.clusterRoleBinding.metadata.name,
        run.metricsService?.metadata.name,
      ];
      for (const n of names) {
        assert.ok(n !== undefined && !seen.has(n), `name ${String(n)} collides`);
        seen.add(n);
      }
    }
  });

  void it("writes metadata.generation into the generation annotation", () => {
    const p = testProvider("ServiceProvider", "gen");
    p.metadata.generation = 42;
    const { job } = renderInitObjects(p, TEST_CTX);
    assert.equal(job.metadata.annotations?.["openmcp.cloud/provider-generation"], "42");
  });
});

void describe("renderInitObjects: input it cannot render", () => {
  const cases: { name: string; provider: Provider; type: RenderProblemType; message: string }[] = [
    {
      name: "env name clashes with a downward-API variable",
      provider: testProvider("ServiceProvider", "x", { env: [{ name: "POD_NAMESPACE", value: "v" }] }),
      type: "EnvNotUnique",
      message: 'cannot render Job for ServiceProvider "x": environment variable is not unique: POD_NAMESPACE',
    },
    {
      name: "two env entries with one name",
      provider: testProvider("ServiceProvider", "x", {
        env: [
          { name: "A", value: "1" },
          { name: "A", value: "2" },
        ],
      }),
      type: "EnvNotUnique",
      message: 'cannot render Job for ServiceProvider "x": environment variable is not unique: A',
    },
    {
      name: "two extra volumes with one name",
      provider: testProvider("ServiceProvider", "x", {
        extraVolumes: [
          { name: "a", emptyDir: {} },
          { name: "a", emptyDir: {} },
        ],
      }),
      type: "VolumeNotUnique",
      message: 'cannot render Job for ServiceProvider "x": volume name is not unique: a',
    },
    {
      name: "empty name",
      provider: testProvider("ServiceProvider", ""),
      type: "NameMissing",
      message: 'cannot render Job for ServiceProvider "": metadata.name is empty',
    },
  ];
  for (const c of cases) {
    void it(c.name, () => {
      assert.throws(
        () => renderInitObjects(c.provider, TEST_CTX),
        (error: unknown) => {
          assert.ok(error instanceof RenderError);
          assert.equal(error.message, c.message);
          assert.equal(error.type, c.type);
          assert.equal(error.objectKind, "Job");
          assert.equal(error.providerKind, "ServiceProvider");
          return true;
        },
      );
    });
  }
});
