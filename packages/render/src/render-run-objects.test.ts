import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Deployment, Provider, ProviderSpec } from "@openmcp-ts/contract";
import { RenderError, renderInitObjects, renderRunObjects, type RenderContext } from "./index.ts";
import { REFERENCE_SCENARIOS, TEST_CTX, TEST_IMAGE, testProvider } from "./testdata/providers.ts";

const controllerLabels = (kind: string, name: string) => ({
  "app.kubernetes.io/managed-by": "openmcp-operator",
  "app.kubernetes.io/name": kind,
  "app.kubernetes.io/instance": name,
  "app.kubernetes.io/component": "controller",
});

function runContainer(deployment: Deployment) {
  assert.equal(deployment.spec.template.spec.containers.length, 1);
  return deployment.spec.template.spec.containers[0]!;
}

function render(spec: Partial<ProviderSpec>, ctx: Partial<RenderContext> = {}, name = "x") {
  const provider = testProvider("ServiceProvider", name, spec);
  const full = { ...TEST_CTX, ...ctx };
  return { init: renderInitObjects(provider, full), run: renderRunObjects(provider, full) };
}

void describe("renderRunObjects: the reference scenarios (spec 4.2, steps 2 and 3)", () => {
  for (const { id, provider } of REFERENCE_SCENARIOS) {
    void it(id, () => {
      const run = renderRunObjects(provider, TEST_CTX);
      const { deployment } = run;
      const name = provider.metadata.name!;
      const spec = provider.spec;
      const container = runContainer(deployment);
      const args = container.args ?? [];
      assert.equal(container.image, TEST_IMAGE);
      for (const arg of [
        ...(spec.runCommand ?? ["run"]),
        "--environment=test-environment",
        "--verbosity=DEBUG",
        `--provider-name=${name}`,
      ]) {
        assert.ok(args.includes(arg), arg);
      }
      assert.equal(container.env?.length, 5);
      assert.deepEqual(container.env[0], { name: "NAME", value: "test-name" });
      assert.equal(deployment.spec.replicas, spec.runReplicas);
      assert.equal(args.includes("--leader-elect=true"), (spec.runReplicas ?? 1) > 1);

      const constraints = spec.topologySpreadConstraints ?? [];
      const pod = deployment.spec.template;
      if (constraints.length > 0) {
        assert.equal(pod.metadata?.labels?.["openmcp.cloud/topology"], deployment.metadata.name);
        assert.equal(pod.metadata?.labels?.["openmcp.cloud/topology-ns"], deployment.metadata.namespace);
        assert.equal(pod.spec.topologySpreadConstraints?.length, constraints.length);
        pod.spec.topologySpreadConstraints.forEach((c, i) => {
          assert.equal(c.maxSkew, constraints[i]!.maxSkew);
          assert.equal(c.whenUnsatisfiable, constraints[i]!.whenUnsatisfiable);
          assert.ok(c.labelSelector?.matchLabels?.["openmcp.cloud/topology"]);
          assert.ok(c.labelSelector.matchLabels["openmcp.cloud/topology-ns"]);
        });
      }

      // Metrics are on in every reference scenario.
      assert.deepEqual(container.ports, [{ name: "metrics-http", containerPort: 8080, protocol: "TCP" }]);
      assert.ok(args.includes("--metrics-bind-address=:8080"));
      assert.ok(args.includes("--metrics-secure=false"));
      assert.deepEqual(pod.metadata?.annotations, {
        "prometheus.io/scrape": "true",
        "prometheus.io/path": "/metrics",
        "prometheus.io/port": "8080",
      });
      const service = run.metricsService;
      assert.ok(service);
      assert.equal(service.spec.type, "ClusterIP");
      assert.deepEqual(service.spec.selector, controllerLabels(provider.kind, name));
      assert.deepEqual(service.spec.ports, [
        { name: "metrics-http", port: 8080, protocol: "TCP", targetPort: "metrics-http" },
      ]);
    });
  }
});

