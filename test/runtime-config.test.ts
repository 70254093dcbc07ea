import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  ANNOTATION_INIT_HASH,
  ANNOTATION_RUNTIME_CONFIG,
  FINALIZER_RUNTIME_CONFIG_IN_USE,
  RUNTIME_API_VERSION,
  RUNTIME_CONFIG_KIND,
  type Deployment,
  type Job,
  type Pod,
  type Provider,
  type ProviderRuntimeConfig,
  type ProviderRuntimeConfigSpec,
  type ServiceAccount,
} from "@openmcp-ts/contract";
import {
  condition,
  eventually,
  providerRef,
  startOperatorHarness,
  testProvider,
  type OperatorHarness,
} from "@openmcp-ts/test-support";

const SYSTEM_NODE = "kwok-system-0";
const TAINT = { key: "dedicated", value: "system", effect: "NoSchedule" } as const;
const ON_SYSTEM_NODES: ProviderRuntimeConfigSpec = {
  common: {
    nodeSelector: { pool: "system" },
    tolerations: [{ key: "dedicated", operator: "Equal", value: "system", effect: "NoSchedule" }],
  },
};

/**
 * ProviderRuntimeConfig end to end (issue 19): kube-scheduler places the pods on kwok nodes, so
 * nodeSelector and tolerations are checked by the real scheduler, not by reading the template.
 */
