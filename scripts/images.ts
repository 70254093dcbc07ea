/**
 * Builds the operator image (`Dockerfile`) and the example provider's image
 * (`examples/service-provider-example/Dockerfile`) with buildah, and runs what was built.
 *
 * No Docker engine and no registry for base images here, and no container runtime either: crun and
 * runc fail without CAP_SYS_RESOURCE (`setrlimit RLIMIT_NOFILE: Operation not permitted`). So:
 *   - the base comes in through the Dockerfiles' `NODE_IMAGE` build argument as a local image made
 *     from what this machine reaches (a Debian minbase rootfs from mmdebstrap, the Node 24 binary of
 *     the pinned `node` npm package, corepack and npm from the registry, laid out as node:24-slim);
 *     it is tagged with a hash of those inputs, so buildah's storage is the cache;
 *   - builds use `buildah bud --isolation chroot`, which runs RUN steps without a runtime;
 *   - images run with `buildah run --isolation chroot`: the image's entrypoint, env and numeric user,
 *     in its own rootfs, on the host's network.
 *
 * Usage: node scripts/images.ts [build]   (pnpm images) — progress on stderr, tags on stdout.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));

export type Progress = (line: string) => void;
const stderrProgress: Progress = (line) => void process.stderr.write(`images: ${line}\n`);

/** What the local base is made of; every field goes into its tag. */
export const BASE = {
  repository: "localhost/openmcp-node-base",
  suite: "bookworm",
  mirror: "http://deb.debian.org/debian",
  corepack: "0.36.0",
  npm: "11.21.2",
  /** Bump when the recipe below changes. */
  recipe: 1,
} as const;

export const IMAGES = {
  operator: { dockerfile: "Dockerfile", tag: "localhost/openmcp-operator-ts:dev" },
  example: {
    dockerfile: "examples/service-provider-example/Dockerfile",
    tag: "localhost/service-provider-example:dev",
  },
} as const;

/** Files the Dockerfiles' final stage says it removes ("node alone"). */
export const REMOVED_FROM_FINAL = [
  "/usr/local/lib/node_modules",
  "/usr/local/bin/npm",
  "/usr/local/bin/npx",
  "/usr/local/bin/corepack",
  "/usr/local/bin/yarn",
  "/usr/local/bin/yarnpkg",
];

/** A failed step (a Dockerfile instruction, mmdebstrap, the entrypoint, a check) and its output. */
export class ImageError extends Error {
  readonly step: string | undefined;
  readonly output: string;
  constructor(message: string, step: string | undefined, output: string) {
    super(message);
    this.name = "ImageError";
    this.step = step;
    this.output = output;
  }
}

interface Result {
  code: number | null;
  output: string;
}

/** Runs a command, streaming each output line to progress; resolves with all of it. */
function run(cmd: string, args: string[], progress?: Progress, cwd = ROOT): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    let partial = "";
    const onData = (d: Buffer): void => {
      const text = d.toString();
      output += text;
      if (!progress) return;
      const lines = (partial + text).split("\n");
      partial = lines.pop() ?? "";
      for (const l of lines) if (l.trim()) progress(l);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("error", (err) => reject(new Error(`cannot run ${cmd}: ${err.message}`, { cause: err })));
    child.on("close", (code) => {
      if (progress && partial.trim()) progress(partial);
      resolve({ code, output });
    });
  });
}

async function buildah(args: string[], what: string, progress?: Progress): Promise<string> {
  const r = await run("buildah", args, progress);
  if (r.code !== 0)
    throw new ImageError(`cannot ${what}: buildah exited with ${r.code}`, undefined, tail(r.output));
  return r.output.trim();
}

const tail = (s: string, lines = 40): string => s.trimEnd().split("\n").slice(-lines).join("\n");

export async function imageExists(ref: string): Promise<boolean> {
  return (await run("buildah", ["inspect", "--type", "image", ref])).code === 0;
}

