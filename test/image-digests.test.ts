import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  ANNOTATION_OPERATION,
  API_VERSION,
  providerObjectNames,
  type Deployment,
  type Job,
  type Provider,
} from "@openmcp-ts/contract";
import {
  condition,
  eventually,
  startOperatorHarness,
  testProvider,
  type OperatorHarness,
} from "@openmcp-ts/test-support";
import { startRegistry, type Registry } from "@openmcp-ts/testenv";

/**
 * Tags resolved to digests (issue 20) through a real registry (CNCF distribution, TLS, bearer
 * token auth) with the provider's pull secret, on the full control plane (kwok pods do not pull:
 * the registry is for resolution only).
 */
describe("image digests from a real registry (full control plane)", () => {
  let registry: Registry;
  let h: OperatorHarness;
  before(async () => {
    registry = await startRegistry({ auth: true, progress: () => undefined });
    h = await startOperatorHarness({
      full: true,
      operator: { imageDigests: { intervalMs: 0, registryCa: registry.caCert } },
    });
    const dockerconfig = JSON.stringify({
      auths: { [registry.host]: { username: registry.username, password: registry.password } },
    });
    await h.client.apply(
      {
        apiVersion: "v1",
        kind: "Secret",
        type: "kubernetes.io/dockerconfigjson",
        metadata: { name: "regcred", namespace: h.namespace },
        data: { ".dockerconfigjson": Buffer.from(dockerconfig).toString("base64") },
      },
      "test",
    );
  });
  after(async () => {
    await h?.stop();
    await registry?.stop();
  });

  const ref = (name: string) => ({ apiVersion: API_VERSION, kind: "ServiceProvider", name });
  const objects = async (name: string) => {
    const names = providerObjectNames("ServiceProvider", name);
    const job = await h.client.get<Job>({
      apiVersion: "batch/v1",
      kind: "Job",
      namespace: h.namespace,
      name: names.init,
    });
    const deployment = await h.client.get<Deployment>({
      apiVersion: "apps/v1",
      kind: "Deployment",
      namespace: h.namespace,
      name: names.run,
    });
    return {
      job: job.spec.template.spec.containers[0]?.image,
      jobUid: job.metadata.uid,
      deployment: deployment.spec.template.spec.containers[0]?.image,
    };
  };
  const readyWith = (name: string, resolvedImage: string) =>
    eventually(
      `${name} Ready with ${resolvedImage}`,
      async () => {
        const p = await h.client.get<Provider>(ref(name));
        return p.status?.phase === "Ready" &&
          p.status.observedGeneration === p.metadata.generation &&
          p.status.resolvedImage === resolvedImage &&
          p.status.runningImage === resolvedImage
          ? p
          : undefined;
      },
      60_000,
    );

  it("deploys the digest the tag points to in the Job and the Deployment, and says so in status", async () => {
    const digest = await registry.pushImage("providers/sp", "v1", "first build");
    const image = `${registry.host}/providers/sp:v1`;
    await h.client.apply(
      testProvider("ServiceProvider", "digested", { image, imagePullSecrets: [{ name: "regcred" }] }),
      "test",
    );
    const pinned = `${registry.host}/providers/sp@${digest}`;
    const p = await readyWith("digested", pinned);
    assert.equal(p.spec.image, image, "the spec keeps the tag");
    assert.equal(condition(p, "ImageResolved")?.status, "True");
    assert.equal(condition(p, "ImageResolved")?.message, `${image} resolved to ${pinned}`);
    const o = await objects("digested");
    assert.equal(o.job, pinned);
    assert.equal(o.deployment, pinned);
  });

  it("re-deploys a re-pushed tag on the reconcile annotation, running init again", async () => {
    const before = await objects("digested");
    const moved = await registry.pushImage("providers/sp", "v1", "second build");
    await h.client.patch(ref("digested"), "merge", {
      metadata: { annotations: { [ANNOTATION_OPERATION]: "reconcile" } },
    });
    const pinned = `${registry.host}/providers/sp@${moved}`;
    await readyWith("digested", pinned);
    const after = await objects("digested");
    assert.equal(after.job, pinned);
    assert.equal(after.deployment, pinned);
    assert.notEqual(after.jobUid, before.jobUid, "a new init Job for the new digest");
  });

  it("without credentials: deploys the tag and says why it could not resolve it", async () => {
    await registry.pushImage("providers/private", "v1");
    const image = `${registry.host}/providers/private:v1`;
    await h.client.apply(testProvider("ServiceProvider", "no-secret", { image }), "test");
    const p = await eventually(
      "no-secret Ready with the tag",
      async () => {
        const x = await h.client.get<Provider>(ref("no-secret"));
        return x.status?.phase === "Ready" ? x : undefined;
      },
      60_000,
    );
    const c = condition(p, "ImageResolved");
    assert.equal(c?.status, "False");
    assert.equal(c?.reason, "ImageResolveFailed");
    assert.match(c.message, /no pull secret has credentials for it; deploying the tag/);
    assert.equal(p.status?.resolvedImage, undefined);
    assert.equal((await objects("no-secret")).deployment, image);
  });

  it("with the registry down: the running provider keeps its digest and stays Ready; status says what failed", async () => {
    const running = (await h.client.get<Provider>(ref("digested"))).status?.resolvedImage;
    assert.ok(running);
    await registry.stop();
    await h.client.patch(ref("digested"), "merge", {
      metadata: { annotations: { [ANNOTATION_OPERATION]: "reconcile" } },
    });
    const p = await eventually(
      "ImageResolveFailed",
      async () => {
        const x = await h.client.get<Provider>(ref("digested"));
        return condition(x, "ImageResolved")?.status === "False" ? x : undefined;
      },
      30_000,
    );
    assert.match(condition(p, "ImageResolved")!.message, /unreachable: .*ECONNREFUSED.*; keeping /);
    assert.equal(p.status?.phase, "Ready");
    assert.equal(p.status?.resolvedImage, running);
    assert.equal((await objects("digested")).deployment, running);
  });
});
