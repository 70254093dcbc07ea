import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import process from "node:process";
import type { Provider } from "@openmcp-ts/contract";
import {
  renderedObjectsInOrder,
  renderInitObjects,
  renderRunObjects,
  toYamlStream,
  type RenderContext,
} from "./index.ts";
import {
  EVERY_FIELD_CTX,
  everyFieldProvider,
  LANDSCAPER_CTX,
  landscaperProvider,
  REFERENCE_SCENARIOS,
  RUNTIME_CONFIG_CTX,
  TEST_CTX,
} from "./testdata/providers.ts";

const UPDATE = process.env["UPDATE_GOLDEN"] === "1";

/** Compares with `testdata/<name>.golden.yaml`; `UPDATE_GOLDEN=1` rewrites the file instead. */
function assertGolden(name: string, actual: string): void {
  const url = new URL(`./testdata/${name}.golden.yaml`, import.meta.url);
  if (UPDATE) {
    writeFileSync(url, actual);
    return;
  }
  let expected: string;
  try {
    expected = readFileSync(url, "utf8");
  } catch (error) {
    throw new Error(`cannot read golden file ${name}.golden.yaml (run with UPDATE_GOLDEN=1 to create it)`, {
      cause: error,
    });
  }
  assert.equal(
    actual,
    expected,
    `${name}.golden.yaml differs; run with UPDATE_GOLDEN=1 to accept the change`,
  );
}

function renderAll(provider: Provider, ctx: RenderContext): string {
  return toYamlStream(
    renderedObjectsInOrder(renderInitObjects(provider, ctx), renderRunObjects(provider, ctx)),
  );
}

const cases: { name: string; provider: Provider; ctx: RenderContext }[] = [
  ...REFERENCE_SCENARIOS.map((s) => ({ name: s.id, provider: s.provider, ctx: TEST_CTX })),
  { name: "landscaper", provider: landscaperProvider(), ctx: LANDSCAPER_CTX },
  { name: "every-field", provider: everyFieldProvider(), ctx: EVERY_FIELD_CTX },
  {
    name: "metrics-disabled",
    provider: {
      ...landscaperProvider(),
      spec: { ...landscaperProvider().spec, metrics: { disabled: true } },
    },
    ctx: { ...LANDSCAPER_CTX, webhookSecretPresent: false },
  },
  { name: "runtime-config", provider: REFERENCE_SCENARIOS[1]!.provider, ctx: RUNTIME_CONFIG_CTX },
];

void describe("golden files", () => {
  for (const c of cases) {
    void it(`renders ${c.name}`, () => {
      assertGolden(c.name, renderAll(c.provider, c.ctx));
    });
  }
});
