import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { PodSettings, ProviderRuntimeConfigSpec } from "@openmcp-ts/contract";
import { computeInitHash } from "./compute-init-hash.ts";
import { renderInitObjects } from "./render-init-objects.ts";
import { renderRunObjects } from "./render-run-objects.ts";
import { resolvePodSettings, type RuntimeConfigLayers } from "./resolve-pod-settings.ts";
import { TEST_CTX, testProvider } from "./testdata/providers.ts";

const layers = (referenced?: ProviderRuntimeConfigSpec, fallback?: ProviderRuntimeConfigSpec) => ({
  ...(referenced ? { referenced: { name: "ref", spec: referenced } } : {}),
  ...(fallback ? { fallback: { name: "default", spec: fallback } } : {}),
});

void describe("resolvePodSettings: precedence", () => {
  const cases: {
    name: string;
    layers: RuntimeConfigLayers | undefined;
    init: PodSettings;
    run: PodSettings;
  }[] = [
    { name: "no configs", layers: undefined, init: {}, run: {} },
    {
      name: "common applies to both phases",
      layers: layers({ common: { priorityClassName: "system" } }),
      init: { priorityClassName: "system" },
      run: { priorityClassName: "system" },
    },
    {
      name: "a phase wins over common, whole for non-map fields",
      layers: layers({
        common: { tolerations: [{ key: "a", operator: "Exists" }], priorityClassName: "low" },
        run: { tolerations: [{ key: "b", operator: "Exists" }] },
      }),
      init: { priorityClassName: "low", tolerations: [{ key: "a", operator: "Exists" }] },
      run: { priorityClassName: "low", tolerations: [{ key: "b", operator: "Exists" }] },
    },
    {
      name: "the referenced config wins over the default; maps merge by key",
      layers: layers(
        { common: { nodeSelector: { zone: "a" }, podMetadata: { labels: { team: "x" } } } },
        {
          common: {
            nodeSelector: { zone: "b", pool: "system" },
            podMetadata: { labels: { team: "y", cost: "c1" }, annotations: { n: "1" } },
            resources: { requests: { cpu: "1" } },
          },
        },
      ),
      init: {
        nodeSelector: { pool: "system", zone: "a" },
        podMetadata: { annotations: { n: "1" }, labels: { cost: "c1", team: "x" } },
        resources: { requests: { cpu: "1" } },
      },
      run: {
        nodeSelector: { pool: "system", zone: "a" },
        podMetadata: { annotations: { n: "1" }, labels: { cost: "c1", team: "x" } },
        resources: { requests: { cpu: "1" } },
      },
    },
    {
      name: "env merges by name, the higher layer first and winning",
      layers: layers(
        { init: { env: [{ name: "A", value: "init" }] }, common: { env: [{ name: "B", value: "ref" }] } },
        {
          common: {
            env: [
              { name: "A", value: "default" },
              { name: "C", value: "default" },
            ],
          },
        },
      ),
      init: {
        env: [
          { name: "A", value: "init" },
          { name: "B", value: "ref" },
          { name: "C", value: "default" },
        ],
      },
      run: {
        env: [
          { name: "B", value: "ref" },
          { name: "A", value: "default" },
          { name: "C", value: "default" },
        ],
      },
    },
  ];
  for (const c of cases) {
    void it(c.name, () => {
      assert.deepEqual(resolvePodSettings(c.layers, "init"), c.init);
      assert.deepEqual(resolvePodSettings(c.layers, "run"), c.run);
    });
  }
});

