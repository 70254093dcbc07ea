/**
 * The published packages as an author installs them: for each one its tarball size (what npm
 * downloads), unpacked size, and the size of node_modules after `npm install` of that package alone
 * into an empty project (its dependencies from the registry, @openmcp-ts ones from the tarballs);
 * then the time `import("@openmcp-ts/provider-sdk")` takes on Node 24 from such an install.
 *
 * Run: pnpm exec node --import tsx bench/packages.bench.ts [--repeats 15] [--out bench/results/packages.md]
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  PUBLISHED_PACKAGES,
  REPO_ROOT,
  consumerEnv,
  packPackages,
  type PublishedPackage,
} from "../scripts/pack-packages.ts";

const { values: flags } = parseArgs({
  options: {
    repeats: { type: "string", default: "15" },
    out: { type: "string", default: join(REPO_ROOT, "bench", "results", "packages.md") },
  },
});
const repeats = Number(flags.repeats);
const env = consumerEnv();
const log = (line: string): void => void process.stderr.write(`bench: ${line}\n`);

/** Apparent size of every file under dir, and how many packages (dirs with a package.json) it holds. */
function treeSize(dir: string): { bytes: number; files: number; packages: number } {
  let bytes = 0;
  let files = 0;
  let packages = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    bytes += statSync(path).size;
    files++;
    if (entry.name === "package.json" && /node_modules\/(@[^/]+\/)?[^/@]+$/.test(entry.parentPath))
      packages++;
  }
  return { bytes, files, packages };
}

const kib = (bytes: number): string => (bytes / 1024).toFixed(1);
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

/** Which @openmcp-ts packages a package needs at run time, transitively (from the workspace manifests). */
function internalDeps(pkg: PublishedPackage): PublishedPackage[] {
  const seen = new Set<PublishedPackage>();
  const visit = (p: PublishedPackage): void => {
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, "packages", p, "package.json"), "utf8")) as {
      dependencies?: Record<string, string>;
    };
    for (const dep of Object.keys(manifest.dependencies ?? {})) {
      if (!dep.startsWith("@openmcp-ts/")) continue;
      const short = dep.slice("@openmcp-ts/".length) as PublishedPackage;
      if (!seen.has(short)) {
        seen.add(short);
        visit(short);
      }
    }
  };
  visit(pkg);
  return [...seen];
}

