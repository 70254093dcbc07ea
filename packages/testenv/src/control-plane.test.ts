import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";
import * as k8s from "@kubernetes/client-node";
import { startControlPlane, type ControlPlane } from "./control-plane.ts";
import { eventually } from "./eventually.ts";
import { BEHAVIOR_ENV } from "./kwok-stages.ts";

function clients(cp: ControlPlane): {
  kc: k8s.KubeConfig;
  core: k8s.CoreV1Api;
  batch: k8s.BatchV1Api;
  apps: k8s.AppsV1Api;
  ext: k8s.ApiextensionsV1Api;
} {
  const kc = new k8s.KubeConfig();
  kc.loadFromString(cp.kubeconfigYaml);
  return {
    kc,
    core: kc.makeApiClient(k8s.CoreV1Api),
    batch: kc.makeApiClient(k8s.BatchV1Api),
    apps: kc.makeApiClient(k8s.AppsV1Api),
    ext: kc.makeApiClient(k8s.ApiextensionsV1Api),
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("apiserver mode", () => {
  let cp: ControlPlane;
  before(async () => {
    cp = await startControlPlane();
  });
  after(async () => {
    await cp?.stop();
  });

  it("stores a Namespace and reads it back", async () => {
    const { core } = clients(cp);
    await core.createNamespace({ body: { metadata: { name: "roundtrip", labels: { a: "b" } } } });
    const ns = await core.readNamespace({ name: "roundtrip" });
    assert.equal(ns.metadata?.labels?.a, "b");
    assert.ok(ns.metadata?.uid, "the apiserver assigned a uid");
  });

  it("establishes a CRD and serves its resource", async () => {
    const { ext, kc } = clients(cp);
    await ext.createCustomResourceDefinition({
      body: {
        metadata: { name: "widgets.example.com" },
        spec: {
          group: "example.com",
          scope: "Namespaced",
          names: { plural: "widgets", singular: "widget", kind: "Widget", listKind: "WidgetList" },
          versions: [
            {
              name: "v1",
              served: true,
              storage: true,
              schema: {
                openAPIV3Schema: {
                  type: "object",
                  properties: {
                    spec: { type: "object", properties: { size: { type: "integer", minimum: 1 } } },
                  },
                },
              },
            },
          ],
        },
      },
    });
    await eventually("CRD Established", async () => {
      const crd = await ext.readCustomResourceDefinition({ name: "widgets.example.com" });
      return crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")
        ? true
        : undefined;
    });
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    await assert.rejects(
      custom.createNamespacedCustomObject({
        group: "example.com",
        version: "v1",
        namespace: "default",
        plural: "widgets",
        body: { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" }, spec: { size: 0 } },
      }),
      /spec.size/,
      "schema validation is enforced by the real apiserver",
    );
  });

  it("runs two instances side by side and removes everything on stop", async () => {
    const other = await startControlPlane();
    try {
      assert.notEqual(other.server, cp.server);
      await clients(other).core.createNamespace({ body: { metadata: { name: "only-in-other" } } });
      await assert.rejects(clients(cp).core.readNamespace({ name: "only-in-other" }), /404|not found/i);
    } finally {
      const pids = (await import("node:fs/promises")).readFile(`${other.dir}/pids`, "utf8");
      const list = (await pids).split("\n").filter(Boolean).map(Number);
      await other.stop();
      assert.equal(existsSync(other.dir), false, "instance directory removed");
      assert.deepEqual(list.filter(isAlive), [], "no component process left running");
    }
  });
});

describe("full mode", () => {
  let cp: ControlPlane;
  before(async () => {
    cp = await startControlPlane({ full: true });
  });
  after(async () => {
    await cp?.stop();
  });

  const jobBody = (name: string, env: k8s.V1EnvVar[] = []): k8s.V1Job => ({
    metadata: { name },
    spec: {
      backoffLimit: 0,
      template: {
        spec: { restartPolicy: "Never", containers: [{ name: "main", image: "example.com/job:v1", env }] },
      },
    },
  });

  it("has Ready kwok nodes", async () => {
    const nodes = await clients(cp).core.listNode();
    assert.equal(nodes.items.length, 2);
    for (const n of nodes.items)
      assert.ok(n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
  });

  it("completes a Job on its own", async () => {
    const { batch } = clients(cp);
    await batch.createNamespacedJob({ namespace: "default", body: jobBody("completes") });
    const job = await eventually("Job Complete", async () => {
      const j = await batch.readNamespacedJob({ name: "completes", namespace: "default" });
      return j.status?.conditions?.some((c) => c.type === "Complete" && c.status === "True") ? j : undefined;
    });
    assert.equal(job.status?.succeeded, 1);
  });

  it("fails a Job whose pod is steered to fail, with exit code and message", async () => {
    const { batch, core } = clients(cp);
    await batch.createNamespacedJob({
      namespace: "default",
      body: jobBody("fails", [
        { name: BEHAVIOR_ENV, value: "fail" },
        { name: "TESTENV_EXIT_CODE", value: "3" },
        { name: "TESTENV_MESSAGE", value: "cannot install CRDs" },
      ]),
    });
    await eventually("Job Failed", async () => {
      const j = await batch.readNamespacedJob({ name: "fails", namespace: "default" });
      return j.status?.conditions?.some((c) => c.type === "Failed" && c.status === "True") ? j : undefined;
    });
    const pods = await core.listNamespacedPod({ namespace: "default", labelSelector: "job-name=fails" });
    const terminated = pods.items[0]?.status?.containerStatuses?.[0]?.state?.terminated;
    assert.equal(terminated?.exitCode, 3);
    assert.equal(terminated?.message, "cannot install CRDs");
  });

  it("serves a failed pod's log through the API (kubectl logs), as kwok's kubelet endpoint", async () => {
    const { batch, core } = clients(cp);
    await cp.setPodLog(["starting init", "error: cannot install CRD widgets.example.com: forbidden"]);
    await batch.createNamespacedJob({
      namespace: "default",
      body: jobBody("logs", [{ name: BEHAVIOR_ENV, value: "fail" }]),
    });
    const pod = await eventually("the Job's pod failed", async () => {
      const pods = await core.listNamespacedPod({ namespace: "default", labelSelector: "job-name=logs" });
      return pods.items.find((p) => p.status?.phase === "Failed");
    });
    const name = pod.metadata!.name!;
    const log = await core.readNamespacedPodLog({ name, namespace: "default", tailLines: 10 });
    assert.equal(log, "starting init\nerror: cannot install CRD widgets.example.com: forbidden\n");
    const { stdout } = await promisify(execFile)(cp.binaries.kubectl!, [
      `--kubeconfig=${cp.kubeconfigPath}`,
      "logs",
      `pod/${name}`,
      "--tail=1",
    ]);
    assert.equal(stdout, "error: cannot install CRD widgets.example.com: forbidden\n");
    await cp.setPodLog(["rewritten"]);
    assert.equal(await core.readNamespacedPodLog({ name, namespace: "default" }), "rewritten\n");
  });

  it("makes a Deployment available and garbage-collects it with its owner", async () => {
    const { apps, core } = clients(cp);
    const owner = await core.createNamespacedConfigMap({
      namespace: "default",
      body: { metadata: { name: "owner" } },
    });
    await apps.createNamespacedDeployment({
      namespace: "default",
      body: {
        metadata: {
          name: "web",
          ownerReferences: [
            {
              apiVersion: "v1",
              kind: "ConfigMap",
              name: "owner",
              uid: owner.metadata!.uid!,
              controller: true,
            },
          ],
        },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: "web" } },
          template: {
            metadata: { labels: { app: "web" } },
            spec: { containers: [{ name: "web", image: "example.com/web:v1" }] },
          },
        },
      },
    });
    await eventually("Deployment available", async () => {
      const d = await apps.readNamespacedDeployment({ name: "web", namespace: "default" });
      return d.status?.availableReplicas === 2 && d.status.updatedReplicas === 2 ? d : undefined;
    });
    await core.deleteNamespacedConfigMap({ name: "owner", namespace: "default" });
    await eventually("Deployment and its pods garbage-collected", async () => {
      const ds = await apps.listNamespacedDeployment({ namespace: "default" });
      const pods = await core.listNamespacedPod({ namespace: "default", labelSelector: "app=web" });
      return ds.items.length === 0 && pods.items.length === 0 ? true : undefined;
    });
  });

  it("reports why a crash-looping pod is not ready", async () => {
    const { core } = clients(cp);
    await core.createNamespacedPod({
      namespace: "default",
      body: {
        metadata: { name: "crashy" },
        spec: {
          containers: [
            { name: "c", image: "example.com/c:v1", env: [{ name: BEHAVIOR_ENV, value: "crashloop" }] },
          ],
        },
      },
    });
    const waiting = await eventually("CrashLoopBackOff", async () => {
      const p = await core.readNamespacedPod({ name: "crashy", namespace: "default" });
      return p.status?.containerStatuses?.[0]?.state?.waiting;
    });
    assert.equal(waiting.reason, "CrashLoopBackOff");
  });
});
