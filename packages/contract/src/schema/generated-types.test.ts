import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import process from "node:process";
import { FIELD_CHECKS } from "./schema-checks.ts";
import { renderTypesFile } from "./render-types.ts";
import { typeSources } from "./type-sources.ts";

const FILE = new URL("./generated-types.ts", import.meta.url);
const GENERATE = "pnpm exec node --import tsx scripts/generate-crds.ts";

/** Deno runs these tests without permissions by default; Node always has them. */
interface DenoPermissions {
  permissions: {
    querySync(d: { name: "read"; path: URL } | { name: "env"; variable: string }): { state: string };
  };
}
const deno = (globalThis as { Deno?: DenoPermissions }).Deno;
const granted = (d: Parameters<DenoPermissions["permissions"]["querySync"]>[0]): boolean =>
  deno === undefined || deno.permissions.querySync(d).state === "granted";
const canRead = granted({ name: "read", path: FILE });
const update = granted({ name: "env", variable: "UPDATE_GOLDEN" }) && process.env.UPDATE_GOLDEN === "1";

void describe("generated-types.ts", () => {
  void it(
    "matches the types generated from the CRD schemas",
    { skip: canRead ? false : "needs read access (deno test --allow-read); node always checks it" },
    () => {
      const want = renderTypesFile(typeSources());
      const committed = readFileSync(FILE, "utf8");
      if (committed !== want && update) writeFileSync(FILE, want);
      assert.ok(
        committed === want || update,
        `generated-types.ts is out of date: run \`${GENERATE}\` (or the tests with UPDATE_GOLDEN=1) and commit the result`,
      );
    },
  );
  void it("names nested types after their typeName, writes enums as unions and opaque objects as records", () => {
    const text = renderTypesFile([
      {
        name: "Widget",
        schema: {
          type: "object",
          description: "A widget.",
          required: ["size"],
          properties: {
            size: { type: "integer", description: "How big." },
            mode: { type: "string", enum: ["A", "B"] },
            parts: {
              type: "array",
              items: {
                type: "object",
                properties: { id: { type: "string" } },
                [FIELD_CHECKS]: { typeName: "Part" },
              },
            },
            extra: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
          },
        },
      },
    ]);
    assert.match(text, /export interface Part \{\n {2}id\?: string;\n\}/);
    assert.match(
      text,
      /\/\*\* A widget\. \*\/\nexport interface Widget \{\n {2}\/\*\* How big\. \*\/\n {2}size: number;\n {2}mode\?: "A" \| "B";\n {2}parts\?: Part\[\];\n {2}extra\?: Record<string, unknown>;\n\}/,
    );
  });
  void it("refuses two different schemas under one name", () => {
    const named = (type: "string" | "integer") => ({
      type: "object" as const,
      properties: { x: { type } },
      [FIELD_CHECKS]: { typeName: "Same" },
    });
    assert.throws(
      () =>
        renderTypesFile([
          {
            name: "Top",
            schema: { type: "object", properties: { a: named("string"), b: named("integer") } },
          },
        ]),
      /two different schemas carry this name/,
    );
  });
});
