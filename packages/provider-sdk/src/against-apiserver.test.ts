import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  API_VERSION,
  CLUSTERS_API_VERSION,
  FIELD_MANAGER_PROVIDER_SDK,
  LABEL_CLUSTER,
  LABEL_OPENMCP_MANAGED_BY,
  accessRequestCrd,
  clusterRequestCrd,
  providerCrd,
  stableRequestName,
  type AccessRequest,
  type ClusterRequest,
  type CustomResourceDefinition,
  type ServiceProvider,
} from "@openmcp-ts/contract";
import { KubeClient } from "@openmcp-ts/kube";
import { eventually, startControlPlane, tokenKubeconfig, type ControlPlane } from "@openmcp-ts/testenv";
import { createAndWaitForCluster } from "./create-and-wait-for-cluster.ts";
import { defineProvider, type InitContext, type RunContext } from "./define-provider.ts";
import { installCrds } from "./install-crds.ts";
import { registerResources } from "./register-resources.ts";
import { captureOutput } from "@openmcp-ts/test-support/capture-output";

// One apiserver for every integration test of the package: start-up dominates their run time.
let cp: ControlPlane;
before(async () => {
  cp = await startControlPlane();
});
after(async () => {
  await cp?.stop();
});

const capture = captureOutput;

const never = (): Promise<void> => Promise.reject(new Error("must not be called"));

describe("defineProvider main against a real apiserver", () => {
  it("runs init with the invocation, a platform client from KUBECONFIG and the pod namespace", async () => {
    let seen: InitContext | undefined;
    const provider = defineProvider({
      init: async (ctx) => {
        seen = ctx;
        await ctx.platform.get({ apiVersion: "v1", kind: "Namespace", name: "default" });
        ctx.log.debug("debug line");
      },
      run: never,
    });
    const io = capture();
    const code = await provider.main(
      ["init", "--environment=dev", "--provider-name=example", "--verbosity=error"],
      { KUBECONFIG: cp.kubeconfigPath, POD_NAMESPACE: "openmcp-system" },
      io,
    );
    assert.equal(code, 0);
    assert.equal(seen?.invocation.providerName, "example");
    assert.equal(seen?.namespace, "openmcp-system");
    assert.deepEqual(io.err, [], "ERROR verbosity hides info and debug lines");
  });

  it("exits 1 and logs the error when init fails", async () => {
    const provider = defineProvider({
      init: () => Promise.reject(new Error("cannot install CRDs: boom")),
      run: never,
    });
    const io = capture();
    const code = await provider.main(
      ["init", "--environment=dev", "--provider-name=example", `--kubeconfig=${cp.kubeconfigPath}`],
      {},
      io,
    );
    assert.equal(code, 1);
    const failed = io.err
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === "init failed");
    assert.equal(failed?.error, "cannot install CRDs: boom");
  });

  it("with --leader-elect runs only while holding the Lease named after the provider, then releases it", async () => {
    const admin = KubeClient.create({ kubeconfig: cp.kubeconfigPath });
    await admin.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "openmcp-system" } }, "test");
    let started: RunContext | undefined;
    const provider = defineProvider({
      init: never,
      run: async (ctx) => {
        started = ctx;
        await new Promise<void>((resolve) =>
          ctx.signal.addEventListener("abort", () => resolve(), { once: true }),
        );
      },
    });
    const stop = new AbortController();
    const io = capture();
    const done = provider.main(
      [
        "run",
        "--environment=dev",
        "--provider-name=example",
        "--leader-elect=true",
        `--kubeconfig=${cp.kubeconfigPath}`,
      ],
      { POD_NAMESPACE: "openmcp-system", POD_NAME: "example-0" },
      { ...io, signal: stop.signal, retryPeriodSeconds: 1 },
    );
    const lease = await eventually("Lease held", async () => {
      const l = await admin.find<{ spec: { holderIdentity?: string } }>({
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        namespace: "openmcp-system",
        name: "example",
      });
      return l?.spec.holderIdentity ? l : undefined;
    });
    assert.equal(lease.spec.holderIdentity, "example-0");
    await eventually("run started", () => Promise.resolve(started));
    stop.abort();
    assert.equal(await done, 0);
    assert.equal(started?.signal.aborted, true);
    const released = await admin.get<{ spec: { holderIdentity?: string | null } }>({
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      namespace: "openmcp-system",
      name: "example",
    });
    assert.equal(released.spec.holderIdentity ?? null, null);
  });
});

