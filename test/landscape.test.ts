import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  API_VERSION,
  CLUSTERS_API_VERSION,
  stableRequestName,
  type AccessRequest,
  type ClusterRequest,
  type Condition,
} from "@openmcp-ts/contract";
import { ApiError, KubeClient } from "@openmcp-ts/kube";
import { createAndWaitForCluster } from "@openmcp-ts/provider-sdk";
import { eventually, tokenKubeconfig } from "@openmcp-ts/testenv";
import {
  LANDSCAPE_NAMESPACE as NS,
  ONBOARDING_CLUSTER,
  startLandscape,
  waitForLandscapeReady,
  type Landscape,
} from "@openmcp-ts/landscape";
import { ACCESS_NAMESPACE, serviceAccountName } from "@openmcp-ts/cluster-provider-local";
import { CONTROLLER_NAME, EXAMPLE_API_VERSION, configMapName } from "@openmcp-ts/service-provider-example";

const EXAMPLE_CRD = "examples.example.services.openmcp.cloud";
const ref = (kind: string, name: string, namespace = NS) => ({
  apiVersion: CLUSTERS_API_VERSION,
  kind,
  namespace,
  name,
});
const falseConditions = (s: { conditions?: Condition[] } | undefined): string =>
  (s?.conditions ?? [])
    .filter((c) => c.status !== "True")
    .map((c) => `${c.type}=${c.status} ${c.reason}: ${c.message}`)
    .join("; ");

