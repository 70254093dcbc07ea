import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Condition } from "@openmcp-ts/contract";
import {
  findCondition,
  formatTime,
  isConditionTrue,
  removeCondition,
  setCondition,
} from "./set-condition.ts";

const EARLIER = "2025-01-01T00:00:00Z";
const NOW = new Date("2025-06-01T12:34:56.789Z");

const ready = (status: Condition["status"], extra: Partial<Condition> = {}): Condition => ({
  type: "Ready",
  status,
  reason: "Old",
  message: "old",
  lastTransitionTime: EARLIER,
  observedGeneration: 1,
  ...extra,
});

void describe("formatTime", () => {
  void it("writes RFC 3339 with second precision", () => {
    assert.equal(formatTime(NOW), "2025-06-01T12:34:56Z");
    assert.equal(formatTime(new Date("2025-06-01T00:00:00Z")), "2025-06-01T00:00:00Z");
  });
});

void describe("setCondition (apimachinery SetStatusCondition semantics)", () => {
  const cases: {
    name: string;
    before: Condition[] | undefined;
    set: Omit<Condition, "lastTransitionTime"> & { lastTransitionTime?: string };
    want: Condition[];
  }[] = [
    {
      name: "a new type is appended with lastTransitionTime = now",
      before: [{ ...ready("True"), type: "Initialized" }],
      set: { type: "Ready", status: "False", reason: "R", message: "m", observedGeneration: 2 },
      want: [
        { ...ready("True"), type: "Initialized" },
        {
          type: "Ready",
          status: "False",
          reason: "R",
          message: "m",
          lastTransitionTime: "2025-06-01T12:34:56Z",
          observedGeneration: 2,
        },
      ],
    },
    {
      name: "same status: lastTransitionTime kept, reason, message and observedGeneration overwritten",
      before: [ready("True")],
      set: { type: "Ready", status: "True", reason: "New", message: "new", observedGeneration: 3 },
      want: [ready("True", { reason: "New", message: "new", observedGeneration: 3 })],
    },
    {
      name: "status change: lastTransitionTime = now",
      before: [ready("True")],
      set: { type: "Ready", status: "False", reason: "New", message: "new", observedGeneration: 3 },
      want: [
        ready("False", {
          reason: "New",
          message: "new",
          observedGeneration: 3,
          lastTransitionTime: "2025-06-01T12:34:56Z",
        }),
      ],
    },
    {
      name: "a given lastTransitionTime is used on a transition",
      before: undefined,
      set: { type: "Ready", status: "Unknown", reason: "R", message: "", lastTransitionTime: EARLIER },
      want: [{ type: "Ready", status: "Unknown", reason: "R", message: "", lastTransitionTime: EARLIER }],
    },
    {
      name: "an empty message is kept (the schema requires the field)",
      before: [],
      set: { type: "Ready", status: "Unknown", reason: "Pending", message: "" },
      want: [
        {
          type: "Ready",
          status: "Unknown",
          reason: "Pending",
          message: "",
          lastTransitionTime: "2025-06-01T12:34:56Z",
        },
      ],
    },
  ];
  for (const c of cases) {
    void it(c.name, () => {
      const frozen = structuredClone(c.before);
      assert.deepEqual(setCondition(c.before, c.set, NOW), c.want);
      assert.deepEqual(c.before, frozen, "the input is not mutated");
    });
  }
});

void describe("removeCondition, findCondition, isConditionTrue", () => {
  void it("work on undefined and on lists", () => {
    assert.deepEqual(removeCondition(undefined, "Ready"), []);
    assert.deepEqual(removeCondition([ready("True")], "Ready"), []);
    assert.equal(findCondition(undefined, "Ready"), undefined);
    assert.equal(findCondition([ready("True")], "Ready")?.status, "True");
    assert.equal(isConditionTrue([ready("True")], "Ready"), true);
    assert.equal(isConditionTrue([ready("False")], "Ready"), false);
  });
});