void describe("runtime config in the rendered objects", () => {
  const provider = testProvider("ServiceProvider", "rc", { env: [{ name: "SHARED", value: "spec" }] });
  const settings: PodSettings = {
    resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { memory: "128Mi" } },
    nodeSelector: { "node-role.kubernetes.io/system": "" },
    tolerations: [{ key: "dedicated", operator: "Equal", value: "system", effect: "NoSchedule" }],
    affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] } },
    priorityClassName: "system-cluster-critical",
    podMetadata: { labels: { team: "platform", "app.kubernetes.io/name": "mine" }, annotations: { a: "1" } },
    serviceAccountMetadata: { annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/p" } },
    env: [
      { name: "SHARED", value: "config" },
      { name: "TOKEN", valueFrom: { secretKeyRef: { name: "creds", key: "token" } } },
    ],
    envFrom: [{ configMapRef: { name: "settings" }, prefix: "CFG_" }],
    podSecurityContext: { runAsUser: 1000, fsGroup: 2000 },
  };
  const ctx = { ...TEST_CTX, runtimeConfigs: layers({ common: settings }) };

  void it("puts every setting into the Job and the Deployment, the operator's own fields winning", () => {
    const init = renderInitObjects(provider, ctx);
    const run = renderRunObjects(provider, ctx);
    for (const [template, sa] of [
      [init.job.spec.template, init.serviceAccount],
      [run.deployment.spec.template, run.serviceAccount],
    ] as const) {
      const pod = template.spec;
      const container = pod.containers[0]!;
      assert.deepEqual(container.resources, settings.resources);
      assert.deepEqual(pod.nodeSelector, settings.nodeSelector);
      assert.deepEqual(pod.tolerations, settings.tolerations);
      assert.deepEqual(pod.affinity, settings.affinity);
      assert.equal(pod.priorityClassName, "system-cluster-critical");
      assert.deepEqual(container.envFrom, settings.envFrom);
      // spec.env wins over the config's SHARED; config env before the POD_* variables.
      assert.deepEqual(
        container.env?.map((e) => e.name),
        ["SHARED", "TOKEN", "POD_NAME", "POD_NAMESPACE", "POD_IP", "POD_SERVICE_ACCOUNT_NAME"],
      );
      assert.equal(container.env?.[0]?.value, "spec");
      assert.deepEqual(container.env?.[1]?.valueFrom, { secretKeyRef: { name: "creds", key: "token" } });
      // Restricted defaults stay where the config says nothing.
      assert.deepEqual(pod.securityContext, {
        runAsNonRoot: true,
        seccompProfile: { type: "RuntimeDefault" },
        runAsUser: 1000,
        fsGroup: 2000,
      });
      assert.equal(template.metadata?.labels?.team, "platform");
      assert.equal(template.metadata?.labels?.["app.kubernetes.io/name"], "ServiceProvider");
      assert.equal(template.metadata?.annotations?.a, "1");
      assert.equal(sa.metadata.annotations?.["eks.amazonaws.com/role-arn"], "arn:aws:iam::1:role/p");
    }
    // Prometheus annotations of the run pods are the operator's and stay.
    assert.equal(run.deployment.spec.template.metadata?.annotations?.["prometheus.io/scrape"], "true");
  });

  void it("leaves the objects as without a config when nothing applies", () => {
    const empty = { ...TEST_CTX, runtimeConfigs: layers({ init: {}, run: {} }, {}) };
    assert.deepEqual(renderInitObjects(provider, empty), renderInitObjects(provider, TEST_CTX));
    assert.deepEqual(renderRunObjects(provider, empty), renderRunObjects(provider, TEST_CTX));
  });

  void it("changes the init hash for init settings only", () => {
    const none = computeInitHash(provider);
    const hash = (spec: ProviderRuntimeConfigSpec) =>
      renderInitObjects(provider, { ...TEST_CTX, runtimeConfigs: layers(spec) }).initHash;
    assert.equal(hash({}), none);
    assert.equal(hash({ run: { resources: { limits: { cpu: "2" } } } }), none);
    assert.notEqual(hash({ init: { resources: { limits: { cpu: "2" } } } }), none);
    assert.notEqual(hash({ common: { tolerations: [{ operator: "Exists" }] } }), none);
    // Key order of the config does not matter.
    assert.equal(
      hash({ init: { nodeSelector: { a: "1", b: "2" } } }),
      hash({ init: { nodeSelector: { b: "2", a: "1" } } }),
    );
  });
});