/** Checks the tools are there; as root with apt-get, installs what is missing (as .ci/run does). */
export async function ensureTools(progress: Progress = stderrProgress): Promise<void> {
  const missing = ["buildah", "mmdebstrap"].filter(
    (t) => spawnSync("sh", ["-c", `command -v ${t}`]).status !== 0,
  );
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0 || spawnSync("sh", ["-c", "command -v apt-get"]).status !== 0)
    throw new Error(
      `cannot build images: ${missing.join(" and ")} missing (apt-get install ${missing.join(" ")})`,
    );
  progress(`installing ${missing.join(" ")} with apt-get`);
  for (const args of [
    ["update", "-qq"],
    ["install", "-y", "-qq", ...missing],
  ]) {
    const r = await run("apt-get", args, progress);
    if (r.code !== 0)
      throw new Error(`cannot install ${missing.join(" ")}: apt-get ${args[0]} failed\n${tail(r.output)}`);
  }
}

/** The Node 24 distribution that the pinned `node` npm package installed. */
function nodeBinary(): { path: string; version: string } {
  // The package's bin/node is the binary itself once installed (its arch-specific helper package
  // is not always left in node_modules: pnpm may restore the package from its side-effects cache).
  const dir = join(ROOT, "node_modules", "node");
  const version = (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string })
    .version;
  return { path: join(dir, "bin", "node"), version };
}