describe("ProviderRuntimeConfig (full control plane)", () => {
  let h: OperatorHarness;
  before(async () => {
    h = await startOperatorHarness({ full: true });
    h.client.registerPlural("PriorityClass", "priorityclasses");
    // A tainted, labelled node that kwok runs, beside the two plain ones of the harness.
    await h.client.create({
      apiVersion: "v1",
      kind: "Node",
      metadata: {
        name: SYSTEM_NODE,
        annotations: { "kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0" },
        labels: {
          type: "kwok",
          pool: "system",
          "kubernetes.io/hostname": SYSTEM_NODE,
          "kubernetes.io/os": "linux",
        },
      },
      spec: { taints: [TAINT] },
    });
    const priorityClass = {
      apiVersion: "scheduling.k8s.io/v1",
      kind: "PriorityClass",
      metadata: { name: "provider-high" },
      value: 100000,
    };
    await h.client.create(priorityClass);
    await eventually("the system node Ready", async () => {
      const node = await h.client.find<{ status?: { conditions?: { type: string; status: string }[] } }>({
        apiVersion: "v1",
        kind: "Node",
        name: SYSTEM_NODE,
      });
      return node?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
    });
  });
  after(async () => {
    await h?.stop();
  });

  const applyConfig = (name: string, spec: ProviderRuntimeConfigSpec) =>
    h.client.apply(
      { apiVersion: RUNTIME_API_VERSION, kind: RUNTIME_CONFIG_KIND, metadata: { name }, spec },
      "e2e",
      { force: true },
    );
  const getConfig = (name: string) =>
    h.client.find<ProviderRuntimeConfig>({
      apiVersion: RUNTIME_API_VERSION,
      kind: RUNTIME_CONFIG_KIND,
      name,
    });
  const applyProvider = (name: string, config: string | undefined) => {
    const p = testProvider("ServiceProvider", name);
    p.metadata.annotations = config === undefined ? {} : { [ANNOTATION_RUNTIME_CONFIG]: config };
    return h.client.apply(p, "e2e", { force: true });
  };
  const getProvider = (name: string) => h.client.find<Provider>(providerRef("ServiceProvider", name));
  const untilReady = (name: string) =>
    eventually(`${name} Ready`, async () => {
      const p = await getProvider(name);
      return p?.status?.phase === "Ready" &&
        condition(p, "Ready")?.observedGeneration === p.metadata.generation
        ? p
        : undefined;
    });
  const ns = (kind: string, name: string, apiVersion: string) => ({
    apiVersion,
    kind,
    name,
    namespace: h.namespace,
  });
  const job = (p: string) => h.client.find<Job>(ns("Job", `sp-${p}-init`, "batch/v1"));
  const deployment = (p: string) => h.client.find<Deployment>(ns("Deployment", `sp-${p}`, "apps/v1"));
  const podsOf = async (p: string) =>
    (
      await h.client.list<Pod>(
        { apiVersion: "v1", kind: "Pod", namespace: h.namespace },
        { labelSelector: `app.kubernetes.io/instance=${p}` },
      )
    ).items;

  it("puts each setting into the init Job and the run Deployment, and the scheduler places them on the tainted node", async () => {
    await h.client.apply(
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "creds", namespace: h.namespace },
        stringData: { token: "t" },
      },
      "e2e",
    );
    await applyConfig("full", {
      common: {
        ...ON_SYSTEM_NODES.common,
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                { matchExpressions: [{ key: "pool", operator: "In", values: ["system"] }] },
              ],
            },
          },
        },
        priorityClassName: "provider-high",
        podMetadata: { labels: { team: "platform" }, annotations: { "cost-center": "c1" } },
        serviceAccountMetadata: { annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/p" } },
        env: [{ name: "TOKEN", valueFrom: { secretKeyRef: { name: "creds", key: "token" } } }],
        envFrom: [{ secretRef: { name: "creds" }, prefix: "CREDS_" }],
        podSecurityContext: { runAsUser: 65532, fsGroup: 65532 },
      },
      init: { resources: { requests: { cpu: "50m", memory: "32Mi" }, limits: { memory: "64Mi" } } },
      run: { resources: { requests: { cpu: "0.1", memory: "64Mi" }, limits: { memory: "128Mi" } } },
    });
    await applyProvider("shaped", "full");
    await untilReady("shaped");

    const templates = [
      [
        "init",
        (await job("shaped"))!.spec.template,
        { requests: { cpu: "50m", memory: "32Mi" }, limits: { memory: "64Mi" } },
      ],
      // The API server stores quantities canonically: 0.1 → 100m.
      [
        "run",
        (await deployment("shaped"))!.spec.template,
        { requests: { cpu: "100m", memory: "64Mi" }, limits: { memory: "128Mi" } },
      ],
    ] as const;
    for (const [phase, template, resources] of templates) {
      const pod = template.spec;
      const container = pod.containers[0]!;
      assert.deepEqual(container.resources, resources, phase);
      assert.deepEqual(pod.nodeSelector, { pool: "system" }, phase);
      assert.equal(pod.tolerations?.[0]?.key, "dedicated", phase);
      assert.ok(pod.affinity?.nodeAffinity, phase);
      assert.equal(pod.priorityClassName, "provider-high", phase);
      assert.equal(template.metadata?.labels?.team, "platform", phase);
      assert.equal(template.metadata?.annotations?.["cost-center"], "c1", phase);
      assert.deepEqual(
        container.env?.find((e) => e.name === "TOKEN")?.valueFrom,
        { secretKeyRef: { name: "creds", key: "token" } },
        phase,
      );
      assert.deepEqual(container.envFrom, [{ secretRef: { name: "creds" }, prefix: "CREDS_" }], phase);
      assert.equal(pod.securityContext?.["runAsUser"], 65532, phase);
      assert.equal(pod.securityContext?.runAsNonRoot, true, phase);
    }
    for (const sa of ["sp-shaped-init", "sp-shaped"]) {
      const live = await h.client.find<ServiceAccount>(ns("ServiceAccount", sa, "v1"));
      assert.equal(live?.metadata.annotations?.["eks.amazonaws.com/role-arn"], "arn:aws:iam::1:role/p", sa);
    }
    const pods = await podsOf("shaped");
    assert.ok(pods.length >= 2, "init and run pods");
    for (const pod of pods) assert.equal(pod.spec?.nodeName, SYSTEM_NODE, pod.metadata.name);
    assert.equal((await getConfig("full"))?.status?.users, 1);

    // Steady: the API server stores 0.1 as 100m, which must still count as what we applied.
    await h.operator.controller.idle();
    const before = await h.writes();
    for (let i = 0; i < 3; i++) await h.operator.controller.reconcile("ServiceProvider", "shaped");
    assert.equal(
      (await h.writes()) - before,
      0,
      "passes over a steady provider with a runtime config wrote to the API",
    );
  });

  it("leaves a pod Pending without the toleration, and the provider's status says why", async () => {
    // Run pods select the tainted node without tolerating it; init runs anywhere.
    await applyConfig("no-toleration", { run: { nodeSelector: { pool: "system" } } });
    await applyProvider("untolerated", "no-toleration");
    const stuck = await eventually("untolerated reports the unschedulable pod", async () => {
      const p = await getProvider("untolerated");
      const ready = condition(p, "Ready");
      return ready?.status === "False" && /Unschedulable/.test(ready.message) ? ready : undefined;
    });
    assert.match(stuck.message, /untolerated taint|didn't match Pod's node affinity\/selector/);
    const pods = (await podsOf("untolerated")).filter(
      (p) => p.metadata.labels?.["app.kubernetes.io/component"] === "controller",
    );
    assert.ok(pods.length > 0 && pods.every((p) => p.status?.phase === "Pending" && !p.spec?.nodeName));

    // With the toleration added to the config, the same provider schedules and becomes Ready.
    await applyConfig("no-toleration", { run: ON_SYSTEM_NODES.common! });
    await untilReady("untolerated");
  });

  it("rolls out a config change to its users only, and re-runs init only for init settings", async () => {
    await applyConfig("shared", { run: { resources: { requests: { cpu: "10m" } } } });
    await applyProvider("user-a", "shared");
    await applyProvider("bystander", undefined);
    await Promise.all([untilReady("user-a"), untilReady("bystander")]);
    const before = {
      userJob: (await job("user-a"))!,
      user: (await deployment("user-a"))!,
      bystander: (await deployment("bystander"))!,
      bystanderJob: (await job("bystander"))!,
    };

    await applyConfig("shared", { run: { resources: { requests: { cpu: "20m" } } } });
    await eventually("user-a's Deployment updated", async () => {
      const d = await deployment("user-a");
      return d?.spec.template.spec.containers[0]?.resources?.requests?.cpu === "20m" ? d : undefined;
    });
    await untilReady("user-a");
    // A run-only change: the same init Job, no new init.
    assert.equal((await job("user-a"))?.metadata.uid, before.userJob.metadata.uid);
    await h.operator.controller.idle();
    const bystander = (await deployment("bystander"))!;
    // Generation counts spec changes only (the controllers keep writing status).
    assert.equal(bystander.metadata.generation, before.bystander.metadata.generation);
    assert.equal((await job("bystander"))!.metadata.uid, before.bystanderJob.metadata.uid);

    await applyConfig("shared", {
      run: { resources: { requests: { cpu: "20m" } } },
      init: { podMetadata: { labels: { init: "v2" } } },
    });
    const rerun = await eventually("a new init Job for the init change", async () => {
      const j = await job("user-a");
      return j && j.metadata.uid !== before.userJob.metadata.uid ? j : undefined;
    });
    assert.notEqual(
      rerun.metadata.annotations?.[ANNOTATION_INIT_HASH],
      before.userJob.metadata.annotations?.[ANNOTATION_INIT_HASH],
    );
    assert.equal(rerun.spec.template.metadata?.labels?.init, "v2");
    await untilReady("user-a");
  });

  it("reports a missing config by name, applies nothing meanwhile, and goes ahead once it exists", async () => {
    await applyProvider("waits", "later");
    const missing = await eventually("RuntimeConfigNotFound", async () => {
      const ready = condition(await getProvider("waits"), "Ready");
      return ready?.reason === "RuntimeConfigNotFound" ? ready : undefined;
    });
    assert.match(
      missing.message,
      /ProviderRuntimeConfig "later" \(annotation openmcp\.cloud\/runtime-config\) does not exist/,
    );
    assert.equal(await job("waits"), undefined);

    // A running provider switched to a missing config keeps its Deployment as it is.
    const running = (await deployment("bystander"))!;
    await applyProvider("bystander", "later");
    await eventually("bystander reports the missing config", async () =>
      condition(await getProvider("bystander"), "Ready")?.reason === "RuntimeConfigNotFound"
        ? true
        : undefined,
    );
    await h.operator.controller.idle();
    assert.equal((await deployment("bystander"))?.metadata.generation, running.metadata.generation);

    await applyConfig("later", ON_SYSTEM_NODES);
    await Promise.all([untilReady("waits"), untilReady("bystander")]);
    assert.deepEqual((await deployment("waits"))?.spec.template.spec.nodeSelector, { pool: "system" });
  });

  it("holds the deletion of a config in use until no provider uses it", async () => {
    await applyConfig("doomed", { run: { priorityClassName: "provider-high" } });
    await applyProvider("holder", "doomed");
    await untilReady("holder");
    const held = await eventually("the in-use finalizer and status", async () => {
      const c = await getConfig("doomed");
      return c?.metadata.finalizers?.includes(FINALIZER_RUNTIME_CONFIG_IN_USE) && c.status?.users === 1
        ? c
        : undefined;
    });
    assert.deepEqual(held.status?.usedBy, ["ServiceProvider/holder"]);

    await h.client.delete({ apiVersion: RUNTIME_API_VERSION, kind: RUNTIME_CONFIG_KIND, name: "doomed" });
    const deleting = await getConfig("doomed");
    assert.ok(deleting?.metadata.deletionTimestamp, "deletion is pending, not done");
    // The user keeps its settings while the config waits.
    await h.operator.controller.idle();
    assert.equal(condition(await getProvider("holder"), "Ready")?.status, "True");

    await applyProvider("holder", undefined);
    await eventually("the config gone once unused", async () =>
      (await getConfig("doomed")) === undefined ? true : undefined,
    );
    await untilReady("holder");
    assert.equal((await deployment("holder"))?.spec.template.spec.priorityClassName, undefined);
  });
});
