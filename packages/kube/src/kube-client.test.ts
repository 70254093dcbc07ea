import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startControlPlane, type ControlPlane } from "@openmcp-ts/testenv";
import { ApiError, KubeClient } from "./kube-client.ts";
import { Informer, type CachedObject, type InformerEvent } from "./informer.ts";

interface ConfigMap extends CachedObject {
  data?: Record<string, string>;
}

async function eventually(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("KubeClient and Informer against a real apiserver", () => {
  let cp: ControlPlane;
  let client: KubeClient;
  const requests: string[] = [];
  before(async () => {
    cp = await startControlPlane();
    client = KubeClient.create({ kubeconfig: cp.kubeconfigPath, onRequest: (verb) => requests.push(verb) });
  });
  after(async () => {
    await cp?.stop();
  });

  const cm = (
    name: string,
    data: Record<string, string>,
  ): ConfigMap & { apiVersion: string; kind: string } => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, namespace: "default" },
    data,
  });

  it("applies, finds, patches and deletes with server-side apply", async () => {
    const applied = await client.apply<ConfigMap>(cm("a", { k: "v1" }), "test-manager");
    assert.equal(applied.data?.k, "v1");
    const again = await client.apply<ConfigMap>(cm("a", { k: "v1" }), "test-manager");
    assert.equal(
      again.metadata.resourceVersion,
      applied.metadata.resourceVersion,
      "an unchanged apply is a no-op",
    );
    assert.equal(
      (await client.find<ConfigMap>({ apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "a" }))
        ?.data?.k,
      "v1",
    );
    assert.equal(
      await client.find({ apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "missing" }),
      undefined,
    );
    assert.equal(
      await client.delete({ apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "a" }),
      true,
    );
    assert.equal(
      await client.delete({ apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "a" }),
      false,
    );
    assert.ok(requests.includes("patch") && requests.includes("get") && requests.includes("delete"));
  });

  it("reports API errors with code and the server's message", async () => {
    await assert.rejects(
      client.apply(cm("Invalid_Name", {}), "test-manager"),
      (err: unknown) => err instanceof ApiError && err.code === 422 && /Invalid_Name/.test(err.message),
    );
  });

  it("keeps an informer cache in step and resumes after an apiserver restart", async () => {
    const events: [InformerEvent, string][] = [];
    const informer = new Informer<ConfigMap>(
      client,
      { apiVersion: "v1", kind: "ConfigMap", namespace: "default" },
      {
        labelSelector: "watched=yes",
        onEvent: (type, obj) => events.push([type, obj.metadata.name!]),
      },
    );
    await client.apply(
      { ...cm("before", {}), metadata: { name: "before", namespace: "default", labels: { watched: "yes" } } },
      "t",
    );
    await informer.start();
    assert.ok(informer.get("before", "default"), "initial list fills the cache");
    await client.apply(
      {
        ...cm("live", { x: "1" }),
        metadata: { name: "live", namespace: "default", labels: { watched: "yes" } },
      },
      "t",
    );
    await eventually("added event", () => informer.get("live", "default")?.data?.x === "1");
    await client.apply({ ...cm("ignored", {}), metadata: { name: "ignored", namespace: "default" } }, "t");

    await cp.restart("kube-apiserver");
    await client.apply(
      {
        ...cm("live", { x: "2" }),
        metadata: { name: "live", namespace: "default", labels: { watched: "yes" } },
      },
      "t",
    );
    await client.delete({ apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "before" });
    await eventually(
      "events after restart",
      () => informer.get("live", "default")?.data?.x === "2" && !informer.get("before", "default"),
    );
    assert.equal(informer.get("ignored", "default"), undefined, "label selector applies");
    assert.deepEqual(
      events.filter(([, n]) => n === "before").map(([t]) => t),
      ["added", "deleted"],
    );
    await informer.stop();
  });
});
