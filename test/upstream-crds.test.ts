import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { parseAllDocuments } from "yaml";
import {
  ANNOTATION_INIT_ATTEMPTS,
  providerObjectNames,
  providerStatusSchema,
  type Job,
  type Provider,
} from "@openmcp-ts/contract";
import { createLogger, type KubeClient } from "@openmcp-ts/kube";
import { installCrds } from "@openmcp-ts/operator";
import {
  condition,
  eventually,
  expectConverged,
  providerRef,
  startOperatorHarness,
  testProvider,
  type OperatorHarness,
} from "@openmcp-ts/test-support";
import { referenceCrdManifests } from "../bench/reference/build-reference-operator.ts";

/** The manager a GitOps tool applies with (Flux's kustomize-controller uses server-side apply). */
const GITOPS_MANAGER = "kustomize-controller";

interface Crd {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: { versions: { schema: { openAPIV3Schema: { properties: { status: { properties: object } } } } }[] };
  status?: { conditions?: { type: string; status: string }[] };
}

async function statusFields(client: KubeClient, name: string): Promise<string[]> {
  const crd = await client.get<Crd>({
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    name,
  });
  return Object.keys(crd.spec.versions[0]!.schema.openAPIV3Schema.properties.status.properties).sort();
}

/** The reference's platform CRDs for the provider kinds, applied as a GitOps tool pinning them would. */
async function applyReferenceCrds(client: KubeClient): Promise<string[]> {
  const crds = (await referenceCrdManifests())
    .flatMap((t) => parseAllDocuments(t).map((d) => d.toJS() as Crd))
    .filter((c) => c.metadata.name.endsWith(".openmcp.cloud") && !c.metadata.name.includes("clusters."));
  for (const crd of crds) await client.apply(crd, GITOPS_MANAGER, { force: true });
  for (const crd of crds) {
    await eventually(`CRD ${crd.metadata.name} Established`, async () => {
      const live = await client.get<Crd>({
        apiVersion: crd.apiVersion,
        kind: crd.kind,
        name: crd.metadata.name,
      });
      return live.status?.conditions?.some((c) => c.type === "Established" && c.status === "True");
    });
  }
  return crds.map((c) => c.metadata.name);
}

/**
 * Ours on the reference's CRDs (GitOps often pins them): their status schema prunes
 * `initAttempts`, `initializedImage` and `runningImage`. Backoff and Stalled must still work
 * (the attempt count lives in an annotation), and a steady provider must cost no write per pass.
 */
