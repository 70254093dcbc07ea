import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";
import {
  RUNTIME_API_VERSION,
  RUNTIME_CONFIG_KIND,
  runtimeConfigSchema,
  type JsonSchemaProps,
} from "@openmcp-ts/contract";
import { ApiError, KubeClient } from "@openmcp-ts/kube";
import { createLogger, installCrds } from "@openmcp-ts/operator";
import { ensureBinaries, eventually, startControlPlane, type ControlPlane } from "@openmcp-ts/testenv";
import { renderPodSchemasFile, type OpenApiDocument } from "../scripts/pod-schemas.ts";

const run = promisify(execFile);

/** Every property path of a schema, e.g. `spec.common.resources.limits`. */
function propertyPaths(schema: JsonSchemaProps, prefix = ""): { path: string; schema: JsonSchemaProps }[] {
  const own = Object.entries(schema.properties ?? {}).flatMap(([name, child]) => {
    const path = prefix === "" ? name : `${prefix}.${name}`;
    return [{ path, schema: child }, ...propertyPaths(child, path)];
  });
  return schema.items === undefined ? own : [...own, ...propertyPaths(schema.items, prefix)];
}

/** ProviderRuntimeConfig's CRD as the real kube-apiserver accepts and validates it (issue 19). */
describe("ProviderRuntimeConfig CRD on a real apiserver", () => {
  let cp: ControlPlane;
  let client: KubeClient;
  before(async () => {
    cp = await startControlPlane({ progress: () => undefined });
    client = KubeClient.create({ kubeconfig: cp.kubeconfigPath });
    await installCrds(client, createLogger("ERROR"));
  });
  after(async () => {
    await cp?.stop();
  });

  const apply = (name: string, spec: unknown) =>
    client.apply(
      { apiVersion: RUNTIME_API_VERSION, kind: RUNTIME_CONFIG_KIND, metadata: { name }, spec },
      "test",
      {
        force: true,
      },
    );

  it("embeds the core/v1 schemas this API server serves (regenerate: scripts/generate-pod-schemas.ts)", async () => {
    const doc = (await client.call("GET", "/openapi/v3/api/v1", { verb: "get" })) as OpenApiDocument;
    const version = (await client.call("GET", "/version", { verb: "get" })) as { gitVersion: string };
    const committed = readFileSync(
      new URL("../packages/contract/src/schema/upstream-pod-schemas.ts", import.meta.url),
      "utf8",
    );
    assert.equal(renderPodSchemasFile(doc, version.gitVersion), committed);
  });

  it("accepts every setting, in both phases", async () => {
    const settings = {
      resources: { requests: { cpu: "100m", memory: 64 * 1024 * 1024 }, limits: { cpu: 1, memory: "128Mi" } },
      nodeSelector: { "node-role.kubernetes.io/system": "" },
      tolerations: [
        { key: "dedicated", operator: "Equal", value: "system", effect: "NoExecute", tolerationSeconds: 30 },
      ],
      affinity: {
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 1, podAffinityTerm: { topologyKey: "kubernetes.io/hostname" } },
          ],
        },
      },
      priorityClassName: "system-cluster-critical",
      podMetadata: { labels: { team: "platform" }, annotations: { "example.com/x": "any value" } },
      serviceAccountMetadata: { annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/p" } },
      env: [
        { name: "A", value: "1" },
        { name: "B", valueFrom: { secretKeyRef: { name: "s", key: "k" } } },
        { name: "C", valueFrom: { configMapKeyRef: { name: "c", key: "k", optional: true } } },
      ],
      envFrom: [{ secretRef: { name: "s" } }, { configMapRef: { name: "c" }, prefix: "C_" }],
      podSecurityContext: {
        runAsUser: 1000,
        runAsGroup: 1000,
        fsGroup: 1000,
        seccompProfile: { type: "Localhost", localhostProfile: "p.json" },
      },
    };
    await apply("everything", { common: settings, init: settings, run: settings });
  });

  it("accepts the example manifest", async () => {
    const file = new URL("../examples/runtime-config/provider-runtime-config.yaml", import.meta.url);
    const docs = parseAllDocuments(readFileSync(file, "utf8")).map(
      (d) => d.toJS() as { apiVersion: string; kind: string; metadata: { name: string } },
    );
    assert.deepEqual(
      docs.map((d) => d.kind),
      ["ProviderRuntimeConfig", "ServiceProvider"],
    );
    for (const doc of docs) await client.apply(doc, "test", { force: true });
  });

  const rejected: { name: string; spec: unknown; message: RegExp }[] = [
    {
      name: "quantity",
      spec: { run: { resources: { limits: { memory: "1GB" } } } },
      message: /spec\.run\.resources\.limits\.memory.*should match/,
    },
    {
      name: "request-over-limit",
      spec: { run: { resources: { requests: { cpu: "2" }, limits: { cpu: "1" } } } },
      message: /spec\.run\.resources: .*request must not exceed the limit/,
    },
    {
      name: "operator",
      spec: { common: { tolerations: [{ key: "a", operator: "Matches" }] } },
      message: /spec\.common\.tolerations\[0\]\.operator: Unsupported value: "Matches"/,
    },
    {
      name: "exists-value",
      spec: { common: { tolerations: [{ key: "a", operator: "Exists", value: "x" }] } },
      message: /spec\.common\.tolerations\[0\]: .*value must be empty when operator is Exists/,
    },
    {
      name: "seconds",
      spec: {
        common: {
          tolerations: [{ key: "a", operator: "Exists", effect: "NoSchedule", tolerationSeconds: 5 }],
        },
      },
      message: /effect must be NoExecute when tolerationSeconds is set/,
    },
    {
      name: "affinity",
      spec: {
        common: {
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{ matchExpressions: [{ key: "a", operator: "Near" }] }],
              },
            },
          },
        },
      },
      message:
        /spec\.common\.affinity\.nodeAffinity\.requiredDuringSchedulingIgnoredDuringExecution\.nodeSelectorTerms\[0\]\.matchExpressions\[0\]\.operator: Unsupported value: "Near"/,
    },
    {
      name: "affinity-shape",
      spec: {
        common: {
          affinity: {
            nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: "x" } },
          },
        },
      },
      message:
        /spec\.common\.affinity\.nodeAffinity\.requiredDuringSchedulingIgnoredDuringExecution\.nodeSelectorTerms: expected list/,
    },
    {
      name: "reserved-env",
      spec: { init: { env: [{ name: "POD_NAME", value: "x" }] } },
      message: /spec\.init\.env\[0\]\.name: .*name is reserved/,
    },
    {
      name: "duplicate-env",
      spec: { init: { env: [{ name: "A" }, { name: "A" }] } },
      message: /spec\.init\.env: duplicate entries for key \[name="A"\]/,
    },
    {
      name: "env-from",
      spec: { run: { envFrom: [{ prefix: "X_" }] } },
      message: /spec\.run\.envFrom\[0\]: .*exactly one of configMapRef and secretRef/,
    },
    {
      name: "root",
      spec: { run: { podSecurityContext: { runAsUser: 0 } } },
      message: /spec\.run\.podSecurityContext\.runAsUser: .*must not be 0/,
    },
    {
      name: "non-root",
      spec: { run: { podSecurityContext: { runAsNonRoot: false } } },
      message: /spec\.run\.podSecurityContext\.runAsNonRoot: .*must not be false/,
    },
    {
      name: "seccomp",
      spec: { run: { podSecurityContext: { seccompProfile: { type: "Unconfined" } } } },
      message: /spec\.run\.podSecurityContext\.seccompProfile\.type: .*RuntimeDefault or Localhost/,
    },
    {
      name: "priority-class",
      spec: { run: { priorityClassName: "Not_A_Name" } },
      message: /spec\.run\.priorityClassName.*should match/,
    },
    {
      name: "label",
      spec: { run: { podMetadata: { labels: { team: "a b" } } } },
      message: /spec\.run\.podMetadata\.labels: .*label value/,
    },
    {
      name: "node-selector",
      spec: { run: { nodeSelector: { "bad key": "x" } } },
      message: /spec\.run\.nodeSelector: .*nodeSelector key/,
    },
  ];
  for (const r of rejected) {
    it(`rejects ${r.name} with the field path`, async () => {
      await assert.rejects(apply(r.name, r.spec), (err: unknown) => {
        assert.ok(err instanceof ApiError, String(err));
        assert.match(err.message, r.message);
        return true;
      });
    });
  }

  it("shows every field with a description in kubectl explain", async () => {
    const { kubectl } = await ensureBinaries(["kubectl"]);
    // The API server publishes a new CRD's OpenAPI a moment after it is Established: until then
    // kubectl explain cannot find the resource.
    const { stdout } = await eventually("kubectl explain finds the ProviderRuntimeConfig CRD", () =>
      run(
        kubectl,
        ["--kubeconfig", cp.kubeconfigPath, "explain", "providerruntimeconfig.spec", "--recursive"],
        { maxBuffer: 16 << 20 },
      ).catch(() => undefined),
    );
    const spec = runtimeConfigSchema().properties!.spec!;
    const paths = propertyPaths(spec);
    for (const { path, schema } of paths) {
      assert.match(stdout, new RegExp(`\\b${path.split(".").at(-1)!}\\b`), `${path} in explain --recursive`);
      assert.ok((schema.description ?? "").length > 0, `${path} has a description`);
    }
    const one = await run(kubectl, [
      "--kubeconfig",
      cp.kubeconfigPath,
      "explain",
      "providerruntimeconfig.spec.run.tolerations.operator",
    ]);
    assert.match(one.stdout, /Exists/);
    assert.ok(paths.length > 100, `${paths.length} fields`);
  });
});
