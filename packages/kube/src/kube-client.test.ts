import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  eventually,
  kubeconfigThrough,
  startControlPlane,
  startTcpProxy,
  tokenKubeconfig,
  type ControlPlane,
} from "@openmcp-ts/testenv";
import { ApiError, KubeClient } from "./kube-client.ts";
import { Informer, type CachedObject, type InformerEvent } from "./informer.ts";

interface ConfigMap extends CachedObject {
  data?: Record<string, string>;
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
    assert.deepEqual(
      (informer.get("live", "default")?.metadata as { managedFields?: unknown }).managedFields,
      [{ manager: "t", operation: "Apply" }],
      "the cache keeps who manages the object, not the field sets",
    );
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

  it("keeps its indexes in step with the cache: added, relabelled, deleted", async () => {
    const team = (name: string, value: string) => ({
      ...cm(name, {}),
      metadata: { name, namespace: "default", labels: { indexed: "yes", team: value } },
    });
    const informer = new Informer<ConfigMap>(
      client,
      { apiVersion: "v1", kind: "ConfigMap", namespace: "default" },
      {
        labelSelector: "indexed=yes",
        indexes: { team: (o) => (o.metadata as { labels?: Record<string, string> }).labels?.team },
      },
    );
    await client.apply(team("i-1", "a"), "t");
    await informer.start();
    await client.apply(team("i-2", "a"), "t");
    await client.apply(team("i-3", "b"), "t");
    const names = (value: string): string[] =>
      informer
        .byIndex("team", value)
        .map((o) => o.metadata.name!)
        .sort();
    await eventually("all three indexed", () => names("a").length === 2 && names("b").length === 1);
    assert.deepEqual(names("a"), ["i-1", "i-2"], "from the list and from the watch");

    await client.apply(team("i-2", "b"), "t");
    await eventually("relabelled", () => names("b").length === 2);
    assert.deepEqual(names("a"), ["i-1"], "the old value no longer finds it");
    await client.delete({ apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "i-1" });
    await eventually("deleted", () => names("a").length === 0);
    assert.deepEqual(names("b"), ["i-2", "i-3"]);
    assert.throws(() => informer.byIndex("owner", "x"), /no index "owner"/);
    await informer.stop();
  });

  it("keeps one TLS connection alive across requests", async () => {
    const proxy = await startTcpProxy({ port: Number(new URL(cp.server).port) });
    try {
      const viaProxy = KubeClient.create({ kubeconfig: kubeconfigThrough(cp.kubeconfigYaml, proxy) });
      for (let i = 0; i < 20; i++) await viaProxy.list({ apiVersion: "v1", kind: "Namespace" });
      assert.equal(proxy.accepted, 1, "20 sequential requests over one connection");
    } finally {
      await proxy.close();
    }
  });

  it("sends a read again on a new connection when its kept-alive one was closed as it was reused", async () => {
    const proxy = await startTcpProxy({ port: Number(new URL(cp.server).port) });
    try {
      const viaProxy = KubeClient.create({ kubeconfig: kubeconfigThrough(cp.kubeconfigYaml, proxy) });
      const namespaces = { apiVersion: "v1", kind: "Namespace" } as const;
      await viaProxy.list(namespaces);
      proxy.closeOnNextReuse();
      const list = await viaProxy.list(namespaces);
      assert.ok(list.items.length > 0);
      assert.equal(proxy.accepted, 2, "the read was sent once more, on a second connection");

      // A write is not sent twice: it may have reached the server before the connection closed.
      proxy.closeOnNextReuse();
      await assert.rejects(
        viaProxy.apply(cm("reuse", { k: "v" }), "test-manager"),
        /cannot PATCH .*configmaps\/reuse: socket hang up/,
      );
      assert.equal(proxy.accepted, 2);
    } finally {
      await proxy.close();
    }
  });
});

describe("Informer when its resourceVersion is compacted away (410 Gone)", () => {
  let cp: ControlPlane;
  before(async () => {
    // No watch cache for ConfigMaps, and etcd compacted every 2 s: a watch that resumes from an old
    // resourceVersion gets 410 Gone from etcd itself.
    cp = await startControlPlane({
      apiserverArgs: ["--etcd-compaction-interval=2s", "--watch-cache-sizes=configmaps#0"],
    });
  });
  after(async () => {
    await cp?.stop();
  });

  it("relists and catches up on what changed while it was cut off, deletions included", async () => {
    const admin = KubeClient.create({ kubeconfig: cp.kubeconfigPath });
    const ref = { apiVersion: "v1", kind: "ConfigMap", namespace: "default" };
    const configMap = (name: string, v: string) => ({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name, namespace: "default" },
      data: { v },
    });
    await admin.apply(configMap("kept", "0"), "t");
    await admin.apply(configMap("gone", "0"), "t");
    const events: string[] = [];
    const proxy = await startTcpProxy({ port: Number(new URL(cp.server).port) });
    const viaProxy = KubeClient.create({ kubeconfig: kubeconfigThrough(cp.kubeconfigYaml, proxy) });
    const informer = new Informer<ConfigMap>(viaProxy, ref, {
      onEvent: (type, obj) => events.push(`${type} ${obj.metadata.name ?? ""}`),
    });
    try {
      await informer.start();
      proxy.setRefusing(true);
      proxy.cutAll();
      for (let i = 1; i <= 20; i++) await admin.apply(configMap("kept", String(i)), "t");
      await admin.delete({ ...ref, name: "gone" });
      // Two compaction periods, so the informer's resourceVersion is gone from etcd.
      await new Promise((r) => setTimeout(r, 6000));
      proxy.setRefusing(false);
      await eventually(
        "the cache caught up",
        () => informer.get("kept", "default")?.data?.v === "20" && !informer.get("gone", "default"),
      );
      assert.ok(informer.stats.relists410 >= 1, `relisted after 410: ${JSON.stringify(informer.stats)}`);
      assert.ok(events.includes("deleted gone"), events.join(", "));
    } finally {
      await informer.stop();
      await proxy.close();
    }
  });
});

