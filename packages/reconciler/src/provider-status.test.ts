import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { buildStatusPatch, ownStatus, statusEquals } from "./provider-status.ts";

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