void describe("renderRunObjects: after init (acceptance 7)", () => {
  const provider = testProvider("ClusterProvider", "cluster-provider-test-01");
  const run = renderRunObjects(provider, TEST_CTX);
  const labels = controllerLabels("ClusterProvider", "cluster-provider-test-01");

  void it("renders SA, CRB → cluster-admin, Deployment and Service with the reference names", () => {
    assert.equal(run.serviceAccount.metadata.name, "cp-cluster-provider-test-01");
    assert.equal(run.clusterRoleBinding.metadata.name, "openmcp.cloud:cp-cluster-provider-test-01");
    assert.deepEqual(run.clusterRoleBinding.roleRef, {
      apiGroup: "rbac.authorization.k8s.io",
      kind: "ClusterRole",
      name: "cluster-admin",
    });
    assert.deepEqual(run.clusterRoleBinding.subjects, [
      { kind: "ServiceAccount", name: "cp-cluster-provider-test-01", namespace: "openmcp-system" },
    ]);
    assert.equal(run.deployment.metadata.name, "cp-cluster-provider-test-01");
    assert.equal(run.metricsService?.metadata.name, "cp-cluster-provider-test-01-metrics");
    for (const o of [run.serviceAccount, run.clusterRoleBinding, run.deployment, run.metricsService]) {
      assert.ok(o);
      assert.deepEqual(o.metadata.labels, labels, o.kind);
    }
  });

  void it("renders the Deployment as the reference does", () => {
    const { deployment } = run;
    assert.deepEqual(deployment.metadata.ownerReferences, [
      {
        apiVersion: "openmcp.cloud/v1alpha1",
        kind: "ClusterProvider",
        name: "cluster-provider-test-01",
        uid: "uid-cluster-provider-test-01",
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    assert.deepEqual(deployment.spec.selector, { matchLabels: labels });
    assert.deepEqual(deployment.spec.template.metadata?.labels, labels);
    assert.equal(deployment.spec.replicas, 1);
    assert.equal(deployment.spec.template.spec.serviceAccountName, "cp-cluster-provider-test-01");
    assert.equal(deployment.spec.template.spec.restartPolicy, undefined);
    const container = runContainer(deployment);
    assert.equal(container.name, "cp-cluster-provider-test-01");
    assert.equal(container.imagePullPolicy, "IfNotPresent");
    assert.deepEqual(container.args, [
      "run",
      "--environment=test-environment",
      "--verbosity=DEBUG",
      "--provider-name=cluster-provider-test-01",
      "--metrics-bind-address=:8080",
      "--metrics-secure=false",
    ]);
  });

  void it("sets owner references on SA, CRB and Service too", () => {
    for (const o of [run.serviceAccount, run.clusterRoleBinding, run.metricsService!]) {
      assert.equal(o.metadata.ownerReferences?.[0]?.uid, "uid-cluster-provider-test-01", o.kind);
      assert.equal(o.metadata.ownerReferences[0].controller, true, o.kind);
    }
  });
});

void describe("arguments (acceptance 10, 11)", () => {
  const std = ["--environment=test-environment", "--verbosity=DEBUG", "--provider-name=x"];
  const metrics = ["--metrics-bind-address=:8080", "--metrics-secure=false"];
  const cases: {
    name: string;
    spec: Partial<ProviderSpec>;
    omit?: (keyof ProviderSpec)[];
    init: string[];
    run: string[];
    replicas: number;
  }[] = [
    {
      name: "defaults",
      spec: {},
      init: ["init", ...std],
      run: ["run", ...std, ...metrics],
      replicas: 1,
    },
    {
      name: "empty commands fall back to init/run",
      spec: { initCommand: [], runCommand: [] },
      init: ["init", ...std],
      run: ["run", ...std, ...metrics],
      replicas: 1,
    },
    {
      name: "custom commands replace init/run",
      spec: { initCommand: ["test-init", "init-subcommand"], runCommand: ["test-run", "run-subcommand"] },
      init: ["test-init", "init-subcommand", ...std],
      run: ["test-run", "run-subcommand", ...std, ...metrics],
      replicas: 1,
    },
    {
      name: "three replicas: --leader-elect=true right after --provider-name",
      spec: { runReplicas: 3 },
      init: ["init", ...std],
      run: ["run", ...std, "--leader-elect=true", ...metrics],
      replicas: 3,
    },
    {
      name: "replicas, custom run command, metrics off",
      spec: { runReplicas: 3, runCommand: ["test-run", "run-subcommand"], metrics: { disabled: true } },
      init: ["init", ...std],
      run: ["test-run", "run-subcommand", ...std, "--leader-elect=true"],
      replicas: 3,
    },
    {
      name: "runReplicas missing defaults to 1, verbosity missing to INFO",
      spec: {},
      omit: ["runReplicas", "verbosity"],
      init: ["init", "--environment=test-environment", "--verbosity=INFO", "--provider-name=x"],
      run: ["run", "--environment=test-environment", "--verbosity=INFO", "--provider-name=x", ...metrics],
      replicas: 1,
    },
    {
      name: "lower-case verbosity is passed on as written",
      spec: { verbosity: "error" },
      init: ["init", "--environment=test-environment", "--verbosity=error", "--provider-name=x"],
      run: ["run", "--environment=test-environment", "--verbosity=error", "--provider-name=x", ...metrics],
      replicas: 1,
    },
  ];
  for (const c of cases) {
    void it(c.name, () => {
      const provider = testProvider("ServiceProvider", "x", c.spec, c.omit);
      const init = renderInitObjects(provider, TEST_CTX);
      const run = renderRunObjects(provider, TEST_CTX);
      assert.deepEqual(init.job.spec.template.spec.containers[0]?.args, c.init);
      assert.deepEqual(runContainer(run.deployment).args, c.run);
      assert.equal(run.deployment.spec.replicas, c.replicas);
    });
  }
});

void describe("metrics (acceptance 12, 13)", () => {
  void it("disabled: no port, annotations, flags or Service", () => {
    const { run } = render({ metrics: { disabled: true, port: 9090 } });
    const container = runContainer(run.deployment);
    assert.equal(container.ports, undefined);
    assert.equal(run.deployment.spec.template.metadata?.annotations, undefined);
    assert.ok(!container.args?.some((a) => a.startsWith("--metrics")));
    assert.equal(run.metricsService, undefined);
    assert.ok(!("metricsService" in run));
  });

  void it("custom port and path", () => {
    const { init, run } = render({ metrics: { disabled: false, port: 9090, path: "/m" } });
    const container = runContainer(run.deployment);
    const args = container.args ?? [];
    assert.deepEqual(container.ports, [{ name: "metrics-http", containerPort: 9090, protocol: "TCP" }]);
    assert.ok(args.includes("--metrics-bind-address=:9090"));
    assert.ok(args.includes("--metrics-secure=false"));
    assert.deepEqual(run.deployment.spec.template.metadata?.annotations, {
      "prometheus.io/scrape": "true",
      "prometheus.io/path": "/m",
      "prometheus.io/port": "9090",
    });
    assert.deepEqual(run.metricsService?.spec.ports, [
      { name: "metrics-http", port: 9090, protocol: "TCP", targetPort: "metrics-http" },
    ]);
    // The init Job never gets any of it.
    const job = init.job.spec.template;
    assert.equal(job.metadata?.annotations, undefined);
    assert.equal(job.spec.containers[0]?.ports, undefined);
    assert.ok(!job.spec.containers[0]?.args?.some((a) => a.startsWith("--metrics")));
  });

  void it("a metrics block without port or path uses :8080 and /metrics", () => {
    const { run } = render({ metrics: { disabled: false } });
    assert.equal(run.deployment.spec.template.metadata?.annotations?.["prometheus.io/path"], "/metrics");
    assert.equal(run.metricsService?.spec.ports[0]?.port, 8080);
  });

  void it("a path without a leading / gets one (the reference's CRD accepts it and uses it as is)", () => {
    for (const [path, want] of [
      ["metrics", "/metrics"],
      ["x/y", "/x/y"],
      ["", "/metrics"],
    ] as const) {
      const { run } = render({ metrics: { disabled: false, path } });
      assert.equal(run.deployment.spec.template.metadata?.annotations?.["prometheus.io/path"], want, path);
    }
  });

  void it("shortens a long metrics Service name to 63 characters (acceptance 19)", () => {
    const { run } = render({}, {}, "a-very-long-service-provider-name-that-exceeds-the-limit");
    const name = run.metricsService?.metadata.name;
    assert.equal(name, "sp-a-very-long-service-provider-name-that-exc--fztage3e-metrics");
    assert.ok(name.length <= 63);
    // Only the Service name is shortened; the Deployment keeps the full name, as in the reference.
    assert.equal(run.deployment.metadata.name, "sp-a-very-long-service-provider-name-that-exceeds-the-limit");
  });
});

void describe("environment (acceptance 14, 15)", () => {
  void it("spec.env first, in order, then the four downward-API variables, on both containers", () => {
    const { init, run } = render({
      env: [
        { name: "B", value: "2" },
        { name: "A", value: "1" },
      ],
    });
    const expected = [
      { name: "B", value: "2" },
      { name: "A", value: "1" },
      { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
      { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
      { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
      { name: "POD_SERVICE_ACCOUNT_NAME", valueFrom: { fieldRef: { fieldPath: "spec.serviceAccountName" } } },
    ];
    assert.deepEqual(init.job.spec.template.spec.containers[0]?.env, expected);
    assert.deepEqual(runContainer(run.deployment).env, expected);
  });

  void it("an entry without value has no value, as the reference's omitempty", () => {
    const { run } = render({ env: [{ name: "EMPTY" }, { name: "ALSO_EMPTY", value: "" }] });
    assert.deepEqual(runContainer(run.deployment).env?.slice(0, 2), [
      { name: "EMPTY" },
      { name: "ALSO_EMPTY" },
    ]);
  });

  for (const reserved of ["POD_NAME", "POD_NAMESPACE", "POD_IP", "POD_SERVICE_ACCOUNT_NAME"]) {
    void it(`${reserved} in spec.env is a RenderError for the Job and the Deployment`, () => {
      const provider = testProvider("ServiceProvider", "x", { env: [{ name: reserved, value: "v" }] });
      assert.throws(() => renderInitObjects(provider, TEST_CTX), {
        name: "RenderError",
        type: "EnvNotUnique",
        message: `cannot render Job for ServiceProvider "x": environment variable is not unique: ${reserved}`,
      });
      assert.throws(
        () => renderRunObjects(provider, TEST_CTX),
        (error: unknown) => {
          assert.ok(error instanceof RenderError);
          assert.equal(
            error.message,
            `cannot render Deployment for ServiceProvider "x": environment variable is not unique: ${reserved}`,
          );
          return true;
        },
      );
    });
  }
});

void describe("volumes, webhook, topology (acceptance 16-18)", () => {
  const volumes = [
    { name: "cfg", configMap: { name: "cfg" } },
    { name: "data", emptyDir: {} },
  ];
  const mounts = [
    { name: "cfg", mountPath: "/etc/cfg" },
    { name: "data", mountPath: "/data", readOnly: false },
  ];
  const webhookVolume = { name: "webhook-tls", secret: { secretName: "x-webhook-tls" } };
  const webhookMount = {
    name: "webhook-tls",
    mountPath: "/tmp/k8s-webhook-server/serving-certs",
    readOnly: true,
  };

  const cases: {
    name: string;
    spec: Partial<ProviderSpec>;
    webhook: boolean;
    job: { volumes?: unknown[]; mounts?: unknown[] };
    deployment: { volumes?: unknown[]; mounts?: unknown[] };
  }[] = [
    { name: "nothing", spec: {}, webhook: false, job: {}, deployment: {} },
    {
      name: "extra volumes and mounts on both pods",
      spec: { extraVolumes: volumes, extraVolumeMounts: mounts },
      webhook: false,
      job: { volumes, mounts },
      deployment: { volumes, mounts },
    },
    {
      name: "webhook Secret present: Deployment only",
      spec: {},
      webhook: true,
      job: {},
      deployment: { volumes: [webhookVolume], mounts: [webhookMount] },
    },
    {
      name: "both: webhook last",
      spec: { extraVolumes: volumes, extraVolumeMounts: mounts },
      webhook: true,
      job: { volumes, mounts },
      deployment: { volumes: [...volumes, webhookVolume], mounts: [...mounts, webhookMount] },
    },
  ];
  for (const c of cases) {
    void it(c.name, () => {
      const { init, run } = render(c.spec, { webhookSecretPresent: c.webhook });
      const jobPod = init.job.spec.template.spec;
      const runPod = run.deployment.spec.template.spec;
      assert.deepEqual(jobPod.volumes, c.job.volumes);
      assert.deepEqual(jobPod.containers[0]?.volumeMounts, c.job.mounts);
      assert.deepEqual(runPod.volumes, c.deployment.volumes);
      assert.deepEqual(runPod.containers[0]?.volumeMounts, c.deployment.mounts);
    });
  }

  void it("the webhook Secret name has no kind prefix and is shortened to fit", () => {
    const long = "a-very-long-service-provider-name-that-exceeds-the-limit-by-a-lot";
    const { run } = render({}, { webhookSecretPresent: true }, long);
    const volume = run.deployment.spec.template.spec.volumes?.[0] as unknown as {
      secret: { secretName: string };
    };
    assert.ok(volume.secret.secretName.endsWith("-webhook-tls"));
    assert.ok(volume.secret.secretName.length <= 63);
  });

  void it("an extra volume named webhook-tls or a mount at the certificate directory is fine without the Secret", () => {
    const spec = {
      extraVolumes: [{ name: "webhook-tls", emptyDir: {} }],
      extraVolumeMounts: [{ name: "webhook-tls", mountPath: "/tmp/k8s-webhook-server/serving-certs/" }],
    };
    const { run } = render(spec, { webhookSecretPresent: false });
    assert.deepEqual(run.deployment.spec.template.spec.volumes, spec.extraVolumes);
    assert.deepEqual(run.deployment.spec.template.spec.containers[0]?.volumeMounts, spec.extraVolumeMounts);
  });

  void it("while the Secret exists, they clash with the webhook volume, and the field is named", () => {
    assert.throws(
      () => render({ extraVolumes: [{ name: "webhook-tls", emptyDir: {} }] }, { webhookSecretPresent: true }),
      {
        message:
          'cannot render Deployment for ServiceProvider "x": spec.extraVolumes[0].name: "webhook-tls" clashes with the webhook certificate volume the operator adds while the Secret x-webhook-tls exists: rename the volume',
      },
    );
    assert.throws(
      () =>
        render(
          {
            extraVolumes: [{ name: "certs", emptyDir: {} }],
            extraVolumeMounts: [{ name: "certs", mountPath: "/tmp/k8s-webhook-server/serving-certs//" }],
          },
          { webhookSecretPresent: true },
        ),
      {
        message:
          'cannot render Deployment for ServiceProvider "x": spec.extraVolumeMounts[0].mountPath: "/tmp/k8s-webhook-server/serving-certs//" clashes with the webhook certificate the operator mounts there while the Secret x-webhook-tls exists: mount elsewhere',
      },
    );
  });

  void it("topology: selectors replaced, other fields kept, labels on the pod template only", () => {
    const { init, run } = render({
      topologySpreadConstraints: [
        { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway" },
        {
          maxSkew: 2,
          topologyKey: "kubernetes.io/hostname",
          whenUnsatisfiable: "DoNotSchedule",
          labelSelector: { matchLabels: { mine: "yes" } },
          minDomains: 2,
        },
      ],
    });
    const selector = {
      matchLabels: { "openmcp.cloud/topology": "sp-x", "openmcp.cloud/topology-ns": "openmcp-system" },
    };
    const pod = run.deployment.spec.template;
    assert.deepEqual(pod.spec.topologySpreadConstraints, [
      {
        maxSkew: 1,
        topologyKey: "topology.kubernetes.io/zone",
        whenUnsatisfiable: "ScheduleAnyway",
        labelSelector: selector,
      },
      {
        maxSkew: 2,
        topologyKey: "kubernetes.io/hostname",
        whenUnsatisfiable: "DoNotSchedule",
        labelSelector: selector,
        minDomains: 2,
      },
    ]);
    assert.equal(pod.metadata?.labels?.["openmcp.cloud/topology"], "sp-x");
    assert.equal(pod.metadata?.labels?.["openmcp.cloud/topology-ns"], "openmcp-system");
    assert.deepEqual(run.deployment.spec.selector, { matchLabels: controllerLabels("ServiceProvider", "x") });
    assert.equal(init.job.spec.template.spec.topologySpreadConstraints, undefined);
    assert.equal(init.job.spec.template.metadata?.labels?.["openmcp.cloud/topology"], undefined);
  });

  void it("no topology constraints: no topology labels", () => {
    const { run } = render({ topologySpreadConstraints: [] });
    assert.deepEqual(run.deployment.spec.template.metadata?.labels, controllerLabels("ServiceProvider", "x"));
    assert.equal(run.deployment.spec.template.spec.topologySpreadConstraints, undefined);
  });
});

void describe("pull secrets and security context", () => {
  void it("pull secrets go to both pods", () => {
    const { init, run } = render({ imagePullSecrets: [{ name: "a" }, { name: "b" }] });
    assert.deepEqual(init.job.spec.template.spec.imagePullSecrets, [{ name: "a" }, { name: "b" }]);
    assert.deepEqual(run.deployment.spec.template.spec.imagePullSecrets, [{ name: "a" }, { name: "b" }]);
  });

  const restrictedPod = { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } };
  const restrictedContainer = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } };
  const cases: { name: string; ctx: Partial<RenderContext>; pod?: object; container?: object }[] = [
    { name: "default is restricted", ctx: {}, pod: restrictedPod, container: restrictedContainer },
    {
      name: "restricted",
      ctx: { securityContext: "restricted" },
      pod: restrictedPod,
      container: restrictedContainer,
    },
    { name: "none renders no securityContext", ctx: { securityContext: "none" } },
  ];
  for (const c of cases) {
    void it(c.name, () => {
      const { init, run } = render({}, c.ctx);
      for (const pod of [init.job.spec.template.spec, run.deployment.spec.template.spec]) {
        assert.deepEqual(pod.securityContext, c.pod);
        assert.deepEqual(pod.containers[0]?.securityContext, c.container);
        assert.equal(pod.containers[0]?.terminationMessagePolicy, "FallbackToLogsOnError");
      }
    });
  }
});

void describe("determinism and purity", () => {
  const spec: Partial<ProviderSpec> = {
    extraVolumes: [{ secret: { secretName: "s", defaultMode: 256 }, name: "v" }],
    extraVolumeMounts: [{ readOnly: true, mountPath: "/v", name: "v" }],
    topologySpreadConstraints: [{ whenUnsatisfiable: "ScheduleAnyway", topologyKey: "k", maxSkew: 1 }],
  };
  const reordered: Partial<ProviderSpec> = {
    extraVolumes: [{ name: "v", secret: { defaultMode: 256, secretName: "s" } }],
    extraVolumeMounts: [{ name: "v", mountPath: "/v", readOnly: true }],
    topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "k", whenUnsatisfiable: "ScheduleAnyway" }],
  };

  void it("renders the same JSON twice", () => {
    assert.equal(JSON.stringify(render(spec)), JSON.stringify(render(spec)));
  });

  void it("renders the same JSON whatever the key order of the input", () => {
    assert.equal(JSON.stringify(render(spec)), JSON.stringify(render(reordered)));
  });

  void it("does not change the provider", () => {
    const provider: Provider = testProvider("ServiceProvider", "x", structuredClone(spec));
    const before = structuredClone(provider);
    const run = renderRunObjects(provider, { ...TEST_CTX, webhookSecretPresent: true });
    renderInitObjects(provider, TEST_CTX);
    assert.deepEqual(provider, before);
    // Nor do the rendered objects share structure with it.
    run.deployment.spec.template.spec.volumes?.push({ name: "extra" });
    assert.deepEqual(provider, before);
  });

  void it("every object has apiVersion, kind, metadata first", () => {
    const { init, run } = render({});
    const objects = [
      init.serviceAccount,
      init.clusterRoleBinding,
      init.role,
      init.roleBinding,
      init.job,
      run.serviceAccount,
      run.clusterRoleBinding,
      run.deployment,
      run.metricsService!,
    ];
    for (const o of objects) {
      assert.deepEqual(Object.keys(o).slice(0, 3), ["apiVersion", "kind", "metadata"]);
    }
  });
});
