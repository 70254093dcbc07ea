import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  ANNOTATION_INIT_HASH,
  API_VERSION,
  PROVIDER_KINDS,
  providerObjectNames,
  type Deployment,
  type Job,
  type Provider,
  type ProviderKind,
} from "@openmcp-ts/contract";
import { Informer, KubeClient } from "@openmcp-ts/kube";
import { createLogger, installCrds, startOperator, type RunningOperator } from "@openmcp-ts/operator";
import { eventually, TEST_ENVIRONMENT, TEST_NAMESPACE } from "@openmcp-ts/test-support";
import { startControlPlane, type ControlPlane } from "@openmcp-ts/testenv";
import { installReferenceCrds, spawnReferenceOperator } from "../bench/reference/reference-operator.ts";

const N = 50;
const IMAGE = "ghcr.io/example/provider:v1.2.3";
const KINDS: ProviderKind[] = ["ServiceProvider", "ClusterProvider", "PlatformService"];

/** Realistic specs, five shapes over the three kinds. */
function fleet(): Provider[] {
  const shapes: Record<string, unknown>[] = [
    {},
    {
      env: [
        { name: "REGION", value: "eu-1" },
        { name: "TIER", value: "gold" },
      ],
      imagePullSecrets: [{ name: "regcred" }],
    },
    {
      extraVolumes: [{ name: "config", configMap: { name: "provider-config" } }],
      extraVolumeMounts: [{ name: "config", mountPath: "/etc/provider", readOnly: true }],
    },
    {
      runReplicas: 2,
      topologySpreadConstraints: [
        { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway" },
      ],
    },
    { metrics: { disabled: false, port: 9090, path: "/m" } },
  ];
  const providers = Array.from({ length: N - 2 }, (_, i) =>
    provider(KINDS[i % 3]!, `fleet-${i}`, shapes[i % 5]!),
  );
  providers.push(
    provider("ServiceProvider", "switch-full", {
      env: [
        { name: "A", value: "1" },
        { name: "B", value: "2" },
      ],
      imagePullSecrets: [{ name: "regcred" }, { name: "other" }],
      extraVolumes: [
        { name: "cfg", configMap: { name: "cfg" } },
        { name: "scratch", emptyDir: {} },
      ],
      extraVolumeMounts: [
        { name: "cfg", mountPath: "/etc/cfg" },
        { name: "scratch", mountPath: "/scratch" },
      ],
      runReplicas: 2,
      topologySpreadConstraints: [
        { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway" },
        { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway" },
      ],
      metrics: { disabled: false, port: 9090 },
    }),
    provider("ClusterProvider", "switch-metrics", {}),
  );
  return providers;
}

function provider(kind: ProviderKind, name: string, spec: Record<string, unknown>): Provider {
  return {
    apiVersion: API_VERSION,
    kind,
    metadata: { name },
    spec: { image: IMAGE, ...spec },
  };
}

const ref = (p: { kind: ProviderKind; metadata: { name?: string } }) => ({
  apiVersion: API_VERSION,
  kind: p.kind,
  name: p.metadata.name!,
});
const ready = (p: Provider) =>
  p.status?.phase === "Ready" &&
  p.status.observedGeneration === p.metadata.generation &&
  p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;

/**
 * A user of the reference Go operator switches to ours, as docs/migrating-from-the-go-operator.md
 * says: the reference (real binary, its CRDs) deploys 50 providers and is stopped; ours runs `init`
 * and `run`. Nothing may go un-Ready, no init may re-run, and afterwards every removal from a spec
 * must show in the live objects, though the reference wrote them with Update.
 */
describe("takeover from the reference operator (full control plane, real binary)", () => {
  let cp: ControlPlane;
  let client: KubeClient;
  let operator: RunningOperator | undefined;
  const providers = fleet();
  const unReady = new Map<string, string>();
  let jobUidsBefore = new Map<string, string>();
  let takeoverMs = 0;

  before(async () => {
    cp = await startControlPlane({ full: true, progress: () => undefined });
    client = KubeClient.create({ kubeconfig: cp.kubeconfigPath });
    await installReferenceCrds(client);
    await client.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: TEST_NAMESPACE } }, "test");
    for (const p of providers) await client.create({ ...p, metadata: { name: p.metadata.name! } });
    const reference = await spawnReferenceOperator({
      kubeconfig: cp.kubeconfigPath,
      namespace: TEST_NAMESPACE,
      environment: TEST_ENVIRONMENT,
    });
    try {
      await eventually(
        `the reference brings all ${N} providers to Ready`,
        async () => {
          for (const kind of PROVIDER_KINDS) {
            const items = (await client.list<Provider>({ apiVersion: API_VERSION, kind })).items;
            if (!items.every(ready)) return false;
          }
          return true;
        },
        240_000,
      );
    } finally {
      await reference.stop();
    }
    const jobs = await client.list<Job>({ apiVersion: "batch/v1", kind: "Job", namespace: TEST_NAMESPACE });
    jobUidsBefore = new Map(jobs.items.map((j) => [j.metadata.name!, j.metadata.uid!]));
    assert.equal(jobUidsBefore.size, N, "the reference ran one init Job per provider");
  });
  after(async () => {
    await operator?.stop();
    await cp?.stop();
  });

  it(`ours takes over ${N} providers: none goes un-Ready, no init re-runs`, async () => {
    const watchers = PROVIDER_KINDS.map(
      (kind) =>
        new Informer<Provider & { metadata: { name?: string } }>(
          client,
          { apiVersion: API_VERSION, kind },
          {
            onEvent: (_t, p) => {
              const c = p.status?.conditions?.find((x) => x.type === "Ready");
              if (c?.status !== "True")
                unReady.set(`${kind}/${p.metadata.name}`, `${c?.status}/${c?.reason}: ${c?.message}`);
            },
          },
        ),
    );
    await Promise.all(watchers.map((w) => w.start()));
    const started = Date.now();
    const log = createLogger(process.env.TEST_OPERATOR_LOGS ? "DEBUG" : "ERROR");
    await installCrds(client, log);
    operator = await startOperator(
      { environment: TEST_ENVIRONMENT, namespace: TEST_NAMESPACE, kubeconfig: cp.kubeconfigPath },
      log,
    );
    // Ours has reconciled each one when its own status fields are there and its rollout is done.
    await eventually(
      "ours reconciled every provider and finished its rollouts",
      async () => {
        for (const kind of PROVIDER_KINDS) {
          const items = (await client.list<Provider>({ apiVersion: API_VERSION, kind })).items;
          for (const p of items) {
            if (!ready(p) || p.status?.runningImage !== IMAGE) return false;
            if (p.status.conditions?.some((c) => c.type === "Reconciling" && c.status === "True"))
              return false;
          }
        }
        return true;
      },
      180_000,
    );
    takeoverMs = Date.now() - started;
    await Promise.all(watchers.map((w) => w.stop()));

    const jobs = await client.list<Job>({ apiVersion: "batch/v1", kind: "Job", namespace: TEST_NAMESPACE });
    const rerun = jobs.items.filter((j) => jobUidsBefore.get(j.metadata.name!) !== j.metadata.uid);
    process.stderr.write(
      `takeover of ${N} providers: ${takeoverMs} ms, ${unReady.size} went un-Ready, ${rerun.length} init Jobs re-run\n`,
    );
    assert.deepEqual([...unReady], [], "providers that went un-Ready during the takeover");
    assert.deepEqual(
      rerun.map((j) => j.metadata.name),
      [],
      "init Jobs re-run",
    );
    assert.ok(
      jobs.items.every((j) => j.metadata.annotations?.[ANNOTATION_INIT_HASH]),
      "every Job adopted",
    );
    // The Deployments were updated in place (same object) to ours.
    const d = await client.get<Deployment>({
      apiVersion: "apps/v1",
      kind: "Deployment",
      namespace: TEST_NAMESPACE,
      name: "sp-switch-full",
    });
    assert.equal(d.spec.template.spec.securityContext?.runAsNonRoot, true);
    const managers =
      (d.metadata as { managedFields?: { manager: string; operation: string }[] }).managedFields ?? [];
    assert.ok(
      !managers.some(
        (m) => m.manager === "openmcp-operator" && m.operation === "Update" && !("subresource" in m),
      ),
      `the reference's Update entry is gone: ${JSON.stringify(managers.map((m) => [m.manager, m.operation]))}`,
    );
  });

  it("every kind of removal from a spec shows in the live objects afterwards", async () => {
    const full = providers.find((p) => p.metadata.name === "switch-full")!;
    const metricsOff = providers.find((p) => p.metadata.name === "switch-metrics")!;
    await client.patch(ref(full), "merge", {
      spec: {
        env: [{ name: "A", value: "1" }],
        imagePullSecrets: [{ name: "regcred" }],
        extraVolumes: [{ name: "cfg", configMap: { name: "cfg" } }],
        extraVolumeMounts: [{ name: "cfg", mountPath: "/etc/cfg" }],
        topologySpreadConstraints: [
          { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway" },
        ],
        metrics: { disabled: false, port: 9091 },
      },
    });
    await client.patch(ref(metricsOff), "merge", { spec: { metrics: { disabled: true } } });
    for (const p of [full, metricsOff]) {
      await eventually(
        `${p.metadata.name} Ready at its new generation`,
        async () => ready(await client.get<Provider>(ref(p))),
        90_000,
      );
    }
    const deployment = (name: string) =>
      client.get<Deployment>({ apiVersion: "apps/v1", kind: "Deployment", namespace: TEST_NAMESPACE, name });
    const d = await deployment(providerObjectNames("ServiceProvider", "switch-full").run);
    const pod = d.spec.template.spec;
    const c = pod.containers[0]!;
    assert.deepEqual(
      c.env?.map((e) => e.name),
      ["A", "POD_NAME", "POD_NAMESPACE", "POD_IP", "POD_SERVICE_ACCOUNT_NAME"],
      "env entry B removed",
    );
    assert.deepEqual(
      pod.volumes?.map((v) => v.name),
      ["cfg"],
      "volume removed",
    );
    assert.deepEqual(
      c.volumeMounts?.map((m) => m.mountPath),
      ["/etc/cfg"],
      "mount removed",
    );
    assert.deepEqual(
      pod.topologySpreadConstraints?.map((t) => t.topologyKey),
      ["kubernetes.io/hostname"],
    );
    assert.deepEqual(
      pod.imagePullSecrets?.map((s) => s.name),
      ["regcred"],
      "pull secret removed",
    );
    assert.deepEqual(
      c.ports?.map((p) => p.containerPort),
      [9091],
      "metrics port changed",
    );
    assert.equal(d.spec.template.metadata?.annotations?.["prometheus.io/port"], "9091");
    assert.deepEqual(
      c.args?.filter((a) => a.startsWith("--metrics-bind-address")),
      ["--metrics-bind-address=:9091"],
    );

    const off = await deployment(providerObjectNames("ClusterProvider", "switch-metrics").run);
    const offContainer = off.spec.template.spec.containers[0]!;
    assert.equal(offContainer.ports, undefined, "metrics port removed");
    assert.equal(off.spec.template.metadata?.annotations?.["prometheus.io/scrape"], undefined);
    assert.ok(!offContainer.args?.some((a) => a.startsWith("--metrics")), "metrics flags removed");
    await eventually(
      "the metrics Service of switch-metrics is deleted",
      async () =>
        (await client.find({
          apiVersion: "v1",
          kind: "Service",
          namespace: TEST_NAMESPACE,
          name: providerObjectNames("ClusterProvider", "switch-metrics").metricsService,
        })) === undefined,
      30_000,
    );
  });
});
