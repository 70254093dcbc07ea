import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { parse } from "yaml";
import { resolveBinary } from "@openmcp-ts/testenv";

const ROOT = join(import.meta.dirname, "..");

describe("workflows and action.yml", () => {
  it("pass actionlint, which also checks each `uses: ./` step's inputs against action.yml", async () => {
    const actionlint = await resolveBinary("actionlint");
    assert.notEqual(actionlint.source, "missing", "actionlint is built by `pnpm testenv build`");
    const dir = join(ROOT, ".github", "workflows");
    const files = readdirSync(dir)
      .filter((f) => f.endsWith(".yml") || f.endsWith(".yaml"))
      .map((f) => join(dir, f));
    assert.ok(files.length >= 3, files.join(", "));
    try {
      await promisify(execFile)(actionlint.path, ["-no-color", ...files], { cwd: ROOT });
    } catch (err) {
      const { stdout = "", stderr = "" } = err as { stdout?: string; stderr?: string };
      assert.fail(`actionlint found problems:\n${stdout}${stderr}`);
    }
  });

  it("every input and output of action.yml is documented in the action's README", () => {
    const action = parse(readFileSync(join(ROOT, "action.yml"), "utf8")) as {
      inputs: Record<string, { description?: string }>;
      outputs: Record<string, { description?: string }>;
    };
    const readme = readFileSync(join(ROOT, "packages", "action", "README.md"), "utf8");
    for (const [name, spec] of [...Object.entries(action.inputs), ...Object.entries(action.outputs)]) {
      assert.ok(spec.description, `${name} has a description in action.yml`);
      assert.ok(readme.includes(`\`${name}\``), `${name} is documented in packages/action/README.md`);
    }
  });
});