function crd(kind: string, cluster: string | undefined): CustomResourceDefinition {
  const plural = `${kind.toLowerCase()}s`;
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: {
      name: `${plural}.test.openmcp.cloud`,
      ...(cluster ? { labels: { [LABEL_CLUSTER]: cluster } } : {}),
    },
    spec: {
      group: "test.openmcp.cloud",
      names: { kind, listKind: `${kind}List`, plural, singular: kind.toLowerCase() },
      scope: "Namespaced",
      versions: [
        {
          name: "v1alpha1",
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
        },
      ],
    },
  };
}

describe("installCrds against a real apiserver", () => {
  const calls = { platform: [] as string[], onboarding: [] as string[] };
  let platform: KubeClient;
  let onboarding: KubeClient;
  before(() => {
    // One apiserver plays both clusters; request logs tell which client was used.
    platform = KubeClient.create({
      kubeconfig: cp.kubeconfigPath,
      onRequest: (v, p) => calls.platform.push(`${v} ${p}`),
    });
    onboarding = KubeClient.create({
      kubeconfig: cp.kubeconfigYaml,
      onRequest: (v, p) => calls.onboarding.push(`${v} ${p}`),
    });
  });

  it("applies each CRD to the cluster its label names and waits until it is Established", async () => {
    await installCrds({ platform, onboarding }, [crd("Alpha", "platform"), crd("Beta", "onboarding")]);
    assert.ok(calls.platform.some((c) => c.startsWith("patch ") && c.includes("alphas.test.openmcp.cloud")));
    assert.ok(!calls.platform.some((c) => c.includes("betas.test.openmcp.cloud")));
    assert.ok(calls.onboarding.some((c) => c.startsWith("patch ") && c.includes("betas.test.openmcp.cloud")));
    // Established: the kind is served (its storage may still answer 429 for a moment).
    const list = await eventually("Beta list", () =>
      onboarding.list({ apiVersion: "test.openmcp.cloud/v1alpha1", kind: "Beta", namespace: "default" }),
    );
    assert.deepEqual(list.items, []);
  });

  it("installs the others and names each CRD whose label is missing or unknown", async () => {
    await assert.rejects(
      installCrds({ platform, onboarding }, [
        crd("Gamma", undefined),
        crd("Delta", "platform"),
        crd("Eps", "workload"),
      ]),
      (err: Error) => {
        assert.match(err.message, /^cannot install 2 of 3 CRDs: /);
        assert.match(err.message, /gammas\.test\.openmcp\.cloud: label openmcp\.cloud\/cluster is missing/);
        assert.match(err.message, /epss\.test\.openmcp\.cloud: label openmcp\.cloud\/cluster is "workload"/);
        return true;
      },
    );
    const delta = await platform.find({
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      name: "deltas.test.openmcp.cloud",
    });
    assert.ok(delta);
  });

  it("refuses onboarding CRDs when no onboarding client is given", async () => {
    await assert.rejects(
      installCrds({ platform }, [crd("Zeta", "onboarding")]),
      /no onboarding client was given/,
    );
  });
});

describe("registerResources against a real apiserver", () => {
  let client: KubeClient;
  const ref = { apiVersion: API_VERSION, kind: "ServiceProvider", name: "example" } as const;
  before(async () => {
    client = KubeClient.create({ kubeconfig: cp.kubeconfigPath });
    await installCrds({ platform: client }, [providerCrd("ServiceProvider")]);
    await client.create({ ...ref, metadata: { name: "example" }, spec: { image: "example:1" } });
    // The operator's share of the status, which registering must leave alone.
    await client.patch(
      ref,
      "merge",
      { status: { phase: "Ready", observedGeneration: 1 } },
      { subresource: "status" },
    );
  });

  it("replaces status.resources and touches no other field", async () => {
    await registerResources(client, "example", [{ group: "a.example", version: "v1", kind: "One" }]);
    await registerResources(client, "example", [{ group: "b.example", version: "v1alpha1", kind: "Two" }]);
    const sp = await client.get<ServiceProvider>(ref);
    assert.deepEqual(sp.status?.resources, [{ group: "b.example", version: "v1alpha1", kind: "Two" }]);
    assert.equal(sp.status?.phase, "Ready");
    assert.equal(sp.status?.observedGeneration, 1);
    assert.equal(sp.spec.image, "example:1");
  });

  it("names the provider when it does not exist", async () => {
    await assert.rejects(
      registerResources(client, "absent", []),
      /cannot register resources at ServiceProvider "absent": .*not found/,
    );
  });
});

