import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ANNOTATION_INIT_ATTEMPTS, type Provider } from "@openmcp-ts/contract";
import {
  buildStatusPatch,
  initAttemptsAnnotation,
  ownStatus,
  recordedInitAttempts,
  statusEquals,
  withoutFields,
} from "./provider-status.ts";

void describe("status helpers", () => {
  void it("statusEquals ignores key order and status.resources", () => {
    const a = {
      observedGeneration: 1,
      phase: "Ready",
      conditions: [
        { type: "Ready", status: "True" as const, reason: "R", message: "", lastTransitionTime: "t" },
      ],
    };
    const b = {
      resources: [{ group: "g", version: "v", kind: "k" }],
      conditions: [
        { message: "", lastTransitionTime: "t", reason: "R", status: "True" as const, type: "Ready" },
      ],
      phase: "Ready",
      observedGeneration: 1,
    };
    assert.equal(statusEquals(a, b), true);
    assert.equal(statusEquals(a, { ...b, phase: "Progressing" }), false);
    assert.equal(statusEquals(undefined, {}), true);
  });

  void it("ownStatus drops fields we do not own", () => {
    assert.deepEqual(ownStatus({ phase: "Ready", resources: [] }), { phase: "Ready" });
  });

  void it("buildStatusPatch removes our dropped fields with null and never mentions resources", () => {
    const patch = buildStatusPatch(
      {
        phase: "Ready",
        metrics: { serviceRef: { name: "s", namespace: "n" } },
        initAttempts: 2,
        resources: [{ group: "g", version: "v", kind: "k" }],
      },
      { phase: "Progressing", observedGeneration: 2, conditions: [] },
    );
    assert.deepEqual(patch, {
      status: {
        observedGeneration: 2,
        phase: "Progressing",
        conditions: [],
        metrics: null,
        initAttempts: null,
      },
    });
  });
});

void describe("status fields a CRD prunes (the reference's CRDs drop initAttempts)", () => {
  const provider = (initAttempts?: number, annotation?: string): Provider => ({
    apiVersion: "openmcp.cloud/v1alpha1",
    kind: "ServiceProvider",
    metadata: {
      name: "p",
      ...(annotation === undefined ? {} : { annotations: { [ANNOTATION_INIT_ATTEMPTS]: annotation } }),
    },
    spec: { image: "i" },
    ...(initAttempts === undefined ? {} : { status: { observedGeneration: 1, initAttempts } }),
  });
  void it("recordedInitAttempts: status first, else the annotation, else 0", () => {
    assert.equal(recordedInitAttempts(provider(2, "4")), 2);
    assert.equal(recordedInitAttempts(provider(undefined, "4")), 4);
    for (const bad of ["", "x", "-1", "1.5"]) assert.equal(recordedInitAttempts(provider(undefined, bad)), 0);
    assert.equal(recordedInitAttempts(provider()), 0);
  });
  void it("initAttemptsAnnotation: kept in sync only while pruned, removed otherwise", () => {
    assert.deepEqual(initAttemptsAnnotation(provider(), 1, ["initAttempts"]), {
      [ANNOTATION_INIT_ATTEMPTS]: "1",
    });
    assert.equal(initAttemptsAnnotation(provider(undefined, "1"), 1, ["initAttempts"]), undefined);
    assert.deepEqual(initAttemptsAnnotation(provider(undefined, "3"), 0, ["initAttempts"]), {
      [ANNOTATION_INIT_ATTEMPTS]: null,
    });
    assert.deepEqual(initAttemptsAnnotation(provider(1, "3"), 1, []), { [ANNOTATION_INIT_ATTEMPTS]: null });
    assert.equal(initAttemptsAnnotation(provider(1), 1, []), undefined);
  });
  void it("withoutFields drops only the named fields", () => {
    const s = { observedGeneration: 1, phase: "Ready", initAttempts: 1, runningImage: "i" };
    assert.deepEqual(withoutFields(s, ["initAttempts", "runningImage"]), {
      observedGeneration: 1,
      phase: "Ready",
    });
    assert.equal(withoutFields(s, []), s);
  });
});