describe("KubeClient under API Priority and Fairness that rejects (429)", () => {
  let cp: ControlPlane;
  before(async () => {
    // Three seats in all, so that a priority level of one share gets a single seat and rejects the rest.
    cp = await startControlPlane({
      apiserverArgs: ["--max-requests-inflight=2", "--max-mutating-requests-inflight=1"],
    });
  });
  after(async () => {
    await cp?.stop();
  });

  it("retries throttled requests after Retry-After, so a burst still succeeds", async () => {
    const admin = KubeClient.create({ kubeconfig: cp.kubeconfigPath });
    const sa = { name: "throttled", namespace: "default" };
    const rbac = "rbac.authorization.k8s.io/v1";
    const flowcontrol = "flowcontrol.apiserver.k8s.io/v1";
    admin.registerPlural("PriorityLevelConfiguration", "prioritylevelconfigurations");
    admin.registerPlural("FlowSchema", "flowschemas");
    await admin.apply({ apiVersion: "v1", kind: "ServiceAccount", metadata: sa }, "test");
    // Not the aggregated "view": aggregation needs kube-controller-manager, which apiserver mode lacks.
    await admin.apply(
      {
        apiVersion: rbac,
        kind: "ClusterRole",
        metadata: { name: "throttled-read" },
        rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list"] }],
      },
      "test",
    );
    await admin.apply(
      {
        apiVersion: rbac,
        kind: "ClusterRoleBinding",
        metadata: { name: "throttled-read" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "throttled-read" },
        subjects: [{ kind: "ServiceAccount", ...sa }],
      },
      "test",
    );
    await admin.apply(
      {
        apiVersion: flowcontrol,
        kind: "PriorityLevelConfiguration",
        metadata: { name: "throttled" },
        spec: {
          type: "Limited",
          limited: { nominalConcurrencyShares: 1, lendablePercent: 0, limitResponse: { type: "Reject" } },
        },
      },
      "test",
    );
    await admin.apply(
      {
        apiVersion: flowcontrol,
        kind: "FlowSchema",
        metadata: { name: "throttled" },
        spec: {
          priorityLevelConfiguration: { name: "throttled" },
          matchingPrecedence: 100,
          distinguisherMethod: { type: "ByUser" },
          rules: [
            {
              subjects: [{ kind: "ServiceAccount", serviceAccount: sa }],
              resourceRules: [
                { verbs: ["*"], apiGroups: ["*"], resources: ["*"], namespaces: ["*"], clusterScope: true },
              ],
            },
          ],
        },
      },
      "test",
    );
    const { status } = (await admin.call(
      "POST",
      `/api/v1/namespaces/default/serviceaccounts/throttled/token`,
      {
        body: {
          apiVersion: "authentication.k8s.io/v1",
          kind: "TokenRequest",
          spec: { expirationSeconds: 600 },
        },
      },
    )) as { status: { token: string } };
    const codes: number[] = [];
    const throttled = KubeClient.create({
      kubeconfig: tokenKubeconfig(cp, "throttled", status.token),
      onRequest: (_verb, _path, code) => void codes.push(code),
    });
    // The FlowSchema takes effect once the apiserver's APF controller has seen it.
    await eventually("429 answers for the throttled ServiceAccount", async () => {
      codes.length = 0;
      await Promise.all(
        Array.from({ length: 30 }, () =>
          throttled.list({ apiVersion: "v1", kind: "ConfigMap", namespace: "default" }),
        ),
      );
      return codes.includes(429);
    });
    assert.ok(
      codes.filter((c) => c === 200).length >= 30,
      `every request got through in the end: ${codes.length} answers, ${codes.filter((c) => c === 429).length} of them 429`,
    );
  });
});

describe("KubeClient's User-Agent in the apiserver's audit log", () => {
  let cp: ControlPlane;
  let auditLog: string;
  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), "kube-client-audit-"));
    const policy = join(dir, "policy.yaml");
    writeFileSync(
      policy,
      "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n- level: Metadata\n",
    );
    auditLog = join(dir, "audit.log");
    cp = await startControlPlane({
      apiserverArgs: [`--audit-policy-file=${policy}`, `--audit-log-path=${auditLog}`],
    });
  });
  after(async () => {
    await cp?.stop();
  });

  it("sends the configured User-Agent, and none by default", async () => {
    const named = KubeClient.create({ kubeconfig: cp.kubeconfigPath, userAgent: "kube-client-test/1" });
    const plain = KubeClient.create({ kubeconfig: cp.kubeconfigPath });
    await named.list({ apiVersion: "v1", kind: "ConfigMap", namespace: "kube-public" });
    await plain.list({ apiVersion: "v1", kind: "Secret", namespace: "kube-public" });
    await eventually(
      "both lists in the audit log",
      () => {
        const events = readFileSync(auditLog, "utf8")
          .split("\n")
          .filter(Boolean)
          .map((l) => JSON.parse(l) as { userAgent?: string; requestURI?: string });
        const of = (uri: string) => events.find((e) => e.requestURI === uri);
        const cms = of("/api/v1/namespaces/kube-public/configmaps");
        const secrets = of("/api/v1/namespaces/kube-public/secrets");
        if (!cms || !secrets) return false;
        assert.equal(cms.userAgent, "kube-client-test/1");
        assert.equal(secrets.userAgent, undefined);
        return true;
      },
      10_000,
    );
  });
});
