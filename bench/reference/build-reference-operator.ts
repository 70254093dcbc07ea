// Builds the reference openMCP operator (Go, github.com/openmcp-project/openmcp-operator) for running it
// out-of-cluster next to ours, or finds an already built one.
// Run: pnpm exec tsx bench/reference/build-reference-operator.ts   (prints the binary's path on stdout)
// Lookup order: $REFERENCE_OPERATOR (path to a binary), then the testenv cache
// (<cache>/openmcp-operator-<version>/openmcp-operator), else `go build` in bench/reference/go.
import { constants as fsConstants } from "node:fs";
import { access, mkdir, readFile, rename, rm, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { cacheDir, runGo, withBuildLock } from "@openmcp-ts/testenv";

export const REFERENCE_MODULE = "github.com/openmcp-project/openmcp-operator";
export const REFERENCE_PACKAGE = `${REFERENCE_MODULE}/cmd/openmcp-operator`;
const BINARY_NAME = "openmcp-operator";
const GO_MODULE_DIR: string = join(dirname(fileURLToPath(import.meta.url)), "go");

export type Progress = (line: string) => void;

export interface ReferenceOperatorOptions {
  env?: NodeJS.ProcessEnv;
  progress?: Progress;
}

const defaultProgress: Progress = (line: string): void => {
  process.stderr.write(`reference: ${line}\n`);
};

/** The pinned release: the version of the operator module required in bench/reference/go/go.mod. */
export async function referenceOperatorVersion(): Promise<string> {
  const goMod: string = await readFile(join(GO_MODULE_DIR, "go.mod"), "utf8");
  const escaped: string = REFERENCE_MODULE.replaceAll(".", "\\.");
  const match: RegExpMatchArray | null = new RegExp(`^\\s*${escaped}\\s+(v\\S+)`, "m").exec(goMod);
  if (!match?.[1]) throw new Error(`no "require ${REFERENCE_MODULE} <version>" in ${GO_MODULE_DIR}/go.mod`);
  return match[1];
}

/** Where the built binary lives: next to testenv's binaries, keyed by version. */
export function referenceOperatorCachePath(version: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheDir(env), `${BINARY_NAME}-${version}`, BINARY_NAME);
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
 * The path of a runnable reference operator: `$REFERENCE_OPERATOR` if set (it must be executable),
 * else the cached build of the pinned version, else a fresh `go build` into the cache (minutes).
 */
export async function referenceOperatorBinary(options: ReferenceOperatorOptions = {}): Promise<string> {
  const env: NodeJS.ProcessEnv = options.env ?? process.env;
  const progress: Progress = options.progress ?? defaultProgress;
  const override: string | undefined = env.REFERENCE_OPERATOR;
  if (override) {
    const path: string = resolve(override);
    if (!(await isExecutable(path))) {
      throw new Error(`REFERENCE_OPERATOR=${override}: not an executable file`);
    }
    return path;
  }
  const version: string = await referenceOperatorVersion();
  const target: string = referenceOperatorCachePath(version, env);
  if (await isExecutable(target)) return target;
  return withBuildLock(cacheDir(env), progress, async (): Promise<string> => {
    // Another process may have built it while we waited for the lock.
    if (await isExecutable(target)) return target;
    return build(version, target, env, progress);
  });
}

async function run(args: string[], env: NodeJS.ProcessEnv, onLine: (line: string) => void): Promise<void> {
  try {
    await runGo(args, GO_MODULE_DIR, onLine, {
      env: {
        ...env,
        // The operator's go.mod asks for a newer Go than may be installed; let go fetch that
        // toolchain from the module proxy unless the caller chose a policy.
        GOTOOLCHAIN: env.GOTOOLCHAIN ?? "auto",
      },
      missingGo: "Install Go (https://go.dev/dl) or set REFERENCE_OPERATOR to a prebuilt binary",
    });
  } catch (err) {
    const text = (err as Error).message;
    if (!/403 Forbidden|not available|Could not resolve host/.test(text)) throw err;
    throw new Error(
      `${text}\nThe module proxy does not serve ${REFERENCE_MODULE} from here; build it on a machine ` +
        `that can and point REFERENCE_OPERATOR at the binary (see bench/reference/README.md).`,
      { cause: err },
    );
  }
}

async function build(
  version: string,
  target: string,
  env: NodeJS.ProcessEnv,
  progress: Progress,
): Promise<string> {
  progress(
    `[${BINARY_NAME}] building ${REFERENCE_PACKAGE}@${version} (first time on this machine; takes minutes)`,
  );
  const started: number = Date.now();
  let total: number = 0;
  await run(["list", "-deps", REFERENCE_PACKAGE], env, () => total++);
  let done: number = 0;
  let lastReport: number = 0;
  await mkdir(dirname(target), { recursive: true });
  const partial: string = `${target}.partial-${process.pid}`;
  try {
    await run(
      ["build", "-v", "-trimpath", "-ldflags", "-s -w", "-o", partial, REFERENCE_PACKAGE],
      env,
      () => {
        done++;
        const now: number = Date.now();
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

const invokedDirectly: boolean =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;

if (invokedDirectly) {
  referenceOperatorBinary().then(
    (path: string) => {
      process.stdout.write(`${path}\n`);
    },
    (err: unknown) => {
      process.stderr.write(`reference: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