const loadStart = loadavg()[0]!;
const tmp = mkdtempSync(join(tmpdir(), "openmcp-packages-bench-"));
try {
  log(`packing into ${tmp}`);
  const tarballs = await packPackages(join(tmp, "tarballs"), log);
  const rows: string[] = [];
  let sdkProject = "";
  for (const pkg of PUBLISHED_PACKAGES) {
    const packed = statSync(tarballs[pkg]).size;
    const unpackDir = join(tmp, "unpacked", pkg);
    mkdirSync(unpackDir, { recursive: true });
    execFileSync("tar", ["xzf", tarballs[pkg], "-C", unpackDir]);
    const unpacked = treeSize(unpackDir);
    const project = join(tmp, "install", pkg);
    mkdirSync(project, { recursive: true });
    const name = `@openmcp-ts/${pkg}`;
    const overrides = Object.fromEntries(
      internalDeps(pkg).map((d) => [`@openmcp-ts/${d}`, `file:${tarballs[d]}`]),
    );
    writeFileSync(
      join(project, "package.json"),
      JSON.stringify({
        name: "bench",
        private: true,
        type: "module",
        dependencies: { [name]: `file:${tarballs[pkg]}` },
        overrides,
      }),
    );
    const started = Date.now();
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--ignore-scripts"], {
      cwd: project,
      env,
      stdio: "ignore",
    });
    const installed = treeSize(join(project, "node_modules"));
    log(
      `${name}: packed ${kib(packed)} KiB, installed ${kib(installed.bytes)} KiB in ${Date.now() - started} ms`,
    );
    rows.push(
      `| \`${name}\` | ${kib(packed)} | ${kib(unpacked.bytes)} | ${unpacked.files} | ${(installed.bytes / 1024 / 1024).toFixed(2)} | ${installed.packages} |`,
    );
    if (pkg === "provider-sdk") sdkProject = project;
  }

  // import() of the SDK: in-process (performance.now around the import) and a whole `node` process
  // that imports it, next to a bare `node -e ""`; alternating, after one warm-up each.
  const script = join(sdkProject, "import-sdk.mjs");
  writeFileSync(
    script,
    'const t = performance.now(); await import("@openmcp-ts/provider-sdk"); console.log(performance.now() - t);\n',
  );
  const time = (args: string[]): { wall: number; stdout: string } => {
    const t = process.hrtime.bigint();
    const stdout = execFileSync("node", args, { cwd: sdkProject, env, encoding: "utf8" });
    return { wall: Number(process.hrtime.bigint() - t) / 1e6, stdout };
  };
  // The SDK's one heavy dependency alone (kube loads kubeconfigs with it), to attribute the cost.
  const clientNode = join(sdkProject, "import-client-node.mjs");
  writeFileSync(
    clientNode,
    'const t = performance.now(); await import("@kubernetes/client-node"); console.log(performance.now() - t);\n',
  );
  time([script]);
  time([clientNode]);
  time(["-e", ""]);
  const inProcess: number[] = [];
  const processWall: number[] = [];
  const bare: number[] = [];
  const clientNodeInProcess: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const r = time([script]);
    inProcess.push(Number(r.stdout.trim()));
    processWall.push(r.wall);
    bare.push(time(["-e", ""]).wall);
    clientNodeInProcess.push(Number(time([clientNode]).stdout.trim()));
  }
  const nodeVersion = execFileSync("node", ["--version"], { env, encoding: "utf8" }).trim();
  const range = (xs: number[]): string =>
    `${Math.min(...xs).toFixed(0)} | ${median(xs).toFixed(0)} | ${Math.max(...xs).toFixed(0)}`;

  const report = `# Packages benchmark

The published packages as a provider author gets them: \`pnpm pack\` of each (what \`npm publish\`
uploads), then \`npm install\` of that one tarball into an empty project outside the workspace (its
@openmcp-ts dependencies from their tarballs, everything else from the npm registry,
\`--ignore-scripts\`). Sizes are apparent sizes of the files. Then \`import("@openmcp-ts/provider-sdk")\`
on Node 24 from that install, ${repeats} runs after one warm-up, alternating with a bare \`node -e ""\`.

| | |
| --- | --- |
| Command | \`pnpm exec node --import tsx bench/packages.bench.ts --repeats ${repeats}\` |
| Node | ${nodeVersion} |
| Machine | ${cpus().length} CPUs (\`nproc\`), ${cpus()[0]?.model.trim() ?? "?"} |
| Date | ${new Date().toISOString().slice(0, 10)} |
| Load average (1 min) at start / end | ${loadStart.toFixed(2)} / ${loadavg()[0]!.toFixed(2)} |

## Sizes

| Package | Tarball (KiB) | Unpacked (KiB) | Files | Installed alone: node_modules (MiB) | Packages installed |
| --- | ---: | ---: | ---: | ---: | ---: |
${rows.join("\n")}

## import() of the SDK (ms)

| Measure | min | median | max |
| --- | ---: | ---: | ---: |
| in process: \`await import("@openmcp-ts/provider-sdk")\` | ${range(inProcess)} |
| in process: \`await import("@kubernetes/client-node")\` alone (the SDK's heaviest dependency) | ${range(clientNodeInProcess)} |
| a \`node\` process that imports it: spawn → exit | ${range(processWall)} |
| bare \`node -e ""\`: spawn → exit | ${range(bare)} |
`;
  writeFileSync(flags.out, report);
  log(`wrote ${flags.out}`);
  process.stdout.write(report);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