describe("on the reference's CRDs", () => {
  let h: OperatorHarness;
  before(async () => {
    h = await startOperatorHarness({
      full: true,
      installCrds: applyReferenceCrds,
      operator: { maxInitAttempts: 3, initJobBackoffLimit: 0 },
    });
  });
  after(async () => {
    await h?.stop();
  });

  const get = (name: string): Promise<Provider> =>
    h.client.get<Provider>(providerRef("ServiceProvider", name));

  it("the pinned schema is in effect: it has no initAttempts, initializedImage or runningImage", async () => {
    assert.deepEqual(await statusFields(h.client, "serviceproviders.openmcp.cloud"), [
      "conditions",
      "metrics",
      "observedGeneration",
      "phase",
      "resources",
    ]);
  });

  it("a Ready provider: status without the pruned fields, and no write on further passes", async () => {
    await h.client.apply(testProvider("ServiceProvider", "steady"), "test");
    await eventually("Ready", async () => (await get("steady")).status?.phase === "Ready", 90_000);
    const p = await get("steady");
    assert.equal(p.status?.initAttempts, undefined);
    assert.equal(p.status?.runningImage, undefined);
    assert.equal(p.metadata.annotations?.[ANNOTATION_INIT_ATTEMPTS], "1");
    await h.operator.controller.idle();
    await sleep(1000);
    await h.operator.controller.idle();
    const before = await h.writes();
    for (let i = 0; i < 5; i++) await h.operator.controller.reconcile("ServiceProvider", "steady");
    await h.client.patch(providerRef("ServiceProvider", "steady"), "merge", {
      metadata: { labels: { touched: "yes" } },
    });
    await sleep(1500);
    await h.operator.controller.idle();
    assert.equal((await h.writes()) - before, 0, "passes over a steady provider wrote to the API");
    assert.equal(condition(await get("steady"), "Ready")?.status, "True");
  });

  it("an init that keeps failing backs off and stalls after --max-init-attempts, then stays put", async () => {
    const name = "failing";
    await h.client.apply(
      testProvider("ServiceProvider", name, {
        env: [
          { name: "TESTENV_INIT_BEHAVIOR", value: "fail" },
          { name: "TESTENV_MESSAGE", value: "cannot reach the onboarding cluster" },
        ],
      }),
      "test",
    );
    const stalled = await eventually(
      "Stalled",
      async () => {
        const p = await get(name);
        return condition(p, "Stalled")?.status === "True" ? p : undefined;
      },
      120_000,
    );
    assert.equal(condition(stalled, "Stalled")?.reason, "InitFailed");
    assert.match(condition(stalled, "Initialized")?.message ?? "", /attempt 3 of 3.*giving up/);
    assert.equal(stalled.status?.phase, "Failed");
    assert.equal(stalled.metadata.annotations?.[ANNOTATION_INIT_ATTEMPTS], "3");
    assert.equal(stalled.status?.initAttempts, undefined, "pruned by the schema");

    // Given up: no further Job and no write per pass.
    const jobRef = {
      apiVersion: "batch/v1",
      kind: "Job",
      namespace: h.namespace,
      name: providerObjectNames("ServiceProvider", name).init,
    };
    const job = await h.client.get<Job>(jobRef);
    await h.operator.controller.idle();
    const before = await h.writes();
    for (let i = 0; i < 5; i++) await h.operator.controller.reconcile("ServiceProvider", name);
    await sleep(2000);
    await h.operator.controller.idle();
    assert.equal((await h.writes()) - before, 0, "passes over a stalled provider wrote to the API");
    assert.equal((await h.client.get<Job>(jobRef)).metadata.uid, job.metadata.uid, "a 4th Job was created");

    await h.client.delete(providerRef("ServiceProvider", name));
    await eventually(
      "deleted",
      async () => (await h.client.find(providerRef("ServiceProvider", name))) === undefined,
    );
  });

  it("our init over GitOps-applied reference CRDs replaces the whole schema without a conflict; the GitOps tool's next sync takes it back; ours works on either", async () => {
    const crd = "serviceproviders.openmcp.cloud";
    const upstream = await statusFields(h.client, crd);
    await installCrds(h.client, createLogger("ERROR"));
    const ours = await statusFields(h.client, crd);
    // Exactly our schema's status fields (the contract's, so a new field needs no edit here).
    assert.deepEqual(ours, Object.keys(providerStatusSchema("ServiceProvider").properties ?? {}).sort());
    for (const f of ["initAttempts", "initializedImage", "runningImage"]) assert.ok(ours.includes(f), f);
    // The schema is atomic for server-side apply: the last forced apply owns all of it.
    await applyReferenceCrds(h.client);
    assert.deepEqual(await statusFields(h.client, crd), upstream);
    await installCrds(h.client, createLogger("ERROR"));
    assert.deepEqual(await statusFields(h.client, crd), ours);
    // The operator learns from its next status write that the fields are kept again: status holds
    // the count and the annotation goes.
    await h.client.apply(testProvider("ServiceProvider", "steady", { image: "test-image:v0.2.0" }), "test");
    await expectConverged(h.client, h.namespace, [{ kind: "ServiceProvider", name: "steady" }], 90_000);
    await eventually("annotation removed", async () => {
      const p = await get("steady");
      return p.status?.initAttempts === 1 && p.metadata.annotations?.[ANNOTATION_INIT_ATTEMPTS] === undefined;
    });
  });
});
