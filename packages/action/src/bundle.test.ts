import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { build } from "esbuild";
import { ACTION_DIR, BUNDLE_OPTIONS } from "../scripts/bundle.ts";

describe("packages/action/dist", () => {
  it("is what the bundle script builds from the current sources", async () => {
    const result = await build({ ...BUNDLE_OPTIONS, write: false });
    assert.equal(result.outputFiles.length, 2);
    for (const out of result.outputFiles) {
      const committed = await readFile(out.path, "utf8").catch(() => "");
      assert.ok(
        committed === out.text,
        `${out.path.slice(join(ACTION_DIR, "..", "..").length + 1)} is stale: run the bundle script (pnpm --filter @openmcp-ts/action bundle) and commit dist/`,
      );
    }
  });
});
