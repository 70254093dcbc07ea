/**
 * Churn soak: on a full local control plane, random creates, spec changes and deletes of providers
 * of all kinds for a fixed time, stopping at every checkpoint until the cluster has converged with
 * every invariant (see runChurn). Writes a report; asserts nothing about time.
 * Run: pnpm exec node --import tsx bench/churn.soak.ts [--minutes 5] [--max-providers 200]
 *        [--checkpoint-seconds 60] [--seed 1] [--out bench/results/churn.md]
 */
import { writeFileSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { sumOf } from "@openmcp-ts/operator";
import { runChurn, startOperatorHarness } from "@openmcp-ts/test-support";

const ROOT = join(import.meta.dirname, "..");
const { values } = parseArgs({
  options: {
    minutes: { type: "string", default: "5" },
    "max-providers": { type: "string", default: "200" },
    "checkpoint-seconds": { type: "string", default: "60" },
    seed: { type: "string", default: "1" },
    out: { type: "string", default: join(ROOT, "bench", "results", "churn.md") },
  },
});
const minutes = Number(values.minutes);
const maxProviders = Number(values["max-providers"]);
const checkpointSeconds = Number(values["checkpoint-seconds"]);
const seed = Number(values.seed);

const h = await startOperatorHarness({ full: true });
const cpuBefore = process.cpuUsage();
let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 1000);
const started = Date.now();
try {
  const report = await runChurn({
    client: h.client,
    namespace: h.namespace,
    durationMs: minutes * 60_000,
    maxProviders,
    checkpointEveryMs: checkpointSeconds * 1000,
    seed,
    convergeTimeoutMs: 600_000,
    onProgress: (line) => process.stderr.write(`${line}\n`),
  });
  const m = h.operator.metrics;
  const errors = await sumOf(m.reconcileErrors);
  const reconciles = await sumOf(m.reconcileTotal);
  const writes = await h.writes();
  const cpu = process.cpuUsage(cpuBefore);
  const rows = report.checkpoints
    .map((c, i) => `| ${i + 1} | ${c.alive} | ${c.deleted} | ${(c.convergeMs / 1000).toFixed(1)} |`)
    .join("\n");
  const text = `# Churn soak

Random creates (45 %), spec changes of image, env and runReplicas (35 %) and deletes (20 %) of
providers of all three kinds, one operation every 50–200 ms, on a full local control plane
(\`@openmcp-ts/testenv\`: etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok) with
the operator running in the same process as the churn driver. At every checkpoint the churn stops
until the cluster has converged: every live provider Ready at its generation with exactly one init
Job and one available Deployment of its image and a true status, every deleted provider gone, and
no object managed by the operator without a live owner (\`expectConverged\` in
\`packages/test-support/src/invariants.ts\`). A checkpoint that does not converge within 10 minutes
fails the run.

| | |
| --- | --- |
| Command | \`pnpm exec node --import tsx bench/churn.soak.ts --minutes ${minutes} --max-providers ${maxProviders} --checkpoint-seconds ${checkpointSeconds} --seed ${seed}\` |
| Node | ${process.version} |
| Machine | ${availableParallelism()} CPUs (\`nproc\`), ${cpus()[0]?.model.trim() ?? "unknown"} |
| Date | ${new Date().toISOString().slice(0, 10)} |
| Wall time | ${((Date.now() - started) / 60_000).toFixed(1)} min (churn ${minutes} min plus checkpoints) |

## Result

All ${report.checkpoints.length} checkpoints converged with every invariant.

| Operations | Count |
| --- | ---: |
| create | ${report.operations.create} |
| spec change | ${report.operations.update} |
| delete | ${report.operations.delete} |
| most providers alive at once | ${report.maxAlive} |
| reconciles | ${reconciles} |
| reconcile errors (retried) | ${errors} |
| operator API writes | ${writes} |
| CPU seconds of the process (operator + churn driver) | ${((cpu.user + cpu.system) / 1e6).toFixed(1)} |
| peak RSS of the process | ${(peakRss / 2 ** 20).toFixed(0)} MiB |

| Checkpoint | Providers alive | Deleted so far | Time to converge (s) |
| --- | ---: | ---: | ---: |
${rows}
`;
  writeFileSync(values.out, text);
  process.stdout.write(text);
} finally {
  clearInterval(sampler);
  await h.stop();
}