/** The local stand-in for node:24-slim, built once per set of inputs. Returns its tag. */
export async function ensureBaseImage(progress: Progress = stderrProgress): Promise<string> {
  const node = nodeBinary();
  const hash = createHash("sha256")
    .update(JSON.stringify(BASE))
    .update(readFileSync(node.path))
    .digest("hex")
    .slice(0, 12);
  const tag = `${BASE.repository}:${node.version}-${hash}`;
  if (await imageExists(tag)) {
    progress(`base ${tag} is cached`);
    return tag;
  }
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), "openmcp-base-"));
  let container: string | undefined;
  try {
    progress(`base: mmdebstrap ${BASE.suite} (minbase, no docs, man pages or locales, like -slim)`);
    const rootfs = join(dir, "rootfs.tar");
    const deb = await run(
      "mmdebstrap",
      [
        "--variant=minbase",
        "--mode=root",
        "--dpkgopt=path-exclude=/usr/share/doc/*",
        "--dpkgopt=path-exclude=/usr/share/man/*",
        "--dpkgopt=path-exclude=/usr/share/locale/*",
        "--dpkgopt=path-exclude=/usr/share/info/*",
        BASE.suite,
        rootfs,
        BASE.mirror,
      ],
      progress,
    );
    if (deb.code !== 0)
      throw new ImageError("cannot build the base image: mmdebstrap failed", "mmdebstrap", tail(deb.output));
    progress(`base: corepack@${BASE.corepack} and npm@${BASE.npm} from the registry`);
    const nm = join(dir, "node_modules");
    for (const name of ["corepack", "npm"] as const) {
      const packed = await run(
        "npm",
        ["pack", "--silent", `${name}@${BASE[name]}`, "--pack-destination", dir],
        progress,
      );
      if (packed.code !== 0)
        throw new ImageError(`cannot fetch ${name}@${BASE[name]}`, "npm pack", tail(packed.output));
      const tgz = readdirSync(dir).find((f) => f.startsWith(`${name}-`) && f.endsWith(".tgz"))!;
      const out = join(nm, name);
      spawnSync("mkdir", ["-p", out]);
      const untar = spawnSync("tar", ["xzf", join(dir, tgz), "-C", out, "--strip-components=1"], {
        encoding: "utf8",
      });
      if (untar.status !== 0) throw new ImageError(`cannot unpack ${tgz}`, "tar", untar.stderr);
    }
    container = await buildah(["from", "scratch"], "create the base container");
    await buildah(["add", "--quiet", container, rootfs, "/"], "add the rootfs");
    await buildah(
      ["copy", "--quiet", "--chmod", "0755", container, node.path, "/usr/local/bin/node"],
      "add node",
    );
    await buildah(["copy", "--quiet", container, nm, "/usr/local/lib/node_modules"], "add corepack and npm");
    await buildah(
      [
        "run",
        "--isolation",
        "chroot",
        container,
        "--",
        "sh",
        "-ec",
        "cd /usr/local/bin && ln -s ../lib/node_modules/corepack/dist/corepack.js corepack" +
          " && ln -s ../lib/node_modules/npm/bin/npm-cli.js npm && ln -s ../lib/node_modules/npm/bin/npx-cli.js npx" +
          " && node --version && corepack --version && npm --version",
      ],
      "check node, corepack and npm in the base",
      progress,
    );
    await buildah(
      [
        "config",
        "--env",
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "--env",
        `NODE_VERSION=${node.version}`,
        "--cmd",
        "node",
        container,
      ],
      "configure the base",
    );
    await buildah(["commit", "--quiet", "--rm", container, tag], "commit the base");
    container = undefined;
    progress(`base ${tag} built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return tag;
  } finally {
    if (container) await run("buildah", ["rm", container]);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Build arguments this machine needs to reach the registry (none on an ordinary builder). */
async function networkBuildArgs(progress: Progress): Promise<string[]> {
  const args: string[] = [];
  const ca = process.env.NODE_EXTRA_CA_CERTS;
  if (ca && existsSync(ca)) {
    args.push(
      "--volume",
      `${ca}:/run/builder-ca.crt:ro`,
      "--build-arg",
      "NODE_EXTRA_CA_CERTS=/run/builder-ca.crt",
    );
  }
  // corepack verifies pnpm's npm signatures; a registry mirror that strips them makes it fail.
  const pnpm = (
    JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { packageManager: string }
  ).packageManager.replace("@", "/");
  const registry = (process.env.npm_config_registry ?? "https://registry.npmjs.org/").replace(/\/*$/, "/");
  try {
    const meta = (await (await fetch(`${registry}${pnpm}`)).json()) as { dist?: { signatures?: unknown[] } };
    if (!meta.dist?.signatures?.length) {
      progress(
        `the registry serves ${pnpm} without npm signatures: corepack verification off for this build`,
      );
      args.push("--build-arg", "COREPACK_INTEGRITY_KEYS=0");
    }
  } catch (err) {
    progress(`cannot read ${registry}${pnpm} (${(err as Error).message}); corepack will say more`);
  }
  return args;
}

export interface BuildOptions {
  dockerfile: string;
  tag: string;
  /** The NODE_IMAGE build argument. */
  base: string;
  /** Build context; the repository root by default. */
  context?: string;
  progress?: Progress;
}

/**
 * `buildah bud --isolation chroot` of one Dockerfile. The tag is set only after the whole build
 * succeeded; on failure it is removed (so no name points at a build of other sources) and the
 * error names the failed step with its output.
 */
export async function buildImage(o: BuildOptions): Promise<{ id: string; seconds: number }> {
  const progress = o.progress ?? stderrProgress;
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), "openmcp-build-"));
  const iidfile = join(dir, "iid");
  try {
    const args = [
      "bud",
      "--isolation",
      "chroot",
      "--layers",
      // Also after a failed step: no build container is left behind.
      "--force-rm",
      "--iidfile",
      iidfile,
      "--build-arg",
      `NODE_IMAGE=${o.base}`,
      ...(await networkBuildArgs(progress)),
      "-f",
      join(o.context ?? ROOT, o.dockerfile),
      o.context ?? ROOT,
    ];
    progress(`building ${o.tag} from ${o.dockerfile}`);
    const r = await run("buildah", args, progress);
    if (r.code !== 0 || !existsSync(iidfile)) {
      await run("buildah", ["rmi", o.tag]);
      const steps = [...r.output.matchAll(/^(?:\[\d+\/\d+\] )?STEP \d+\/\d+: (.*)$/gm)].map((m) => m[1]!);
      const failed = /^Error: building at STEP "(.*)": /m.exec(r.output)?.[1] ?? steps.at(-1);
      throw new ImageError(
        `cannot build ${o.tag} from ${o.dockerfile}: step ${failed ? `"${failed}"` : "(none reached)"} failed; its output:\n${tail(r.output)}`,
        failed,
        tail(r.output),
      );
    }
    const id = readFileSync(iidfile, "utf8").trim();
    await buildah(["tag", id, o.tag], `tag ${o.tag}`);
    const seconds = (Date.now() - started) / 1000;
    progress(`built ${o.tag} (${id.slice(0, 19)}) in ${seconds.toFixed(1)} s`);
    return { id, seconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Builds the base (if not cached) and both images. */
export async function buildAll(
  progress: Progress = stderrProgress,
): Promise<{ base: string; seconds: number }> {
  const started = Date.now();
  await ensureTools(progress);
  const base = await ensureBaseImage(progress);
  for (const image of Object.values(IMAGES)) await buildImage({ ...image, base, progress });
  return { base, seconds: (Date.now() - started) / 1000 };
}

export interface ImageConfig {
  User?: string;
  Env?: string[];
  Entrypoint?: string[];
  Cmd?: string[];
  WorkingDir?: string;
}

export async function imageConfig(ref: string): Promise<ImageConfig> {
  const out = await buildah(["inspect", "--type", "image", ref], `inspect ${ref}`);
  return (JSON.parse(out) as { OCIv1: { config: ImageConfig } }).OCIv1.config;
}

/** The image's size as buildah reports it (uncompressed layers, e.g. "270 MB"). */
export async function imageSize(ref: string): Promise<string> {
  const out = await buildah(["images", "--json", ref], `list ${ref}`);
  return (JSON.parse(out) as { size: string }[])[0]!.size;
}

export interface ImageFile {
  path: string;
  size: number;
  mode: number;
}

/** Every file of the image's rootfs (`buildah mount` of a fresh container), with its size. */
export async function listImageFiles(ref: string): Promise<ImageFile[]> {
  const container = await buildah(["from", "--pull-never", "--quiet", ref], `create a container of ${ref}`);
  try {
    const mount = await buildah(["mount", container], `mount ${ref}`);
    const files: ImageFile[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(join(mount, dir))) {
        const rel = join(dir, name);
        const st = lstatSync(join(mount, rel));
        files.push({ path: rel, size: st.isFile() ? st.size : 0, mode: st.mode });
        if (st.isDirectory()) walk(rel);
      }
    };
    walk("/");
    return files;
  } finally {
    await run("buildah", ["rm", container]);
  }
}

export interface RunOptions {
  args: string[];
  env?: Record<string, string>;
  /** `uid:gid`; the image's USER when absent. */
  user?: string;
  /**
   * host directory → directory in the container, copied into the fresh container before it starts
   * (as the kubelet projects a volume). Not `--volume`: buildah's chroot isolation does not mount a
   * volume whose path goes through a symlink, and /var/run is one (→ /run).
   */
  files?: Record<string, string>;
}

export interface RunningImage {
  child: ChildProcess;
  container: string;
  exited: Promise<number | null>;
  output(): string;
  /** The entrypoint's process (below buildah and its chroot helpers), once it runs. */
  pid(): number | undefined;
  /** SIGTERM to the entrypoint's process itself, as a kubelet stops a container. */
  terminate(): void;
}

/**
 * Runs the image's entrypoint with `args` (what a pod's `args` replace: the image's CMD), the
 * image's env plus `env`, as its user, in a fresh container's rootfs with chroot isolation.
 */
export async function runImage(ref: string, o: RunOptions): Promise<RunningImage> {
  const config = await imageConfig(ref);
  const container = await buildah(["from", "--pull-never", "--quiet", ref], `create a container of ${ref}`);
  const flags = ["run", "--isolation", "chroot", ...(o.user ? ["--user", o.user] : [])];
  for (const [host, path] of Object.entries(o.files ?? {}))
    await buildah(["copy", "--quiet", container, host, path], `copy ${host} into ${ref}`);
  for (const [k, v] of Object.entries(o.env ?? {})) flags.push("--env", `${k}=${v}`);
  const child = spawn("buildah", [...flags, container, "--", ...(config.Entrypoint ?? []), ...o.args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.on("close", (code) => {
      spawnSync("buildah", ["rm", container]);
      resolve(code);
    }),
  );
  const command = [...(config.Entrypoint ?? []), ...o.args];
  // buildah resolves the program on PATH (node → /usr/local/bin/node); the arguments stay as given.
  const isEntrypoint = (argv: string[]): boolean =>
    argv.length === command.length &&
    basename(argv[0] ?? "") === basename(command[0] ?? "") &&
    argv.slice(1).every((a, i) => a === command[i + 1]);
  const entrypointPid = (): number | undefined => {
    // buildah → its chroot helper(s) → the entrypoint: the descendant whose command line it is.
    const queue = child.pid ? readChildren(child.pid) : [];
    while (queue.length > 0) {
      const pid = queue.shift()!;
      if (isEntrypoint(readProc(pid, "cmdline").replace(/\0$/, "").split("\0"))) return pid;
      queue.push(...readChildren(pid));
    }
    return undefined;
  };
  return {
    child,
    container,
    exited,
    output: () => output,
    pid: entrypointPid,
    terminate: () => {
      const pid = entrypointPid();
      if (pid) process.kill(pid, "SIGTERM");
      else child.kill("SIGTERM");
    },
  };
}

function readProc(pid: number, file: string): string {
  try {
    return readFileSync(`/proc/${pid}/${file}`, "utf8");
  } catch {
    return "";
  }
}

/** Children of every thread (Go forks from any thread, and each task lists only its own). */
function readChildren(pid: number): number[] {
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  return tasks.flatMap((t) =>
    readProc(pid, `task/${t}/children`).trim().split(/\s+/).filter(Boolean).map(Number),
  );
}

/** Runs to completion; fails with the output when the entrypoint exits non-zero. */
export async function runImageToEnd(ref: string, o: RunOptions, timeoutMs = 60_000): Promise<string> {
  const r = await runImage(ref, o);
  const timer = setTimeout(() => r.child.kill("SIGKILL"), timeoutMs);
  const code = await r.exited.finally(() => clearTimeout(timer));
  if (code !== 0)
    throw new ImageError(
      `cannot run ${ref} ${o.args.join(" ")}: the entrypoint exited with ${code}; its output:\n${tail(r.output())}`,
      "entrypoint",
      tail(r.output()),
    );
  return r.output();
}

export interface SmokeReport {
  ref: string;
  user: string;
  entrypoint: string[];
  size: string;
  /** Regular files and their total bytes. */
  files: number;
  bytes: number;
  help: string;
}

/**
 * What a user checks first: a numeric non-root user, an entrypoint that answers `--help`, and none
 * of the tools the Dockerfile removes.
 */
export async function smokeCheck(ref: string): Promise<SmokeReport> {
  const config = await imageConfig(ref);
  const user = config.User ?? "";
  if (!/^[1-9]\d*(:\d+)?$/.test(user))
    throw new ImageError(`${ref}: USER ${JSON.stringify(user)} is not a numeric non-root user`, "USER", "");
  if (!config.Entrypoint?.length) throw new ImageError(`${ref}: no ENTRYPOINT`, "ENTRYPOINT", "");
  const files = await listImageFiles(ref);
  const present = REMOVED_FROM_FINAL.filter((p) => files.some((f) => f.path === p));
  if (present.length > 0)
    throw new ImageError(`${ref}: the final stage should have removed ${present.join(", ")}`, "RUN rm", "");
  const help = await runImageToEnd(ref, { args: ["--help"] });
  const regular = files.filter((f) => (f.mode & 0o170000) === 0o100000);
  return {
    ref,
    user,
    entrypoint: config.Entrypoint,
    size: await imageSize(ref),
    files: regular.length,
    bytes: regular.reduce((sum, f) => sum + f.size, 0),
    help,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const command = process.argv[2] ?? "build";
  if (command !== "build") {
    console.error(`usage: node scripts/images.ts [build]`);
    process.exit(2);
  }
  try {
    const { base, seconds } = await buildAll();
    stderrProgress(`base ${base}; both images built in ${seconds.toFixed(0)} s`);
    for (const image of Object.values(IMAGES)) {
      const report = await smokeCheck(image.tag);
      stderrProgress(
        `${image.tag}: user ${report.user}, entrypoint ${report.entrypoint.join(" ")}, ${report.size}, ${report.files} files (${(report.bytes / 1e6).toFixed(1)} MB)`,
      );
      const list = join(
        ROOT,
        ".tmp",
        "images",
        `${image.tag.split("/").at(-1)!.replace(":", "-")}.files.txt`,
      );
      mkdirSync(dirname(list), { recursive: true });
      const files = await listImageFiles(image.tag);
      writeFileSync(
        list,
        files
          .map(
            (f) =>
              `${(f.mode & 0o7777).toString(8).padStart(4, "0")} ${String(f.size).padStart(10)} ${f.path}`,
          )
          .join("\n") + "\n",
      );
      stderrProgress(`list of files: ${list}`);
      console.log(image.tag);
    }
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}
