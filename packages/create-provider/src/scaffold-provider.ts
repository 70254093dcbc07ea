import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { basename, dirname, join, relative, resolve } from "node:path";
import validatePackageName from "validate-npm-package-name";

const TEMPLATE_DIR = join(import.meta.dirname, "..", "template");

/** npm drops dotfiles such as .gitignore from tarballs; the template stores them as `_name`. */
const RENAMED: Readonly<Record<string, string>> = {
  _gitignore: ".gitignore",
  _dockerignore: ".dockerignore",
  _github: ".github",
  "_tsconfig.json": "tsconfig.json",
};

/** The GitHub Action of this repository that the scaffold's release workflow deploys with. */
export const DEFAULT_ACTION_REF = "openmcp-project/provider-deployer-ts@v1";

export interface ScaffoldOptions {
  /** Directory to create; it must not exist or be empty. */
  dir: string;
  /** npm package name; the directory's name when absent. */
  name?: string;
  /** Version range of the @openmcp-ts packages the provider depends on. */
  openmcpVersion: string;
  /** `owner/repo@ref` of the deploy action; DEFAULT_ACTION_REF when absent. */
  actionRef?: string;
}

export interface ScaffoldResult {
  dir: string;
  name: string;
  /** The provider's Kubernetes name (ServiceProvider metadata.name, image name). */
  providerName: string;
  /** Paths written, relative to dir, sorted. */
  files: string[];
}

/** A refusal caused by the input (exit code 2 in the CLI); nothing was written. */
export class ScaffoldInputError extends Error {
  override name = "ScaffoldInputError";
}

/** The unscoped package name as a DNS label: what the ServiceProvider and its image are called. */
export function providerNameFor(packageName: string): string {
  const unscoped = packageName.replace(/^@[^/]+\//, "");
  const label = unscoped
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63)
    .replace(/-+$/, "");
  return label || "provider";
}

function packageJson(name: string, openmcpVersion: string): string {
  const pkg = {
    name,
    version: "0.1.0",
    private: true,
    type: "module",
    engines: { node: ">=24" },
    scripts: {
      start: "node src/main.ts",
      typecheck: "tsc --noEmit",
      test: "tsc --noEmit && node --test --test-reporter=spec 'src/**/*.test.ts'",
    },
    dependencies: {
      "@openmcp-ts/contract": openmcpVersion,
      "@openmcp-ts/kube": openmcpVersion,
      "@openmcp-ts/provider-sdk": openmcpVersion,
    },
    devDependencies: {
      "@openmcp-ts/testenv": openmcpVersion,
      "@types/node": "^24.0.0",
      esbuild: "^0.28.0",
      typescript: "^5.9.0",
    },
  };
  return JSON.stringify(pkg, null, 2) + "\n";
}

async function templateFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(TEMPLATE_DIR, join(e.parentPath, e.name)))
    .sort();
}

function targetPath(templatePath: string): string {
  return templatePath
    .split("/")
    .map((part) => RENAMED[part] ?? part)
    .join("/");
}

async function isEmptyOrMissing(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return true;
    throw err;
  }
}

/**
 * Writes a new provider repository into `dir`: package.json on the published @openmcp-ts packages,
 * src/ with defineProvider and a test on the real control plane, a Dockerfile, a release workflow.
 * Refuses (ScaffoldInputError, nothing written) an invalid package name or a non-empty directory;
 * files are created exclusively, so an existing file is never overwritten.
 */
export async function scaffoldProvider(options: ScaffoldOptions): Promise<ScaffoldResult> {
  const dir = resolve(options.dir);
  const name = options.name ?? basename(dir);
  const validity = validatePackageName(name);
  if (!validity.validForNewPackages) {
    const why = [...(validity.errors ?? []), ...(validity.warnings ?? [])].join("; ");
    throw new ScaffoldInputError(`cannot create provider "${name}": not a valid npm package name (${why})`);
  }
  if (!(await isEmptyOrMissing(dir))) {
    throw new ScaffoldInputError(
      `cannot create provider in ${dir}: the directory exists and is not empty (nothing was written)`,
    );
  }
  const providerName = providerNameFor(name);
  const values: Record<string, string> = {
    name,
    providerName,
    group: `${providerName}.services.openmcp.cloud`,
    actionRef: options.actionRef ?? DEFAULT_ACTION_REF,
  };
  const outputs = new Map<string, string>([["package.json", packageJson(name, options.openmcpVersion)]]);
  for (const file of await templateFiles(TEMPLATE_DIR)) {
    const text = await readFile(join(TEMPLATE_DIR, file), "utf8");
    outputs.set(
      targetPath(file),
      text.replace(/__([a-zA-Z]+)__/g, (match, key: string) => values[key] ?? match),
    );
  }
  for (const [file, text] of outputs) {
    const path = join(dir, file);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text, { flag: "wx", mode: file === "src/main.ts" ? 0o755 : 0o644 });
  }
  return { dir, name, providerName, files: [...outputs.keys()].sort() };
}
