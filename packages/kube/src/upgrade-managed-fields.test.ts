import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { hasFieldsToTakeOver, unionFieldSets, upgradedManagedFields } from "./upgrade-managed-fields.ts";

const env = (name: string) => ({ [`k:{"name":"${name}"}`]: { ".": {}, "f:name": {}, "f:value": {} } });

describe("upgradedManagedFields (csaupgrade)", () => {
  it("merges the Update entries of the named managers into our Apply entry and drops them", () => {
    const entries = [
      {
        manager: "openmcp-operator",
        operation: "Apply",
        apiVersion: "apps/v1",
        fieldsType: "FieldsV1",
        fieldsV1: { "f:spec": { "f:env": env("A") } },
      },
      {
        manager: "openmcp-operator",
        operation: "Update",
        apiVersion: "apps/v1",
        fieldsType: "FieldsV1",
        fieldsV1: { "f:spec": { "f:env": env("B"), "f:replicas": {} } },
      },
      {
        manager: "kube-controller-manager",
        operation: "Update",
        apiVersion: "apps/v1",
        subresource: "status",
        fieldsV1: { "f:status": {} },
      },
      {
        manager: "kubectl-edit",
        operation: "Update",
        apiVersion: "apps/v1",
        fieldsV1: { "f:metadata": { "f:labels": { "f:x": {} } } },
      },
    ];
    const out = upgradedManagedFields(entries, "openmcp-operator", ["openmcp-operator"]);
    assert.deepEqual(out, [
      {
        manager: "openmcp-operator",
        operation: "Apply",
        apiVersion: "apps/v1",
        fieldsType: "FieldsV1",
        fieldsV1: { "f:spec": { "f:env": { ...env("A"), ...env("B") }, "f:replicas": {} } },
      },
      entries[2],
      entries[3],
    ]);
  });

  it("turns the Update entry into our Apply entry when we have none yet", () => {
    const entries = [
      {
        manager: "openmcp-operator",
        operation: "Update",
        apiVersion: "batch/v1",
        time: "2026-12-01T00:00:00Z",
        fieldsType: "FieldsV1",
        fieldsV1: { "f:spec": {} },
      },
    ];
    assert.deepEqual(upgradedManagedFields(entries, "ours", ["openmcp-operator"]), [
      {
        manager: "ours",
        operation: "Apply",
        apiVersion: "batch/v1",
        time: "2026-12-01T00:00:00Z",
        fieldsType: "FieldsV1",
        fieldsV1: { "f:spec": {} },
      },
    ]);
  });

  it("leaves other managers, subresources and already upgraded objects alone", () => {
    const entries = [
      { manager: "openmcp-operator", operation: "Apply", apiVersion: "v1", fieldsV1: {} },
      {
        manager: "openmcp-operator",
        operation: "Update",
        apiVersion: "v1",
        subresource: "status",
        fieldsV1: {},
      },
      { manager: "someone", operation: "Update", apiVersion: "v1", fieldsV1: {} },
    ];
    assert.equal(upgradedManagedFields(entries, "openmcp-operator", ["openmcp-operator"]), undefined);
    assert.equal(hasFieldsToTakeOver(entries, ["openmcp-operator"]), false);
    assert.equal(hasFieldsToTakeOver(entries, ["someone"]), true);
  });

  it("unions nested field sets", () => {
    assert.deepEqual(unionFieldSets({ "f:a": { "f:b": {} } }, { "f:a": { "f:c": {} }, "f:d": {} }), {
      "f:a": { "f:b": {}, "f:c": {} },
      "f:d": {},
    });
  });
});
