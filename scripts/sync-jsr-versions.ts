// After `changeset version`: the core's deno.json files (JSR) carry the version of their
// package.json, and their jsr: imports of each other the matching range.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "..");
const JSR_PACKAGES = ["contract", "render", "reconciler"];

async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, "utf8")) as T;
}

for (const pkg of JSR_PACKAGES) {
  const dir = join(ROOT, "packages", pkg);
  const { version } = await readJson<{ version: string }>(join(dir, "package.json"));
  const denoPath = join(dir, "deno.json");
  const deno = await readJson<{ version: string; imports?: Record<string, string> }>(denoPath);
  deno.version = version;
  for (const [name, target] of Object.entries(deno.imports ?? {})) {
    const match = /^jsr:(@openmcp-ts\/[a-z-]+)@/.exec(target);
    if (match) deno.imports![name] = `jsr:${match[1]!}@^${version}`;
  }
  await writeFile(denoPath, JSON.stringify(deno, null, 2) + "\n");
  process.stdout.write(`${pkg}/deno.json: ${version}\n`);
}
