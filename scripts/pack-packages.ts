// Packs every published package as npm will get it (`pnpm pack`: publishConfig applied, workspace:
// versions resolved, prepack builds dist/). Used by test/packages.test.ts, bench/packages.bench.ts
// and the publish workflow:
//   node --import tsx scripts/pack-packages.ts <dir>    # prints one tarball path per line
import { execFile, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

export const REPO_ROOT = join(import.meta.dirname, "..");

/** The packages published to npm, in dependency order (each one's prepack builds against the earlier dist/). */
export const PUBLISHED_PACKAGES = [
  "contract",
  "render",
  "reconciler",
  "kube",
  "testenv",
  "provider-sdk",
  "create-provider",
] as const;
export type PublishedPackage = (typeof PUBLISHED_PACKAGES)[number];

/** The core that is also published to JSR (each has a deno.json). */
export const JSR_PACKAGES = ["contract", "render", "reconciler"] as const;

/** pnpm as the root package.json pins it, through npx (the machine may have none). */
export function pnpmCommand(): string[] {
  const pinned = (
    JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { packageManager: string }
  ).packageManager;
  return ["npx", "--yes", pinned];
}

/** Runs a command to completion; rejects with its output when it exits non-zero. */
export async function run(
  cmd: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const [file, ...args] = cmd;
  try {
    const { stdout, stderr } = await execFileAsync(file!, args, {
      cwd,
      env,
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout + stderr;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: number };
    throw new Error(
      `"${cmd.join(" ")}" in ${cwd} failed (exit ${e.code ?? "?"}):\n${e.stdout ?? ""}${e.stderr ?? ""}`,
      { cause: err },
    );
  }
}

/** Like run, but streams the command's output to stderr, prefixed (long steps show progress). */
export function runStreaming(
  cmd: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  prefix: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const [file, ...args] = cmd;
    const child = spawn(file!, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const onData = (d: Buffer): void => {
      output += d.toString();
      for (const line of d.toString().split("\n"))
        if (line.trim()) process.stderr.write(`${prefix} ${line}\n`);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(output);
      else reject(new Error(`"${cmd.join(" ")}" in ${cwd} exited with ${code}:\n${output}`));
    });
  });
}

/** `pnpm pack` of every published package into dest; the tarball path of each. */
export async function packPackages(
  dest: string,
  progress: (line: string) => void = () => {},
): Promise<Record<PublishedPackage, string>> {
  const tarballs: Partial<Record<PublishedPackage, string>> = {};
  for (const pkg of PUBLISHED_PACKAGES) {
    const started = Date.now();
    const out = await run(
      [...pnpmCommand(), "pack", "--json", "--pack-destination", dest],
      join(REPO_ROOT, "packages", pkg),
    );
    const json = out.slice(out.indexOf("{"), out.lastIndexOf("}") + 1);
    const { filename } = JSON.parse(json) as { filename: string };
    tarballs[pkg] = filename;
    progress(`packed @openmcp-ts/${pkg} in ${((Date.now() - started) / 1000).toFixed(1)} s → ${filename}`);
  }
  return tarballs as Record<PublishedPackage, string>;
}

/** The environment for commands in a consumer project: Node 24 first on PATH, no workspace npm config. */
export function consumerEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  // pnpm's npm_config_* of the workspace run would steer the consumer's npm, and node:test's
  // NODE_TEST_CONTEXT would make the consumer's own `node --test` skip its files.
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries({ ...process.env, ...extra }).filter(
      ([key]) => !/^(npm_|PNPM_|NODE_TEST_CONTEXT$|NODE_OPTIONS$)/i.test(key),
    ),
  );
  env.PATH = `${join(REPO_ROOT, "node_modules", ".bin")}:${process.env.PATH ?? ""}`;
  return env;
}

if (import.meta.main) {
  const [dest] = process.argv.slice(2);
  if (!dest) {
    process.stderr.write("usage: node --import tsx scripts/pack-packages.ts <dir>\n");
    process.exit(2);
  }
  const tarballs = await packPackages(resolve(dest), (line) => process.stderr.write(`${line}\n`));
  process.stdout.write(Object.values(tarballs).join("\n") + "\n");
}
