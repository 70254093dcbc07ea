import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { API_VERSION, PROVIDER_KINDS, providerObjectNames, type Provider } from "@openmcp-ts/contract";
import { KubeClient } from "@openmcp-ts/kube";
import { eventually, startOperatorHarness, TEST_ENVIRONMENT, TEST_NAMESPACE } from "@openmcp-ts/test-support";
import { startControlPlane } from "@openmcp-ts/testenv";
import { unpackedSources } from "../bench/reference/build-reference-operator.ts";
import { installReferenceCrds, spawnReferenceOperator } from "../bench/reference/reference-operator.ts";
import {
  diffSnapshots,
  explains,
  parseParityTable,
  takeSnapshot,
  type Difference,
  type Snapshot,
} from "./support/provider-snapshot.ts";

const PARITY_DOC = new URL("../docs/parity.md", import.meta.url);
const LONG_NAME = "a-very-long-service-provider-name-that-is-55-characters"; // 55: the longest both accept

/** Our cases beside the reference's own testdata: every kind and every rendering rule. */
function ownCases(): Provider[] {
  const p = (kind: Provider["kind"], name: string, spec: Record<string, unknown>): Provider => ({
    apiVersion: API_VERSION,
    kind,
    metadata: { name },
    spec: { image: "ghcr.io/example/provider:v1.2.3", ...spec },
  });
  return [
    p("ServiceProvider", LONG_NAME, {}),
    p("ServiceProvider", "with-webhook", {}),
    p("ClusterProvider", "with-volumes", {
      imagePullSecrets: [{ name: "regcred" }],
      extraVolumes: [
        { name: "config", configMap: { name: "provider-config" } },
        { name: "scratch", emptyDir: {} },
      ],
      extraVolumeMounts: [
        { name: "config", mountPath: "/etc/provider", readOnly: true },
        { name: "scratch", mountPath: "/var/scratch" },
      ],
    }),
    p("PlatformService", "ha", {
      runReplicas: 2,
      verbosity: "info",
      topologySpreadConstraints: [
        { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "DoNotSchedule" },
      ],
    }),
    p("ServiceProvider", "metrics-custom", { metrics: { disabled: false, port: 9090, path: "/stats" } }),
    p("ClusterProvider", "metrics-off", { metrics: { disabled: true } }),
    p("PlatformService", "commands", {
      initCommand: ["provider", "init", "--config=/etc/x.yaml"],
      runCommand: ["provider", "run"],
      env: [
        { name: "B", value: "2" },
        { name: "A", value: "" },
      ],
      verbosity: "ERROR",
    }),
  ];
}

async function referenceCases(): Promise<Provider[]> {
  const dir = join(await unpackedSources(), "internal", "controllers", "provider", "testdata");
  const out: Provider[] = [];
  for (const test of (await readdir(dir)).sort()) {
    for (const file of await readdir(join(dir, test))) {
      for (const doc of parseAllDocuments(await readFile(join(dir, test, file), "utf8"))) {
        const p = doc.toJS() as Provider;
        delete p.metadata.generation;
        out.push(p);
      }
    }
  }
  return out;
}

/** Objects the providers need before they are created (the webhook Secret that a provider's init would make). */
async function prepare(client: KubeClient, providers: Provider[]): Promise<void> {
  for (const p of providers.filter((x) => x.metadata.name === "with-webhook")) {
    await client.apply(
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: {
          name: providerObjectNames(p.kind, p.metadata.name!).webhookSecret,
          namespace: TEST_NAMESPACE,
        },
        stringData: { "tls.crt": "x", "tls.key": "y" },
      },
      "test",
    );
  }
  // Created, not applied: as the reference's envtest does, an unknown field (test-06's
  // `metrics.enabled`) is pruned instead of refused.
  for (const p of providers) await client.create({ ...p, metadata: { name: p.metadata.name! } });
}

