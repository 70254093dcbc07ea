/**
 * Start-up time of `npm start`'s two modes, step by step: the landscape (platform + onboarding,
 * the reference's scheduler and AccessRequest controllers, both providers' pods as processes) until
 * both providers are Ready and the example's run holds its onboarding access; and `--minimal` (one
 * full control plane, our operator, the example ServiceProvider Ready with kwok playing its pods).
 *
 * Run: pnpm exec node --import tsx bench/landscape.bench.ts [--repeats 2] [--out bench/results/landscape.md]
 */
import { writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { API_VERSION, CLUSTERS_API_VERSION, stableRequestName, type Provider } from "@openmcp-ts/contract";
import { KubeClient, createLogger } from "@openmcp-ts/kube";
import { installCrds, startOperator } from "@openmcp-ts/operator";
import { eventually, startControlPlane } from "@openmcp-ts/testenv";
import { LANDSCAPE_NAMESPACE, startLandscape, waitForLandscapeReady } from "@openmcp-ts/landscape";

const { values: flags } = parseArgs({
  options: {
    repeats: { type: "string", default: "2" },
    out: { type: "string", default: join(import.meta.dirname, "results", "landscape.md") },
  },
});
const log = (line: string): void => void process.stderr.write(`bench: ${line}\n`);
const ready = (p: Provider | undefined): boolean =>
  p?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
const seconds = (ms: number): string => (ms / 1000).toFixed(1);

async function landscapeOnce(): Promise<{ total: number; steps: { step: string; ms: number }[] }> {
  const dir = await mkdtemp(join(tmpdir(), "landscape-bench-"));
  const start = Date.now();
  const l = await startLandscape({ dir, progress: () => undefined });
  try {
    const steps = [...l.timings];
    let t = Date.now();
    await waitForLandscapeReady(l, 300_000, (step, ms) => {
      steps.push({ step, ms });
      t = Date.now();
    });
    const run = stableRequestName("example.services.openmcp.cloud", "onboarding");
    await eventually(
      "the example run's AccessRequest Granted",
      async () =>
        (
          await l.platformClient.find<{ status?: { phase?: string } }>({
            apiVersion: CLUSTERS_API_VERSION,
            kind: "AccessRequest",
            namespace: LANDSCAPE_NAMESPACE,
            name: run,
          })
        )?.status?.phase === "Granted",
      120_000,
      100,
    );
    steps.push({ step: "the example's run holds its onboarding access", ms: Date.now() - t });
    return { total: Date.now() - start, steps };
  } finally {
    await l.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

async function minimalOnce(): Promise<{ total: number; steps: { step: string; ms: number }[] }> {
  const start = Date.now();
  const steps: { step: string; ms: number }[] = [];
  let t = start;
  const mark = (step: string): void => {
    steps.push({ step, ms: Date.now() - t });
    t = Date.now();
  };
  const cp = await startControlPlane({ full: true, progress: () => undefined });
  try {
    mark("full control plane ready");
    const client = KubeClient.create({ kubeconfig: cp.kubeconfigPath });
    const logger = createLogger("ERROR");
    await installCrds(client, logger);
    await client.apply(
      { apiVersion: "v1", kind: "Namespace", metadata: { name: LANDSCAPE_NAMESPACE } },
      "bench",
    );
    const operator = await startOperator(
      { environment: "local", namespace: LANDSCAPE_NAMESPACE, kubeconfig: cp.kubeconfigPath },
      logger,
    );
    mark("CRDs installed, operator started");
    try {
      const example: Provider = {
        apiVersion: API_VERSION,
        kind: "ServiceProvider",
        metadata: { name: "example-service" },
        spec: { image: "ghcr.io/openmcp-project/images/service-provider-example:v1.0.0" },
      };
      await client.apply(example, "bench");
      await eventually(
        "example-service Ready",
        async () =>
          ready(
            await client.find<Provider>({
              apiVersion: API_VERSION,
              kind: "ServiceProvider",
              name: "example-service",
            }),
          ),
        120_000,
        100,
      );
      mark("ServiceProvider example-service Ready (kwok pods)");
    } finally {
      await operator.stop();
    }
    return { total: Date.now() - start, steps };
  } finally {
    await cp.stop();
  }
}

const repeats = Number(flags.repeats);
const loadStart = loadavg()[0]!;
const results: { mode: string; total: number; steps: { step: string; ms: number }[] }[] = [];
for (let i = 0; i < repeats; i++) {
  log(`landscape run ${i + 1}/${repeats}`);
  results.push({ mode: "landscape", ...(await landscapeOnce()) });
  log(`minimal run ${i + 1}/${repeats}`);
  results.push({ mode: "--minimal", ...(await minimalOnce()) });
}
const loadEnd = loadavg()[0]!;

const lines = [
  "# Landscape start-up benchmark",
  "",
  "`npm start` brings up the local landscape (`packages/landscape`); `npm start -- --minimal` the single",
  "full control plane of before. Each run measures from the first process start to the end state, step",
  "by step, with the control plane binaries and the reference operator already built (cached).",
  "",
  "| | |",
  "| --- | --- |",
  `| Command | \`pnpm exec node --import tsx bench/landscape.bench.ts --repeats ${repeats}\` |`,
  `| Node | ${process.version} |`,
  `| Machine | ${cpus().length} CPUs, ${cpus()[0]?.model ?? "?"} |`,
  `| Date | ${new Date().toISOString().slice(0, 10)} |`,
  `| Load average (1 min) at start / end | ${loadStart.toFixed(2)} / ${loadEnd.toFixed(2)} |`,
  "",
  "The machine was shared with other sessions (see the load): the numbers are upper bounds, not goals.",
  "",
  "| Mode | Run | Total (s) | Steps (s) |",
  "| --- | ---: | ---: | --- |",
  ...results.map(
    (r, i) =>
      `| ${r.mode} | ${Math.floor(i / 2) + 1} | ${seconds(r.total)} | ${r.steps.map((s) => `${s.step}: ${seconds(s.ms)}`).join("; ")} |`,
  ),
  "",
];
writeFileSync(flags.out, lines.join("\n"));
log(`wrote ${flags.out}`);
