// Builds the reference openMCP operator (Go, github.com/openmcp-project/openmcp-operator v1.3.0) for
// running it out of cluster next to ours (bench, parity and takeover tests), or finds a built one.
// Run: pnpm exec tsx bench/reference/build-reference-operator.ts   (prints the binary's path on stdout)
//
// Lookup order: $REFERENCE_OPERATOR (a binary), the testenv cache
// (<cache>/openmcp-operator-v1.3.0/openmcp-operator), else a build under testenv's machine-wide lock:
// from the source archives in $OPENMCP_REFERENCE_SOURCE (default ../shared/reference next to the
// repository) when they are there, else from the Go module proxy through the wrapper module in go/.
import { execFile } from "node:child_process";
import { constants as fsConstants } from "node:fs";
import { access, mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { cacheDir, runGo, withBuildLock } from "@openmcp-ts/testenv";

export const REFERENCE_MODULE = "github.com/openmcp-project/openmcp-operator";
export const REFERENCE_VERSION = "v1.3.0";
const CONTROLLER_UTILS = "github.com/openmcp-project/controller-utils";
const CONTROLLER_UTILS_VERSION = "v0.31.0";
/** The reference's Lease (controller-runtime leader election ID) in its system namespace. */
export { REFERENCE_LEASE as REFERENCE_LEASE_NAME } from "@openmcp-ts/operator";
const BINARY_NAME = "openmcp-operator";
const HERE = dirname(fileURLToPath(import.meta.url));
const GO_MODULE_DIR = join(HERE, "go");
const REPO_ROOT = resolve(HERE, "..", "..");

export type Progress = (line: string) => void;

export interface ReferenceOperatorOptions {
  env?: NodeJS.ProcessEnv;
  progress?: Progress;
}

const defaultProgress: Progress = (line) => {
  process.stderr.write(`reference: ${line}\n`);
};

/** Where the built binary and the unpacked sources live: next to testenv's binaries, keyed by version. */
export function referenceCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheDir(env), `${BINARY_NAME}-${REFERENCE_VERSION}`);
}

export function referenceOperatorCachePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(referenceCacheDir(env), BINARY_NAME);
}

/** The directory holding `openmcp-operator-v1.3.0.tar.gz` and `controller-utils-v0.31.0.tar.gz`. */
export function referenceSourceArchives(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.OPENMCP_REFERENCE_SOURCE ?? join(REPO_ROOT, "..", "shared", "reference"));
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, fsConstants.X_OK);
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * The path of a runnable reference operator: `$REFERENCE_OPERATOR` if set (it must be executable),
 * else the cached build, else a fresh build into the cache (minutes; seconds with a warm Go cache).
 */
export async function referenceOperatorBinary(options: ReferenceOperatorOptions = {}): Promise<string> {
  const env = options.env ?? process.env;
  const progress = options.progress ?? defaultProgress;
  const override = env.REFERENCE_OPERATOR;
  if (override) {
    const path = resolve(override);
    if (!(await isExecutable(path)))
      throw new Error(`REFERENCE_OPERATOR=${override}: not an executable file`);
    return path;
  }
  const target = referenceOperatorCachePath(env);
  if (await isExecutable(target)) return target;
  return withBuildLock(cacheDir(env), progress, async () => {
    // Another process may have built it while we waited for the lock.
    if (await isExecutable(target)) return target;
    const sources = await unpackedSources(env, progress).catch((err: unknown) => {
      progress(`[${BINARY_NAME}] no source archives (${(err as Error).message}); using the Go module proxy`);
      return undefined;
    });
    const moduleDir = sources ?? GO_MODULE_DIR;
    const pkg = sources ? "./cmd/openmcp-operator" : `${REFERENCE_MODULE}/cmd/openmcp-operator`;
    return build(moduleDir, pkg, target, env, progress);
  });
}

/**
 * The reference's source tree, unpacked once from the archives into the cache, with controller-utils
 * pointed at its local copy (the only change; the proxy refuses github.com/openmcp-project/* here).
 * Throws when the archives are not there.
 */
