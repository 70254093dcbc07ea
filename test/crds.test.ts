import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { API_VERSION, type Provider, type ProviderKind } from "@openmcp-ts/contract";
import { ApiError, KubeClient } from "@openmcp-ts/kube";
import { installCrds, createLogger } from "@openmcp-ts/operator";
import { ensureBinaries, startControlPlane, type ControlPlane } from "@openmcp-ts/testenv";

const run = promisify(execFile);

interface Crd {
  metadata: { labels?: Record<string, string> };
  spec: {
    scope: string;
    names: { categories?: string[]; shortNames?: string[] };
    versions: {
      name: string;
      subresources?: { status?: object };
      selectableFields?: { jsonPath: string }[];
      additionalPrinterColumns?: { name: string }[];
    }[];
  };
  status?: { conditions?: { type: string; status: string }[] };
}

/** The generated CRDs as the real kube-apiserver accepts, defaults and validates them (reference §10, scenarios 1-3). */
describe("provider CRDs on a real apiserver", () => {
  let cp: ControlPlane;
  let client: KubeClient;
  let kubectl: string;
  before(async () => {
    cp = await startControlPlane({ progress: () => undefined });
    client = KubeClient.create({ kubeconfig: cp.kubeconfigPath });
    kubectl = (await ensureBinaries(["kubectl"])).kubectl;
    await installCrds(client, createLogger("ERROR"));
  });
  after(async () => {
    await cp?.stop();
  });

  const provider = (kind: ProviderKind, name: string, spec: Record<string, unknown>): Provider =>
    ({ apiVersion: API_VERSION, kind, metadata: { name }, spec }) as unknown as Provider;

  it("serves three cluster-scoped kinds with status, the platform label, Phase column and phase field selector (scenario 1)", async () => {
    for (const plural of ["clusterproviders", "serviceproviders", "platformservices"]) {
      const crd = await client.get<Crd>({
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        name: `${plural}.openmcp.cloud`,
      });
      assert.equal(crd.spec.scope, "Cluster");
      assert.equal(crd.metadata.labels?.["openmcp.cloud/cluster"], "platform");
      const v = crd.spec.versions[0]!;
      assert.equal(v.name, "v1alpha1");
      assert.ok(v.subresources?.status);
      assert.deepEqual(v.selectableFields, [{ jsonPath: ".status.phase" }]);
      assert.ok(v.additionalPrinterColumns?.some((c) => c.name === "Phase"));
      assert.ok(crd.spec.names.categories?.includes("openmcp"));
    }
  });

  it("defaults verbosity and runReplicas and adds no metrics block (scenario 2)", async () => {
    const stored = await client.apply<Provider>(
      provider("ClusterProvider", "minimal", { image: "example.com/p:v1" }),
      "test",
    );
    assert.equal(stored.spec.verbosity, "INFO");
    assert.equal(stored.spec.runReplicas, 1);
    assert.equal(stored.spec.metrics, undefined);
  });

  it("accepts a volume named webhook-tls and a mount at the webhook certificate directory, as the reference's CRD does", async () => {
    const stored = await client.apply<Provider>(
      provider("ServiceProvider", "webhook-names", {
        image: "x:v1",
        extraVolumes: [{ name: "webhook-tls", emptyDir: {} }],
        extraVolumeMounts: [{ name: "webhook-tls", mountPath: "/tmp/k8s-webhook-server/serving-certs" }],
      }),
      "test",
    );
    assert.equal(stored.spec.extraVolumes?.[0]?.name, "webhook-tls");
  });

  it("accepts relaxed env names (printable ASCII but '='), refuses '=' in one", async () => {
    const stored = await client.apply<Provider>(
      provider("ServiceProvider", "relaxed-env", { image: "x:v1", env: [{ name: "1X", value: "v" }] }),
      "test",
    );
    assert.equal(stored.spec.env?.[0]?.name, "1X");
    await assert.rejects(
      client.apply(
        provider("ServiceProvider", "equals-env", { image: "x:v1", env: [{ name: "A=B", value: "v" }] }),
        "test",
      ),
      /spec\.env\[0\]\.name/,
    );
  });

  it("accepts a metrics path without a leading /, as the reference's CRD does (render adds it)", async () => {
    const stored = await client.apply<Provider>(
      provider("ServiceProvider", "relative-metrics-path", {
        image: "x:v1",
        metrics: { disabled: false, path: "metrics" },
      }),
      "test",
    );
    assert.equal(stored.spec.metrics?.path, "metrics");
  });

  const rejected: [string, string, Record<string, unknown>, RegExp][] = [
    ["empty image", "bad-image", { image: "" }, /spec\.image/],
    ["image with whitespace", "bad-image-space", { image: "example.com/p: v1" }, /spec\.image/],
    ["unknown verbosity", "bad-verbosity", { image: "x:v1", verbosity: "TRACE" }, /spec\.verbosity/],
    ["zero replicas", "bad-replicas", { image: "x:v1", runReplicas: 0 }, /spec\.runReplicas/],
    [
      "env with empty name",
      "bad-env-empty",
      { image: "x:v1", env: [{ name: "", value: "v" }] },
      /spec\.env\[0\]\.name/,
    ],
    [
      "duplicate env names",
      "bad-env-dup",
      {
        image: "x:v1",
        env: [
          { name: "A", value: "1" },
          { name: "A", value: "2" },
        ],
      },
      /spec\.env\[1\]/,
    ],
    [
      "reserved env name",
      "bad-env-reserved",
      { image: "x:v1", env: [{ name: "POD_IP", value: "1" }] },
      /spec\.env\[0\]\.name.*POD_NAME/,
    ],
    [
      "duplicate topology keys",
      "bad-topology",
      {
        image: "x:v1",
        topologySpreadConstraints: [
          { maxSkew: 1, topologyKey: "zone", whenUnsatisfiable: "ScheduleAnyway" },
          { maxSkew: 1, topologyKey: "zone", whenUnsatisfiable: "DoNotSchedule" },
        ],
      },
      /spec\.topologySpreadConstraints\[1\]/,
    ],
    [
      "mount without volume",
      "bad-mount",
      { image: "x:v1", extraVolumeMounts: [{ name: "cfg", mountPath: "/etc/cfg" }] },
      /spec.*extraVolumeMounts/,
    ],
    [
      "an image name over 255 characters",
      "bad-image-name",
      { image: `${"a".repeat(256)}:v1` },
      /spec\.image.*at most 255/,
    ],
    [
      "a pull secret name that is no DNS-1123 subdomain",
      "bad-pull-secret",
      { image: "x:v1", imagePullSecrets: [{ name: "Bad_Name" }] },
      /spec\.imagePullSecrets\[0\]\.name/,
    ],
    [
      "metrics port out of range",
      "bad-port",
      { image: "x:v1", metrics: { disabled: false, port: 70000 } },
      /spec\.metrics\.port/,
    ],
  ];
  for (const [what, name, spec, field] of rejected) {
    it(`rejects ${what} and names the field (scenario 3)`, async () => {
      await assert.rejects(client.create(provider("ServiceProvider", name, spec)), (err: unknown) => {
        assert.ok(err instanceof ApiError, String(err));
        assert.equal(err.code, 422);
        assert.match(err.message, field);
        return true;
      });
      // Server-side apply answers duplicate list-map keys with a 500 (the typed patch cannot be
      // built), but the message still names the field.
      const fieldWithoutIndex = new RegExp(field.source.split("\\[")[0]!);
      await assert.rejects(client.apply(provider("ServiceProvider", name, spec), "test"), fieldWithoutIndex);
    });
  }

  it("rejects names that would make generated object names invalid", async () => {
    await assert.rejects(
      client.apply(provider("ServiceProvider", "a".repeat(56), { image: "x:v1" }), "test"),
      /at most 55 characters/,
    );
    await assert.rejects(
      client.apply(provider("ServiceProvider", "with.dot", { image: "x:v1" }), "test"),
      /metadata\.name|dot|\./,
    );
    await client.apply(provider("ServiceProvider", "a".repeat(55), { image: "x:v1" }), "test");
  });

  it("explains the spec with descriptions in kubectl explain", async () => {
    const { stdout } = await run(kubectl, [
      "--kubeconfig",
      cp.kubeconfigPath,
      "explain",
      "serviceprovider.spec",
    ]);
    assert.match(stdout, /image\s+<string> -required-/);
    assert.match(stdout, /runReplicas/);
    const image = await run(kubectl, [
      "--kubeconfig",
      cp.kubeconfigPath,
      "explain",
      "serviceprovider.spec.image",
    ]);
    assert.ok(image.stdout.split("DESCRIPTION:")[1]!.trim().length > 20, "spec.image has a description");
  });

  it("lists all providers under the openmcp category", async () => {
    const { stdout } = await run(kubectl, ["--kubeconfig", cp.kubeconfigPath, "get", "openmcp"]);
    assert.match(stdout, /clusterprovider\.openmcp\.cloud\/minimal/);
  });
});
