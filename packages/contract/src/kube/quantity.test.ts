import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { quantitiesEqual, quantityNanos } from "./quantity.ts";

void describe("quantities", () => {
  void it("compares the forms the API server rewrites quantities into", () => {
    for (const [written, canonical] of [
      [1000, "1k"],
      ["0.5", "500m"],
      ["1024Mi", "1Gi"],
      ["1e3", "1k"],
      ["100m", "100m"],
      [1, "1"],
      ["1.5Gi", "1536Mi"],
    ] as const) {
      assert.ok(quantitiesEqual(written, canonical), `${written} = ${canonical}`);
    }
  });
  void it("tells different values and non-quantities apart", () => {
    assert.equal(quantitiesEqual("1", "1001m"), false);
    assert.equal(quantitiesEqual("1Ki", "1k"), false);
    assert.equal(quantitiesEqual("abc", "abc"), false);
    assert.equal(quantityNanos("1x"), undefined);
    assert.equal(quantityNanos("-2m"), -2_000_000n);
  });
});