/** A catch handler that fails with the error's message and what `detail` finds out. */
const explained =
  (detail: () => Promise<string>) =>
  async (err: unknown): Promise<never> => {
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n${await detail()}`, { cause: err });
  };

async function forbidden(what: string, call: () => Promise<unknown>, code = 403): Promise<void> {
  await assert.rejects(call, (err: unknown) => {
    assert.ok(err instanceof ApiError, `${what}: ${String(err)}`);
    assert.equal(err.code, code, `${what}: ${err.message}`);
    return true;
  });
}

/**
 * The main path with the real controllers: the reference's scheduler answers the example's
 * ClusterRequest with the Cluster `onboarding`, its AccessRequest controller labels the
 * AccessRequest for the ClusterProvider `local`, which grants it on the onboarding cluster; our
 * operator runs both providers, whose pods run as local processes.
 */
describe("local landscape end to end (platform + onboarding, reference scheduler and accessrequest)", () => {
  let l: Landscape;
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "landscape-test-"));
    l = await startLandscape({ dir, progress: () => undefined });
    l.onboardingClient.registerPlural("Example", "examples");
  });
  after(async () => {
    await l?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("both providers become Ready; the example's CRD is on the onboarding cluster, not the platform", async () => {
    await waitForLandscapeReady(l, 180_000);
    const crd = {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      name: EXAMPLE_CRD,
    };
    assert.ok(await l.onboardingClient.find(crd), "the Example CRD is installed on the onboarding cluster");
    assert.equal(await l.platformClient.find(crd), undefined, "and not on the platform cluster");

    // The answers came from the real controllers: the scheduler's Cluster, the reference's labels.
    // Ready means the run pod started; its requests follow.
    const crName = stableRequestName(CONTROLLER_NAME, "onboarding");
    const cr = await eventually(
      "the run's ClusterRequest Granted",
      async () => {
        const live = await l.platformClient.find<ClusterRequest>(ref("ClusterRequest", crName));
        return live?.status?.phase === "Granted" ? live : undefined;
      },
      60_000,
    );
    assert.deepEqual(cr.status?.cluster, { name: ONBOARDING_CLUSTER, namespace: NS });
    const cluster = await l.platformClient.get<{
      spec: { profile: string };
      status?: { phase?: string; apiServer?: string };
    }>(ref("Cluster", ONBOARDING_CLUSTER));
    assert.equal(cluster.spec.profile, "local");
    assert.equal(cluster.status?.phase, "Ready");
    assert.equal(cluster.status?.apiServer, l.onboarding.server);
    const ar = await eventually(
      "the run's AccessRequest Granted",
      async () => {
        const live = await l.platformClient.find<AccessRequest>(ref("AccessRequest", crName));
        return live?.status?.phase === "Granted" ? live : undefined;
      },
      60_000,
    );
    assert.equal(ar.metadata.labels?.["clusters.openmcp.cloud/provider"], "local");
    assert.equal(ar.metadata.labels?.["clusters.openmcp.cloud/profile"], "local");
    assert.deepEqual(ar.spec.clusterRef, { name: ONBOARDING_CLUSTER, namespace: NS });
  });

  it("the example's run reconciles an Example a user creates on the onboarding cluster", async () => {
    await l.onboardingClient.apply(
      {
        apiVersion: EXAMPLE_API_VERSION,
        kind: "Example",
        metadata: { name: "hello", namespace: "default" },
        spec: { data: { greeting: "hello from onboarding" } },
      },
      "user",
    );
    const cm = await eventually(
      "ConfigMap of Example hello on the onboarding cluster",
      () =>
        l.onboardingClient.find<{ data?: Record<string, string> }>({
          apiVersion: "v1",
          kind: "ConfigMap",
          namespace: "default",
          name: configMapName("hello"),
        }),
      60_000,
    );
    assert.deepEqual(cm.data, { greeting: "hello from onboarding" });
  });

  it("least privilege: the run kubeconfig can do what its AccessRequest asked on onboarding and nothing on the platform", async () => {
    const name = stableRequestName(CONTROLLER_NAME, "onboarding");
    const ar = await l.platformClient.get<AccessRequest>(ref("AccessRequest", name));
    const secret = await l.platformClient.get<{ data: Record<string, string> }>({
      apiVersion: "v1",
      kind: "Secret",
      namespace: NS,
      name: ar.status?.secretRef?.name ?? "",
    });
    const kubeconfig = Buffer.from(secret.data.kubeconfig ?? "", "base64").toString();
    const granted = KubeClient.create({ kubeconfig });
    granted.registerPlural("Example", "examples");
    assert.equal(granted.server, l.onboarding.server);

    // What the apiserver says this identity may do, beyond what everyone may, against what was asked.
    const asked = (ar.spec.token?.permissions ?? []).flatMap((p) => p.rules);
    const key = (r: { apiGroups?: string[]; resources?: string[]; verbs: string[] }) =>
      JSON.stringify([[...(r.apiGroups ?? [])].sort(), [...(r.resources ?? [])].sort(), [...r.verbs].sort()]);
    // What every authenticated identity may do there (discovery, self reviews, …): a ServiceAccount bound to nothing.
    await l.onboardingClient.apply(
      { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "baseline", namespace: "default" } },
      "test",
    );
    const baselineToken = (await l.onboardingClient.call(
      "POST",
      "/api/v1/namespaces/default/serviceaccounts/baseline/token",
      {
        body: {
          apiVersion: "authentication.k8s.io/v1",
          kind: "TokenRequest",
          spec: { expirationSeconds: 600 },
        },
        verb: "create",
      },
    )) as { status: { token: string } };
    const baseline = KubeClient.create({
      kubeconfig: tokenKubeconfig(l.onboarding, "baseline", baselineToken.status.token),
    });
    const rulesOf = async (c: KubeClient) =>
      (
        (await c.call("POST", "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", {
          body: {
            apiVersion: "authorization.k8s.io/v1",
            kind: "SelfSubjectRulesReview",
            spec: { namespace: "default" },
          },
          verb: "create",
        })) as {
          status: { resourceRules: { apiGroups?: string[]; resources?: string[]; verbs: string[] }[] };
        }
      ).status.resourceRules.map(key);
    const everyone = new Set(await rulesOf(baseline));
    const beyond = (await rulesOf(granted)).filter((r) => !everyone.has(r));
    assert.deepEqual(beyond.sort(), asked.map(key).sort());

    // Tries, each as a real request.
    await granted.list({ apiVersion: EXAMPLE_API_VERSION, kind: "Example", namespace: "default" });
    await granted.list({ apiVersion: "v1", kind: "ConfigMap", namespace: "default" });
    await forbidden("list Secrets on onboarding", () =>
      granted.list({ apiVersion: "v1", kind: "Secret", namespace: "default" }),
    );
    await forbidden("delete a CRD on onboarding", () =>
      granted.delete({
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        name: EXAMPLE_CRD,
      }),
    );
    await forbidden("create a Namespace on onboarding", () =>
      granted.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "not-mine" } }),
    );
    // The same token against the platform cluster: not even authenticated.
    const token = Buffer.from(secret.data.token ?? "", "base64").toString();
    const onPlatform = KubeClient.create({ kubeconfig: tokenKubeconfig(l.platform, "granted", token) });
    await forbidden(
      "list ConfigMaps on the platform",
      () => onPlatform.list({ apiVersion: "v1", kind: "ConfigMap", namespace: NS }),
      401,
    );
    await forbidden(
      "read providers on the platform",
      () => onPlatform.list({ apiVersion: API_VERSION, kind: "ServiceProvider" }),
      401,
    );
  });

  it("an AccessRequest's TTL ends it: the reference deletes it, the provider removes its ServiceAccount, RBAC and Secret", async () => {
    const ar = await l.platformClient.create<AccessRequest>({
      apiVersion: CLUSTERS_API_VERSION,
      kind: "AccessRequest",
      metadata: { name: "short-lived", namespace: NS },
      spec: {
        clusterRef: { name: ONBOARDING_CLUSTER, namespace: NS },
        ttl: "30s",
        token: {
          permissions: [
            { namespace: "team-a", rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }] },
          ],
        },
      },
    });
    const sa = {
      apiVersion: "v1",
      kind: "ServiceAccount",
      namespace: ACCESS_NAMESPACE,
      name: serviceAccountName(ar),
    };
    const granted = await eventually(
      "AccessRequest short-lived Granted",
      async () => {
        const live = await l.platformClient.get<AccessRequest>(ref("AccessRequest", "short-lived"));
        return live.status?.phase === "Granted" ? live : undefined;
      },
      60_000,
    );
    assert.ok(await l.onboardingClient.find(sa), "its ServiceAccount exists on onboarding");
    const role = {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      namespace: "team-a",
      name: `${sa.name}-0`,
    };
    assert.ok(await l.onboardingClient.find(role), "its Role exists in the requested namespace");
    const secretRef = {
      apiVersion: "v1",
      kind: "Secret",
      namespace: NS,
      name: granted.status?.secretRef?.name ?? "",
    };
    assert.ok(await l.platformClient.find(secretRef));

    await eventually(
      "AccessRequest short-lived deleted after its TTL",
      async () => !(await l.platformClient.find(ref("AccessRequest", "short-lived"))),
      60_000,
    );
    assert.equal(await l.onboardingClient.find(sa), undefined, "ServiceAccount removed");
    assert.equal(await l.onboardingClient.find(role), undefined, "Role removed");
    await eventually("access Secret removed", async () => !(await l.platformClient.find(secretRef)), 30_000);
  });

  it("a ClusterRequest for a purpose no mapping knows: the SDK's error names the request, its phase and where the reason is", async () => {
    await assert.rejects(
      createAndWaitForCluster({
        client: l.platformClient,
        controllerName: "bad-input.test",
        namespace: NS,
        localName: "nonsense",
        purpose: "nonsense",
        permissions: [],
        timeoutMs: 8_000,
        intervalMs: 500,
      }),
      (err: Error) => {
        const name = stableRequestName("bad-input.test", "nonsense");
        assert.match(err.message, new RegExp(`ClusterRequest ${NS}/${name}`));
        assert.match(err.message, /not answered in time: phase is "Pending"; the status says nothing more/);
        return true;
      },
    );
    // The reference knows why, but says it only in its log (its status updater drops reason, message and conditions).
    assert.ok(
      l.reference.logs.some((line) => line.includes("no cluster definition found for purpose 'nonsense'")),
      "the scheduler logs the unknown purpose",
    );
    const cr = await l.platformClient.get<ClusterRequest>(
      ref("ClusterRequest", stableRequestName("bad-input.test", "nonsense")),
    );
    assert.equal(cr.status?.phase, "Pending");
  });

  it("an AccessRequest for a profile nobody serves stays Pending, unanswered; the reference logs why", async () => {
    await l.platformClient.create({
      apiVersion: CLUSTERS_API_VERSION,
      kind: "Cluster",
      metadata: { name: "orphan", namespace: NS },
      spec: { profile: "nobody", tenancy: "Shared" },
    });
    await l.platformClient.create({
      apiVersion: CLUSTERS_API_VERSION,
      kind: "AccessRequest",
      metadata: { name: "to-orphan", namespace: NS },
      spec: { clusterRef: { name: "orphan", namespace: NS }, token: { permissions: [] } },
    });
    await eventually(
      "the AccessRequest controller logs the missing ClusterProfile",
      () => l.reference.logs.some((line) => line.includes("ClusterProfile 'nobody' not found")),
      30_000,
    );
    const ar = await l.platformClient.get<AccessRequest>(ref("AccessRequest", "to-orphan"));
    assert.equal(ar.status?.phase, "Pending");
    assert.equal(
      ar.metadata.labels?.["clusters.openmcp.cloud/provider"],
      undefined,
      "no provider is responsible",
    );
    assert.equal(ar.status?.secretRef, undefined);
  });

  it("an onboarding apiserver that is down: the Cluster and the AccessRequest say so; both recover", async () => {
    l.onboarding.signal("kube-apiserver", "SIGSTOP");
    try {
      await l.platformClient.create({
        apiVersion: CLUSTERS_API_VERSION,
        kind: "AccessRequest",
        metadata: { name: "while-down", namespace: NS },
        spec: { clusterRef: { name: ONBOARDING_CLUSTER, namespace: NS }, token: { permissions: [] } },
      });
      const why = await eventually(
        "AccessRequest while-down says the cluster does not answer",
        async () =>
          falseConditions(
            (await l.platformClient.get<AccessRequest>(ref("AccessRequest", "while-down"))).status,
          ) || undefined,
        60_000,
      );
      assert.match(
        why,
        /Granted=False ClusterUnreachable: cannot grant access to Cluster "onboarding": the API server of Cluster "onboarding" \(https:\/\/127\.0\.0\.1:\d+\) does not answer/,
      );
      const cluster = await eventually(
        "Cluster onboarding Not Ready",
        async () => {
          const c = await l.platformClient.get<{ status?: { phase?: string; conditions?: Condition[] } }>(
            ref("Cluster", ONBOARDING_CLUSTER),
          );
          return c.status?.phase === "Not Ready" ? c : undefined;
        },
        60_000,
      ).catch(
        explained(async () => {
          const logs = await readdir(join(dir, "pods"));
          const run = logs.find(
            (f) => f.startsWith("cp-local-") && !f.includes("init") && f.endsWith(".log"),
          );
          return run ? (await readFile(join(dir, "pods", run), "utf8")).slice(-3000) : "";
        }),
      );
      assert.match(falseConditions(cluster.status), /Ready=False ClusterUnreachable/);
    } finally {
      l.onboarding.signal("kube-apiserver", "SIGCONT");
    }
    await eventually(
      "AccessRequest while-down Granted after the apiserver is back",
      async () =>
        (await l.platformClient.get<AccessRequest>(ref("AccessRequest", "while-down"))).status?.phase ===
        "Granted",
      90_000,
    );
  });
});
