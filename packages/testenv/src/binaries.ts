import { spawn } from "node:child_process";
import { constants as fsConstants } from "node:fs";
import { access, mkdir, open, readFile, rename, rm, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { BINARY_NAMES, BUILD_RECIPES, type BinaryName } from "./versions.ts";

const GO_MODULES_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "go");

export interface ResolvedBinary {
  name: BinaryName;
  path: string;
  source: "KUBEBUILDER_ASSETS" | "PATH" | "cache" | "missing";
}

export type Progress = (line: string) => void;

/** Where built binaries live: outside the repo, keyed by version, shared by every checkout on the machine. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base =
    env.OPENMCP_TESTENV_CACHE ?? join(env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "openmcp-testenv");
  return base;
}

function cachedPath(name: BinaryName, env: NodeJS.ProcessEnv): string {
  return join(cacheDir(env), `${name}-${BUILD_RECIPES[name].version}`, name);
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, fsConstants.X_OK);
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * Finds one binary the way envtest users expect: `KUBEBUILDER_ASSETS` first, then `PATH`, then the
 * per-user cache. `kubectl` is not taken from `PATH`, since a system kubectl is often a cloud SDK
 * dispatcher of another version; the harness prefers the one matching its apiserver.
 */
export async function resolveBinary(
  name: BinaryName,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ResolvedBinary> {
  const assets = env.KUBEBUILDER_ASSETS;
  if (assets && (await isExecutable(join(assets, name)))) {
    return { name, path: join(assets, name), source: "KUBEBUILDER_ASSETS" };
  }
  if (name !== "kubectl") {
    for (const dir of (env.PATH ?? "").split(delimiter)) {
      if (dir && (await isExecutable(join(dir, name))))
        return { name, path: join(dir, name), source: "PATH" };
    }
  }
  const cached = cachedPath(name, env);
  if (await isExecutable(cached)) return { name, path: cached, source: "cache" };
  return { name, path: cached, source: "missing" };
}

export async function resolveBinaries(
  names: readonly BinaryName[] = BINARY_NAMES,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Record<BinaryName, ResolvedBinary>> {
  const entries = await Promise.all(names.map(async (n) => [n, await resolveBinary(n, env)] as const));
  return Object.fromEntries(entries) as Record<BinaryName, ResolvedBinary>;
}

/**
 * Runs `go <args>` in a module directory, passing each output line to onLine; rejects with the
 * last 30 lines when it fails, and with `missingGo` when there is no `go` to run.
 */
export function runGo(
  args: string[],
  cwd: string,
  onLine: (line: string) => void,
  options: { env?: NodeJS.ProcessEnv; missingGo?: string } = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("go", args, {
      cwd,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, GOFLAGS: "-mod=mod", ...options.env },
    });
    const tail: string[] = [];
    const onData = (chunk: Buffer): void => {
      for (const line of chunk.toString().split("\n")) {
        if (!line) continue;
        tail.push(line);
        if (tail.length > 30) tail.shift();
        onLine(line);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("error", (err) => {
      reject(
        new Error(
          `cannot run "go": ${err.message}. ${options.missingGo ?? "Install Go (https://go.dev/dl) or point KUBEBUILDER_ASSETS at prebuilt binaries"}`,
          { cause: err },
        ),
      );
    });
    child.on("close", (code) => {
      if (code === 0) resolve();
      else reject(new Error(`"go ${args.join(" ")}" in ${cwd} exited with ${code}:\n${tail.join("\n")}`));
    });
  });
}

async function countDependencies(pkg: string, cwd: string): Promise<number> {
  let count = 0;
  await runGo(["list", "-deps", pkg], cwd, () => count++);
  return count;
}

/** One builder per machine at a time: an exclusive lock file holding the builder's pid; a dead holder's lock is taken over. */
/**
 * One builder per machine at a time (also for other Go builds of the repo, e.g. the bench's
 * reference operator): a lock file created exclusively, holding the builder's pid; a dead holder's
 * lock is taken over.
 */
export async function withBuildLock<T>(dir: string, progress: Progress, fn: () => Promise<T>): Promise<T> {
  await mkdir(dir, { recursive: true });
  const lockPath = join(dir, "build.lock");
  let announced = false;
  for (;;) {
    try {
      const handle = await open(lockPath, "wx");
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = Number((await readFile(lockPath, "utf8").catch(() => "")).trim());
      if (!holder || !isAlive(holder)) {
        await rm(lockPath, { force: true });
        continue;
      }
      if (!announced) progress(`waiting for another build (pid ${holder}) to finish`);
      announced = true;
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lockPath, { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Builds one binary from its wrapper module into the cache, printing `[name] compiled k/n packages` as it goes. */
async function buildBinary(name: BinaryName, env: NodeJS.ProcessEnv, progress: Progress): Promise<string> {
  const recipe = BUILD_RECIPES[name];
  const target = cachedPath(name, env);
  const cwd = join(GO_MODULES_DIR, recipe.module);
  progress(`[${name}] building ${recipe.pkg}@${recipe.version} (first time on this machine; takes minutes)`);
  const started = Date.now();
  const total = await countDependencies(recipe.pkg, cwd);
  let done = 0;
  let lastReport = 0;
  await mkdir(dirname(target), { recursive: true });
  const partial = `${target}.partial-${process.pid}`;
  await runGo(
    ["build", "-v", "-trimpath", "-ldflags", recipe.ldflags, "-o", partial, recipe.pkg],
    cwd,
    () => {
      done++;
      const now = Date.now();
      if (now - lastReport > 5000) {
        lastReport = now;
        progress(`[${name}] compiled ${Math.min(done, total)}/${total} packages`);
      }
    },
  );
  await rename(partial, target);
  progress(`[${name}] built in ${Math.round((Date.now() - started) / 1000)} s → ${target}`);
  return target;
}

/** Resolves every requested binary, building the missing ones from Go modules (under a machine-wide lock). */
export async function ensureBinaries(
  names: readonly BinaryName[],
  options: { env?: NodeJS.ProcessEnv; progress?: Progress } = {},
): Promise<Record<BinaryName, string>> {
  const env = options.env ?? process.env;
  const progress = options.progress ?? ((line: string) => process.stderr.write(`testenv: ${line}\n`));
  let resolved = await resolveBinaries(names, env);
  const missing = names.filter((n) => resolved[n].source === "missing");
  if (missing.length > 0) {
    await withBuildLock(cacheDir(env), progress, async () => {
      // Another process may have built them while we waited for the lock.
      resolved = await resolveBinaries(names, env);
      for (const name of names) {
        if (resolved[name].source === "missing") await buildBinary(name, env, progress);
      }
    });
    resolved = await resolveBinaries(names, env);
  }
  return Object.fromEntries(names.map((n) => [n, resolved[n].path])) as Record<BinaryName, string>;
}