export async function unpackedSources(
  env: NodeJS.ProcessEnv = process.env,
  progress: Progress = defaultProgress,
): Promise<string> {
  const archives = referenceSourceArchives(env);
  const operatorArchive = join(archives, `openmcp-operator-${REFERENCE_VERSION}.tar.gz`);
  const utilsArchive = join(archives, `controller-utils-${CONTROLLER_UTILS_VERSION}.tar.gz`);
  const srcRoot = join(referenceCacheDir(env), "src");
  const operatorDir = join(srcRoot, `openmcp-operator-${REFERENCE_VERSION}`);
  const utilsDir = join(srcRoot, `controller-utils-${CONTROLLER_UTILS_VERSION}`);
  const marker = join(srcRoot, ".unpacked");
  if (await exists(marker)) return operatorDir;
  for (const archive of [operatorArchive, utilsArchive]) {
    if (!(await exists(archive))) throw new Error(`${archive} does not exist`);
  }
  progress(`[${BINARY_NAME}] unpacking ${operatorArchive} and ${utilsArchive}`);
  await rm(srcRoot, { recursive: true, force: true });
  await mkdir(srcRoot, { recursive: true });
  const run = promisify(execFile);
  for (const archive of [operatorArchive, utilsArchive]) await run("tar", ["-xzf", archive, "-C", srcRoot]);
  for (const mod of [operatorDir, join(operatorDir, "api"), join(operatorDir, "lib")]) {
    await runGo(
      [
        "mod",
        "edit",
        `-replace=${CONTROLLER_UTILS}=${utilsDir}`,
        `-replace=${CONTROLLER_UTILS}/api=${join(utilsDir, "api")}`,
      ],
      mod,
      () => undefined,
    );
  }
  await mkdir(dirname(marker), { recursive: true });
  await writeFile(marker, `${REFERENCE_VERSION}\n`);
  return operatorDir;
}

/** The reference's own platform CRDs (`api/crds/manifests`, label `openmcp.cloud/cluster: platform`), as YAML texts. */
export async function referenceCrdManifests(env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const dir = join(await unpackedSources(env), "api", "crds", "manifests");
  const files = (await readdir(dir)).filter((f) => f.endsWith(".yaml")).sort();
  const texts = await Promise.all(files.map((f) => readFile(join(dir, f), "utf8")));
  return texts.filter((t) => /openmcp\.cloud\/cluster:\s*platform/.test(t));
}

async function runGoExplained(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  onLine: (line: string) => void,
): Promise<void> {
  try {
    await runGo(args, cwd, onLine, {
      env,
      missingGo: "Install Go (https://go.dev/dl) or set REFERENCE_OPERATOR to a prebuilt binary",
    });
  } catch (err) {
    const text = (err as Error).message;
    if (!/403 Forbidden|not available|Could not resolve host/.test(text)) throw err;
    throw new Error(
      `${text}\nThe module proxy does not serve ${REFERENCE_MODULE} from here: put the source archives in ` +
        `${referenceSourceArchives(env)} (or OPENMCP_REFERENCE_SOURCE), or point REFERENCE_OPERATOR at a binary.`,
      { cause: err },
    );
  }
}

async function build(
  moduleDir: string,
  pkg: string,
  target: string,
  env: NodeJS.ProcessEnv,
  progress: Progress,
): Promise<string> {
  progress(
    `[${BINARY_NAME}] building ${REFERENCE_MODULE}@${REFERENCE_VERSION} in ${moduleDir} (first time on this machine; takes minutes)`,
  );
  const started = Date.now();
  let total = 0;
  await runGoExplained(["list", "-deps", pkg], moduleDir, env, () => total++);
  let done = 0;
  let lastReport = 0;
  await mkdir(dirname(target), { recursive: true });
  const partial = `${target}.partial-${process.pid}`;
  try {
    await runGoExplained(
      ["build", "-v", "-trimpath", "-ldflags", "-s -w", "-o", partial, pkg],
      moduleDir,
      env,
      () => {
        done++;
        const now = Date.now();
        if (now - lastReport > 5000) {
          lastReport = now;
          progress(`[${BINARY_NAME}] compiled ${Math.min(done, total)}/${total} packages`);
        }
      },
    );
    await rename(partial, target);
  } finally {
    await rm(partial, { force: true });
  }
  progress(`[${BINARY_NAME}] built in ${Math.round((Date.now() - started) / 1000)} s → ${target}`);
  return target;
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;

if (invokedDirectly) {
  referenceOperatorBinary().then(
    (path) => {
      process.stdout.write(`${path}\n`);
    },
    (err: unknown) => {
      process.stderr.write(`reference: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
