/**
 * Writes packages/contract/src/schema/upstream-pod-schemas.ts: the OpenAPI v3 schemas of the core/v1 types
 * a ProviderRuntimeConfig embeds (Toleration, Affinity, ResourceRequirements, EnvVar, EnvFromSource,
 * PodSecurityContext), as a real kube-apiserver of the pinned version serves them at /openapi/v3,
 * turned into CRD structural schemas the way controller-gen turns the Go types into CRDs.
 * Run: pnpm exec node --import tsx scripts/generate-pod-schemas.ts
 * test/runtime-config-crd.test.ts fails while the committed file differs from this output.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { KubeClient } from "../packages/kube/src/index.ts";
import { startControlPlane } from "../packages/testenv/src/index.ts";
import { renderPodSchemasFile, type OpenApiDocument } from "./pod-schemas.ts";

const out = fileURLToPath(
  new URL("../packages/contract/src/schema/upstream-pod-schemas.ts", import.meta.url),
);
const cp = await startControlPlane({ progress: () => undefined });
try {
  const client = KubeClient.create({ kubeconfig: cp.kubeconfigPath });
  const doc = (await client.call("GET", "/openapi/v3/api/v1", { verb: "get" })) as OpenApiDocument;
  const version = (await client.call("GET", "/version", { verb: "get" })) as { gitVersion: string };
  writeFileSync(out, renderPodSchemasFile(doc, version.gitVersion));
  console.log("wrote packages/contract/src/schema/upstream-pod-schemas.ts");
} finally {
  await cp.stop();
}
