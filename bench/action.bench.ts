/**
 * The GitHub Action's cost on the runner: bundle size, and the time from starting the step's Node
 * process to its first connection to the cluster (through a TCP proxy in front of a real
 * kube-apiserver) and to its exit, next to a bare `node` start for reference.
 * Run: pnpm exec node --import tsx bench/action.bench.ts [--repeats 15] [--out bench/results/action.md]
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { API_VERSION } from "@openmcp-ts/contract";
import { KubeClient, createLogger } from "@openmcp-ts/kube";
import { installCrds } from "@openmcp-ts/operator";
import { kubeconfigThrough, startControlPlane, startTcpProxy } from "@openmcp-ts/testenv";

const ROOT = join(import.meta.dirname, "..");

const { values: flags } = parseArgs({
  options: {
    repeats: { type: "string", default: "15" },
    out: { type: "string", default: join(ROOT, "bench", "results", "action.md") },
    // Another build of the bundle, e.g. an older commit's dist/ for a before/after comparison.
    dist: { type: "string", default: join(ROOT, "packages", "action", "dist") },
  },
});
const repeats = Number(flags.repeats);
const DIST = flags.dist;

interface Timing {
  firstRequestMs: number | undefined;
  exitMs: number;
}

/** Spawns one Node process and times it from spawn to its first proxied connection and to its exit. */
async function timeProcess(
  args: string[],
  env: NodeJS.ProcessEnv,
  proxy: { onConnection?: (at: number) => void },
): Promise<Timing> {
  let first: number | undefined;
  const started = performance.timeOrigin + performance.now();
  proxy.onConnection = (at) => (first ??= at);
  const child = spawn(process.execPath, args, { env, stdio: "ignore" });
  await new Promise<void>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", () => resolve());
  });
  const exitMs = performance.timeOrigin + performance.now() - started;
  return { firstRequestMs: first === undefined ? undefined : first - started, exitMs };
}

function quantiles(values: number[]): { min: number; median: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0]!, median: sorted[Math.floor(sorted.length / 2)]!, max: sorted.at(-1)! };
}

function row(label: string, values: number[]): string {
  if (values.length === 0) return `| ${label} | — | — | — |`;
  const q = quantiles(values);
  return `| ${label} | ${q.min.toFixed(0)} | ${q.median.toFixed(0)} | ${q.max.toFixed(0)} |`;
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(0)} KiB`;
}

const sizes = ["index.mjs", "post.mjs"].map((file) => {
  const bytes = readFileSync(join(DIST, file));
  return { file, raw: statSync(join(DIST, file)).size, gzip: gzipSync(bytes).length };
});

const loadBefore = loadavg()[0]!;
const cp = await startControlPlane();
const work = mkdtempSync(join(tmpdir(), "action-bench-"));
try {
  const admin = KubeClient.create({ kubeconfig: cp.kubeconfigPath });
  await installCrds(
    admin,
    createLogger("ERROR", () => undefined),
  );
  await admin.create({
    apiVersion: API_VERSION,
    kind: "ServiceProvider",
    metadata: { name: "bench" },
    spec: { image: "ghcr.io/acme/provider-bench:v1.0.0" },
  });
  const proxy = await startTcpProxy({ port: Number(new URL(cp.server).port) });
  const kubeconfig = kubeconfigThrough(cp.kubeconfigYaml, proxy);
  const files = { output: join(work, "output"), summary: join(work, "summary"), state: join(work, "state") };
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    GITHUB_ACTIONS: "true",
    GITHUB_REF: "refs/tags/v1.0.0",
    GITHUB_REPOSITORY: "acme/provider-bench",
    GITHUB_SHA: "0123456789abcdef0123456789abcdef01234567",
    RUNNER_TEMP: work,
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_STATE: files.state,
    // verify: reads the provider and exits, no writes; the provider is not Ready here, so it fails.
    INPUT_MODE: "verify",
    INPUT_NAME: "bench",
    INPUT_KUBECONFIG: kubeconfig,
  };
  for (const f of Object.values(files)) writeFileSync(f, "");

  // One warm-up of each, so that the file cache is equal for every measured run.
  await timeProcess([join(DIST, "index.mjs")], env, proxy);
  await timeProcess(["-e", ""], {}, proxy);
  const action: Timing[] = [];
  const bare: Timing[] = [];
  for (let i = 0; i < repeats; i++) {
    action.push(await timeProcess([join(DIST, "index.mjs")], env, proxy));
    bare.push(await timeProcess(["-e", ""], {}, proxy));
  }
  await proxy.close();

  const firsts = action.flatMap((t) => (t.firstRequestMs === undefined ? [] : [t.firstRequestMs]));
  const bareExit = quantiles(bare.map((t) => t.exitMs)).median;
  const report = `# Action benchmark

The GitHub Action as the runner starts it: \`node packages/action/dist/index.mjs\` with \`INPUT_*\`
and \`GITHUB_*\` in the environment, \`mode: verify\` of an existing ServiceProvider (one read, no
writes) against a real kube-apiserver from \`@openmcp-ts/testenv\` (apiserver mode) behind a loopback
TCP proxy that stamps the first connection. "Bare node" is \`node -e ""\`, the floor any
\`node24\` action pays. ${repeats} runs each after one warm-up, alternating.

| | |
| --- | --- |
| Command | \`pnpm exec node --import tsx bench/action.bench.ts --repeats ${repeats}\` |
| Node | ${process.version} |
| Machine | ${availableParallelism()} CPUs (\`nproc\`), ${cpus()[0]?.model.trim() ?? "unknown"} |
| Date | ${new Date().toISOString().slice(0, 10)} |
| Load average (1 min) at start / end | ${loadBefore.toFixed(2)} / ${loadavg()[0]!.toFixed(2)} |

## Bundle

| File | Size | gzip |
| --- | ---: | ---: |
${sizes.map((s) => `| \`dist/${s.file}\` | ${kib(s.raw)} | ${kib(s.gzip)} |`).join("\n")}

## Start-up (ms)

| Measure | min | median | max |
| --- | ---: | ---: | ---: |
${row("action: spawn → first connection to the apiserver", firsts)}
${row(
  "action: spawn → exit (verify done)",
  action.map((t) => t.exitMs),
)}
${row(
  "bare node: spawn → exit",
  bare.map((t) => t.exitMs),
)}

The action's own start-up (median first connection minus bare node's exit) is about
${(quantiles(firsts).median - bareExit).toFixed(0)} ms: loading and compiling the bundle, reading the
inputs and the kubeconfig, before the first byte goes to the cluster.
`;
  writeFileSync(flags.out, report);
  process.stdout.write(report);
} finally {
  await cp.stop();
  rmSync(work, { recursive: true, force: true });
}
