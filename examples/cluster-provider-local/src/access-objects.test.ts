import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { AccessRequest } from "@openmcp-ts/contract";
import { ACCESS_NAMESPACE, accessObjects, isResponsible } from "./access-objects.ts";
import { parseDurationSeconds } from "./cluster-provider-local.ts";

const request = (over: Partial<AccessRequest> = {}): AccessRequest => ({
  apiVersion: "clusters.openmcp.cloud/v1alpha1",
  kind: "AccessRequest",
  metadata: {
    name: "ar",
    namespace: "ns",
    uid: "1234",
    generation: 2,
    labels: { "clusters.openmcp.cloud/provider": "local", "clusters.openmcp.cloud/profile": "local" },
  },
  spec: {
    clusterRef: { name: "onboarding", namespace: "ns" },
    token: {
      permissions: [
        { rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get"] }] },
        {
          name: "pods",
          namespace: "team-a",
          rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["list"] }],
        },
      ],
      roleRefs: [{ kind: "ClusterRole", name: "view" }],
    },
  },
  status: { phase: "Pending" },
  ...over,
});

describe("accessObjects", () => {
  it("one ServiceAccount, a ClusterRole per cluster-wide entry, a Role per namespaced one, bindings to roleRefs", () => {
    const objects = accessObjects(request());
    assert.deepEqual(
      objects.map((o) => `${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name}`),
      [
        `Namespace /${ACCESS_NAMESPACE}`,
        `ServiceAccount ${ACCESS_NAMESPACE}/ar-1234`,
        "ClusterRole /ar-1234-0",
        "ClusterRoleBinding /ar-1234-0",
        "Namespace /team-a",
        "Role team-a/pods",
        "RoleBinding team-a/pods",
        "ClusterRoleBinding /ar-1234-ref-0",
      ],
    );
    const binding = objects.find((o) => o.kind === "RoleBinding");
    assert.deepEqual(binding?.subjects, [
      { kind: "ServiceAccount", name: "ar-1234", namespace: ACCESS_NAMESPACE },
    ]);
    assert.deepEqual(accessObjects(request()), objects, "deterministic");
  });

  it("fails without a uid, naming the request", () => {
    assert.throws(
      () => accessObjects(request({ metadata: { name: "ar", namespace: "ns" } })),
      /ns\/ar has no uid/,
    );
  });
});

describe("isResponsible (the reference's IsClusterProviderResponsibleForAccessRequest)", () => {
  const cases: [string, AccessRequest, boolean][] = [
    ["labelled for us, Pending", request(), true],
    [
      "labelled for another provider",
      request({
        metadata: {
          ...request().metadata,
          labels: { "clusters.openmcp.cloud/provider": "x", "clusters.openmcp.cloud/profile": "p" },
        },
      }),
      false,
    ],
    [
      "no profile label",
      request({
        metadata: { ...request().metadata, labels: { "clusters.openmcp.cloud/provider": "local" } },
      }),
      false,
    ],
    ["Denied", request({ status: { phase: "Denied" } }), false],
    ["Granted at this generation", request({ status: { phase: "Granted", observedGeneration: 2 } }), true],
    [
      "Granted at an older generation",
      request({ status: { phase: "Granted", observedGeneration: 1 } }),
      false,
    ],
  ];
  for (const [name, ar, expected] of cases)
    it(name, () => assert.equal(isResponsible(ar, "local"), expected));
});

describe("parseDurationSeconds", () => {
  for (const [text, seconds] of [
    ["1h30m", 5400],
    ["90s", 90],
    ["1.5h", 5400],
    ["500ms", 0.5],
    ["x", undefined],
    [undefined, undefined],
  ] as const)
    it(String(text), () => assert.equal(parseDurationSeconds(text), seconds));
});
