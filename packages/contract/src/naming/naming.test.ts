import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  k8sNameUuid,
  nameHash,
  providerObjectNames,
  shortenName,
  stableMcpNamespace,
  stableRequestName,
  webhookSecretName,
} from "./naming.ts";
import { shake128 } from "./shake128.ts";

void describe("shake128", () => {
  // FIPS 202 / NIST example values.
  const cases = [
    { input: "", hex: "7f9c2ba4e88f827d616045507605853ed73b8093f6efbc88eb1a6eacfa66ef26" },
    { input: "abc", hex: "5881092dd818bf5cf8a3ddb793fbcba74097d5c526a6d35f97b83351940f2cc8" },
    { input: "a".repeat(200), hex: "70ac9b97e891be583e08929ce4cce50d346b05f9597356d6af94d4643d2af3b6" },
  ];
  for (const c of cases) {
    void it(`hashes ${JSON.stringify(c.input.slice(0, 10))} (${c.input.length} bytes)`, () => {
      const hex = Array.from(shake128(c.input, 32), (b) => b.toString(16).padStart(2, "0")).join("");
      assert.equal(hex, c.hex);
    });
  }
  void it("absorbs inputs longer than one block and squeezes more than one block", () => {
    const long = shake128("x".repeat(500), 400);
    assert.equal(long.length, 400);
    assert.notDeepEqual(long.slice(0, 168), long.slice(168, 336));
  });
});

void describe("naming test vectors from the reference", () => {
  const shortenCases: [string, number, string][] = [
    ["short1234567", 11, "s--j5gore3p"],
    ["abcd.efghijklmnopqrstuvwxyz", 15, "abcd--35l3mtbw"],
    [
      "this-is-a-very-a-very-a-very-long-string-that-is-over-63-characters",
      63,
      "this-is-a-very-a-very-a-very-long-string-that-is-over--6reoyp5o",
    ],
    ["fits", 63, "fits"],
  ];
  for (const [input, max, want] of shortenCases) {
    void it(`shortens ${input} to ${max}`, () => {
      assert.equal(shortenName(input, max), want);
    });
  }
  void it("hashes", () => {
    assert.equal(nameHash("example"), "epgccknc");
    assert.equal(nameHash("default/example"), "fphxsdub");
  });
  void it("refuses a length that leaves no room for the hash", () => {
    assert.throws(
      () => shortenName("abcdefghijkl", 10),
      /cannot shorten name "abcdefghijkl" to 10 characters/,
    );
  });
  void it("derives the UUID", () => {
    assert.equal(k8sNameUuid("test", "instance"), "80158a25-6874-80a6-a75d-94f57da600c0");
    assert.equal(stableMcpNamespace("instance", "test"), "mcp--80158a25-6874-80a6-a75d-94f57da600c0");
  });
  void it("shortens the metrics Service name of a long ServiceProvider", () => {
    const names = providerObjectNames(
      "ServiceProvider",
      "a-very-long-service-provider-name-that-exceeds-the-limit",
    );
    assert.equal(names.metricsService, "sp-a-very-long-service-provider-name-that-exc--fztage3e-metrics");
    assert.ok(names.metricsService.length <= 63);
  });
  void it("names every object of a provider", () => {
    assert.deepEqual(providerObjectNames("ClusterProvider", "cluster-provider-test-01"), {
      run: "cp-cluster-provider-test-01",
      init: "cp-cluster-provider-test-01-init",
      runClusterRoleBinding: "openmcp.cloud:cp-cluster-provider-test-01",
      initClusterRoleBinding: "openmcp.cloud:cp-cluster-provider-test-01-init",
      metricsService: "cp-cluster-provider-test-01-metrics",
      webhookSecret: "cluster-provider-test-01-webhook-tls",
    });
    assert.equal(webhookSecretName("landscaper"), "landscaper-webhook-tls");
  });
  void it("names a provider's own requests", () => {
    assert.equal(
      stableRequestName("ManagedControlPlane", "onboarding-init"),
      "managedcontrolplane--onboarding-init",
    );
    assert.equal(
      stableRequestName("crossplane.services.openmcp.cloud", "onboarding-init"),
      "crossplane.services.openmcp.cloud--onboarding-init",
    );
  });
});
