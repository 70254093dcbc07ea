import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { liveMatches } from "./live-matches.ts";

describe("liveMatches", () => {
  const cases: [string, unknown, unknown, boolean][] = [
    [
      "server defaults are ignored",
      { a: 1, b: { c: "x" } },
      { a: 1, b: { c: "x", d: "default" }, e: 2 },
      true,
    ],
    ["a changed value is seen", { a: 1 }, { a: 2 }, false],
    ["a missing field is seen", { a: { b: 1 } }, { a: {} }, false],
    [
      "lists compare element-wise and by length",
      [{ n: "A" }, { n: "B" }],
      [{ n: "A", x: 1 }, { n: "B" }],
      true,
    ],
    ["a longer live list differs", [{ n: "A" }], [{ n: "A" }, { n: "B" }], false],
    ["list order matters", [1, 2], [2, 1], false],
    ["null vs object differs", { a: null }, { a: {} }, false],
  ];
  for (const [name, desired, live, want] of cases)
    it(name, () => assert.equal(liveMatches(desired, live), want));
});

void describe("liveMatches: container resources", () => {
  const desired = { resources: { requests: { cpu: "0.5", memory: 1000 }, limits: { memory: "1024Mi" } } };
  void it("counts the API server's canonical quantities as equal", () => {
    const live = { resources: { requests: { cpu: "500m", memory: "1k" }, limits: { memory: "1Gi" } } };
    assert.equal(liveMatches(desired, live), true);
  });
  void it("sees a changed or an added quantity", () => {
    const changed = { resources: { requests: { cpu: "600m", memory: "1k" }, limits: { memory: "1Gi" } } };
    assert.equal(liveMatches(desired, changed), false);
    const added = {
      resources: { requests: { cpu: "500m", memory: "1k" }, limits: { memory: "1Gi", cpu: "1" } },
    };
    assert.equal(liveMatches(desired, added), false);
  });
});
