import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { renderedObjectsInOrder, renderInitObjects, renderRunObjects, toYamlStream } from "./index.ts";
import { TEST_CTX, testProvider } from "./testdata/providers.ts";

void describe("renderedObjectsInOrder", () => {
  const provider = testProvider("ServiceProvider", "x");
  const init = renderInitObjects(provider, TEST_CTX);

  void it("lists the init objects, then the run objects, in the reference's order", () => {
    const run = renderRunObjects(provider, TEST_CTX);
    const got = renderedObjectsInOrder(init, run).map((o) => `${o.kind}/${o.metadata.name ?? ""}`);
    assert.deepEqual(got, [
      "ServiceAccount/sp-x-init",
      "ClusterRoleBinding/openmcp.cloud:sp-x-init",
      "Role/sp-x-init",
      "RoleBinding/sp-x-init",
      "Job/sp-x-init",
      "ServiceAccount/sp-x",
      "ClusterRoleBinding/openmcp.cloud:sp-x",
      "Deployment/sp-x",
      "Service/sp-x-metrics",
    ]);
  });

  void it("leaves out the run phase when not given and the Service when metrics are off", () => {
    assert.equal(renderedObjectsInOrder(init).length, 5);
    const noMetrics = testProvider("ServiceProvider", "x", { metrics: { disabled: true } });
    assert.equal(renderedObjectsInOrder(init, renderRunObjects(noMetrics, TEST_CTX)).length, 8);
  });

  void it("serializes to a YAML stream with one document per object", () => {
    const yaml = toYamlStream(renderedObjectsInOrder(init));
    assert.equal(yaml.split(/^---$/m).length - 1, 5);
    assert.ok(yaml.startsWith("---\napiVersion: v1\nkind: ServiceAccount\n"));
  });
});