const CONTROLLER = "example.services.openmcp.cloud";
const NS = "default";

describe("createAndWaitForCluster against a real apiserver", () => {
  let client: KubeClient;
  before(async () => {
    client = KubeClient.create({ kubeconfig: cp.kubeconfigPath });
    await installCrds({ platform: client }, [clusterRequestCrd(), accessRequestCrd()]);
  });

  const refs = (localName: string) => {
    const name = stableRequestName(CONTROLLER, localName);
    return {
      cr: { apiVersion: CLUSTERS_API_VERSION, kind: "ClusterRequest", namespace: NS, name },
      ar: { apiVersion: CLUSTERS_API_VERSION, kind: "AccessRequest", namespace: NS, name },
    };
  };

  /** Plays the cluster provider: answers the CR, then the AR, once they exist. */
  async function answer(
    localName: string,
    cr: "Granted" | "Denied",
    ar?: { phase: "Granted" | "Denied"; secretRef?: { name: string } },
  ): Promise<void> {
    const { cr: crRef, ar: arRef } = refs(localName);
    await eventually("ClusterRequest", () => client.find<ClusterRequest>(crRef));
    await client.patch(
      crRef,
      "merge",
      {
        status: { phase: cr, observedGeneration: 1, cluster: { name: "onboarding", namespace: "clusters" } },
      },
      { subresource: "status" },
    );
    if (!ar) return;
    await eventually("AccessRequest", () => client.find<AccessRequest>(arRef));
    await client.patch(
      arRef,
      "merge",
      {
        status: {
          phase: ar.phase,
          observedGeneration: 1,
          ...(ar.secretRef ? { secretRef: ar.secretRef } : {}),
        },
      },
      { subresource: "status" },
    );
  }

  async function secret(name: string, data: Record<string, string>): Promise<void> {
    await client.apply(
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name, namespace: NS },
        data: Object.fromEntries(
          Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString("base64")]),
        ),
      },
      FIELD_MANAGER_PROVIDER_SDK,
    );
  }

  const request = (localName: string, timeoutMs = 10_000) =>
    createAndWaitForCluster({
      client,
      controllerName: CONTROLLER,
      namespace: NS,
      localName,
      purpose: "onboarding",
      permissions: [{ rules: [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }] }],
      timeoutMs,
      intervalMs: 50,
    });

  it("returns a working client for the granted cluster and labels both requests", async () => {
    await secret("granted-access", { kubeconfig: cp.kubeconfigYaml });
    const [onboarding] = await Promise.all([
      request("granted"),
      answer("granted", "Granted", { phase: "Granted", secretRef: { name: "granted-access" } }),
    ]);
    const namespaces = await onboarding.list<{ metadata: { name: string } }>({
      apiVersion: "v1",
      kind: "Namespace",
    });
    assert.ok(namespaces.items.some((n) => n.metadata.name === "default"));

    const { cr, ar } = refs("granted");
    assert.equal(cr.name, "example.services.openmcp.cloud--granted");
    const clusterRequest = await client.get<ClusterRequest>(cr);
    assert.equal(clusterRequest.spec.purpose, "onboarding");
    assert.equal(clusterRequest.metadata.labels?.[LABEL_OPENMCP_MANAGED_BY], CONTROLLER);
    const accessRequest = await client.get<AccessRequest>(ar);
    assert.deepEqual(accessRequest.spec.requestRef, { name: cr.name, namespace: NS });
    assert.deepEqual(accessRequest.spec.token?.permissions?.[0]?.rules[0]?.verbs, ["*"]);
    assert.equal(accessRequest.metadata.labels?.[LABEL_OPENMCP_MANAGED_BY], CONTROLLER);
  });

  it("is woken by a watch when the answer comes, not by the next poll", async () => {
    await secret("watched-access", { kubeconfig: cp.kubeconfigYaml });
    const started = Date.now();
    await Promise.all([
      createAndWaitForCluster({
        client,
        controllerName: CONTROLLER,
        namespace: NS,
        localName: "watched",
        purpose: "onboarding",
        permissions: [],
        timeoutMs: 120_000,
        intervalMs: 60_000,
      }),
      answer("watched", "Granted", { phase: "Granted", secretRef: { name: "watched-access" } }),
    ]);
    // With one read per minute, getting through both requests sooner proves a watch woke the waits.
    assert.ok(Date.now() - started < 60_000, "returned before the first poll interval ended");
  });

  it("falls back to polling when it may not watch the requests", async () => {
    const sa = "no-watch";
    await client.apply(
      { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: sa, namespace: NS } },
      "test",
    );
    await client.apply(
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "Role",
        metadata: { name: sa, namespace: NS },
        rules: [
          {
            apiGroups: ["clusters.openmcp.cloud"],
            resources: ["clusterrequests", "accessrequests"],
            verbs: ["get", "create", "patch"],
          },
          { apiGroups: [""], resources: ["secrets"], verbs: ["get"] },
        ],
      },
      "test",
    );
    await client.apply(
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: { name: sa, namespace: NS },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: sa },
        subjects: [{ kind: "ServiceAccount", name: sa, namespace: NS }],
      },
      "test",
    );
    const { status } = (await client.call("POST", `/api/v1/namespaces/${NS}/serviceaccounts/${sa}/token`, {
      body: {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenRequest",
        spec: { expirationSeconds: 600 },
      },
    })) as { status: { token: string } };
    const refused: string[] = [];
    const limited = KubeClient.create({
      kubeconfig: tokenKubeconfig(cp, sa, status.token),
      onRequest: (verb, path, code) => {
        if (code === 403) refused.push(`${verb} ${path}`);
      },
    });
    await secret("polled-access", { kubeconfig: cp.kubeconfigYaml });
    await Promise.all([
      createAndWaitForCluster({
        client: limited,
        controllerName: CONTROLLER,
        namespace: NS,
        localName: "polled",
        purpose: "onboarding",
        permissions: [],
        timeoutMs: 30_000,
        intervalMs: 100,
      }),
      answer("polled", "Granted", { phase: "Granted", secretRef: { name: "polled-access" } }),
    ]);
    assert.ok(
      refused.some((r) => r.startsWith("list ")),
      `the watch was refused and polling carried on: ${refused.join(", ")}`,
    );
  });

  it("stops with an error naming Denied when the ClusterRequest is denied", async () => {
    const [result] = await Promise.allSettled([request("denied"), answer("denied", "Denied")]);
    assert.equal(result.status, "rejected");
    assert.match(
      String(result.reason),
      /ClusterRequest default\/example\.services\.openmcp\.cloud--denied was Denied/,
    );
  });

  it("stops with an error naming Denied when the AccessRequest is denied", async () => {
    const [result] = await Promise.allSettled([
      request("ar-denied"),
      answer("ar-denied", "Granted", { phase: "Denied" }),
    ]);
    assert.equal(result.status, "rejected");
    assert.match(String(result.reason), /AccessRequest .* was Denied/);
  });

  it("times out when nobody answers", async () => {
    await assert.rejects(
      request("unanswered", 500),
      /failed to wait for ClusterRequest .*not answered in time/,
    );
  });

  it("fails when the granted AccessRequest has no secretRef", async () => {
    const [result] = await Promise.allSettled([
      request("no-secret-ref"),
      answer("no-secret-ref", "Granted", { phase: "Granted" }),
    ]);
    assert.equal(result.status, "rejected");
    assert.match(String(result.reason), /is Granted but has no status\.secretRef/);
  });

  it("fails when the access Secret has no kubeconfig key", async () => {
    await secret("no-key", { token: "abc" });
    const [result] = await Promise.allSettled([
      request("no-key"),
      answer("no-key", "Granted", { phase: "Granted", secretRef: { name: "no-key" } }),
    ]);
    assert.equal(result.status, "rejected");
    assert.match(String(result.reason), /access Secret default\/no-key has no "kubeconfig" key/);
  });

  it("fails when the kubeconfig cannot be used", async () => {
    await secret("bad-kubeconfig", { kubeconfig: "apiVersion: v1\nkind: Config\nclusters: []\n" });
    const [result] = await Promise.allSettled([
      request("bad-kubeconfig"),
      answer("bad-kubeconfig", "Granted", { phase: "Granted", secretRef: { name: "bad-kubeconfig" } }),
    ]);
    assert.equal(result.status, "rejected");
    assert.match(
      String(result.reason),
      /"kubeconfig" key of access Secret default\/bad-kubeconfig cannot be used/,
    );
  });
});