async function allReady(client: KubeClient, providers: Provider[], timeoutMs: number): Promise<void> {
  await eventually(
    `all ${providers.length} providers Ready`,
    async () => {
      for (const kind of PROVIDER_KINDS) {
        const items = (await client.list<Provider>({ apiVersion: API_VERSION, kind })).items;
        if (items.some((p) => p.status?.phase !== "Ready")) return false;
      }
      return true;
    },
    timeoutMs,
  );
}

function describeDifference(d: Difference): string {
  const show = (v: unknown) => (v === undefined ? "—" : JSON.stringify(v).slice(0, 160));
  return `${d.object} ${d.path || "(object)"}: ${d.kind} (ours ${show(d.ours)}, reference ${show(d.reference)})`;
}

/**
 * The same providers through the reference Go operator (v1.3.0, the real binary, its own CRDs) and
 * through ours (our CRDs), each on a fresh full control plane: every object either creates and the
 * resulting status must agree, except for the differences docs/parity.md lists with a reason.
 */
describe("parity with the reference operator (full control plane, real binary)", () => {
  let providers: Provider[];
  let reference: Snapshot;
  let ours: Snapshot;

  before(async () => {
    providers = [...(await referenceCases()), ...ownCases()];
    const cp = await startControlPlane({ full: true, progress: () => undefined });
    try {
      const client = KubeClient.create({ kubeconfig: cp.kubeconfigPath });
      await installReferenceCrds(client);
      await client.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: TEST_NAMESPACE } }, "test");
      await prepare(client, providers);
      const op = await spawnReferenceOperator({
        kubeconfig: cp.kubeconfigPath,
        namespace: TEST_NAMESPACE,
        environment: TEST_ENVIRONMENT,
      });
      try {
        await allReady(client, providers, 150_000);
      } catch (err) {
        throw new Error(`${(err as Error).message}\nreference log tail:\n${op.logs.slice(-10).join("\n")}`, {
          cause: err,
        });
      } finally {
        await op.stop();
      }
      reference = await takeSnapshot(client, TEST_NAMESPACE);
    } finally {
      await cp.stop();
    }
    const h = await startOperatorHarness({ full: true });
    try {
      await prepare(h.client, providers);
      await allReady(h.client, providers, 120_000);
      await h.operator.controller.idle();
      ours = await takeSnapshot(h.client, TEST_NAMESPACE);
    } finally {
      await h.stop();
    }
  });
  after(() => undefined);

  it("runs the reference's own scenarios and ours: every kind, long names, webhook, volumes, HA, metrics, commands", () => {
    assert.equal(providers.length, 13);
    for (const kind of PROVIDER_KINDS)
      assert.ok(
        providers.some((p) => p.kind === kind),
        kind,
      );
    // Both created objects for every provider.
    for (const p of providers) {
      const names = providerObjectNames(p.kind, p.metadata.name!);
      for (const snapshot of [reference, ours]) assert.ok(snapshot.has(`Deployment ${names.run}`), names.run);
    }
    assert.ok(
      reference.get(`Deployment ${providerObjectNames("ServiceProvider", "with-webhook").run}`) !==
        undefined && JSON.stringify(reference.get(`Deployment sp-with-webhook`)).includes("webhook-tls"),
      "the reference mounted the webhook Secret",
    );
  });

  it("creates the same objects with the same content and status, apart from docs/parity.md's differences", async () => {
    const table = parseParityTable(await readFile(PARITY_DOC, "utf8"));
    const differences = diffSnapshots(ours, reference);
    const unexplained = differences.filter((d) => !table.some((row) => explains(row, d)));
    const unused = table.filter((row) => !differences.some((d) => explains(row, d)));
    assert.deepEqual(
      unexplained.map(describeDifference),
      [],
      `${unexplained.length} of ${differences.length} differences are not in docs/parity.md`,
    );
    assert.deepEqual(
      unused.map((r) => r.row),
      [],
      "rows of docs/parity.md that no difference needs any more (remove them)",
    );
  });
});
