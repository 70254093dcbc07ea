// Test support is not product code: no product package's `src` (tests beside it excepted) imports
// the local control plane or the test helpers, and none lists them as a runtime dependency.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { REPO_ROOT } from "../scripts/pack-packages.ts";

const TEST_ONLY = ["@openmcp-ts/testenv", "@openmcp-ts/test-support"];
/**
 * Packages whose purpose is tests and local runs (the landscape is the local multi-cluster setup on
 * testenv's control planes); everything else under packages/ and examples/ is product.
 */
const TEST_PACKAGES = new Set(["testenv", "test-support", "landscape"]);

function productPackages(): string[] {
  return ["packages", "examples"].flatMap((parent) =>
    readdirSync(join(REPO_ROOT, parent))
      .filter((name) => !TEST_PACKAGES.has(name) && existsSync(join(REPO_ROOT, parent, name, "package.json")))
      .map((name) => join(REPO_ROOT, parent, name)),
  );
}

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter(
      (f) => /\.(ts|mts|js|mjs)$/.test(f) && !/\.test\.[mc]?[jt]s$/.test(f) && !f.includes("node_modules"),
    )
    .map((f) => join(dir, f));
}

/** Every module specifier a file imports, re-exports or loads with import(). */
function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
  return info.importedFiles.map((f) => f.fileName);
}

const isTestOnly = (specifier: string): boolean =>
  TEST_ONLY.some((p) => specifier === p || specifier.startsWith(`${p}/`)) ||
  /(^|\/)(testenv|test-support)\/src\//.test(specifier);

describe("product packages and test support", () => {
  const packages = productPackages();

  it("finds the product packages", () => {
    for (const name of ["operator", "kube", "contract", "provider-sdk", "action"])
      assert.ok(
        packages.some((p) => p.endsWith(`/packages/${name}`)),
        `packages/${name} is among the product packages`,
      );
  });

  for (const dir of packages) {
    const name = relative(REPO_ROOT, dir);
    it(`${name}/src imports neither testenv nor test-support`, () => {
      const files = sourceFiles(join(dir, "src"));
      assert.ok(files.length > 0, `${name}/src has source files`);
      const offenders = files.flatMap((f) =>
        importsOf(f)
          .filter(isTestOnly)
          .map((s) => `${relative(REPO_ROOT, f)} imports ${s}`),
      );
      assert.deepEqual(offenders, []);
    });

    it(`${name} has testenv and test-support as devDependencies at most`, () => {
      const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
        dependencies?: Record<string, string>;
        peerDependencies?: Record<string, string>;
      };
      const runtime = Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies });
      assert.deepEqual(
        runtime.filter((d) => TEST_ONLY.includes(d)),
        [],
      );
    });
  }

  it("the check sees an import of testenv (the rule can fail)", () => {
    const info = ts.preProcessFile(
      `import { startControlPlane } from "@openmcp-ts/testenv";\nconst m = await import("@openmcp-ts/test-support");`,
      true,
      true,
    );
    assert.deepEqual(info.importedFiles.map((f) => f.fileName).filter(isTestOnly), [
      "@openmcp-ts/testenv",
      "@openmcp-ts/test-support",
    ]);
  });
});
