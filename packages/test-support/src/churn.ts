import type { Provider, ProviderKind } from "@openmcp-ts/contract";
import type { KubeClient } from "@openmcp-ts/kube";
import { eventually } from "@openmcp-ts/testenv";
import { expectConverged } from "./invariants.ts";
import { providerRef, testProvider } from "./operator-harness.ts";

/** A small seeded PRNG (mulberry32), so that a churn run can be repeated. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface ChurnOptions {
  client: KubeClient;
  namespace: string;
  /** How long to churn in all, checkpoints excluded. */
  durationMs: number;
  /** Upper bound of providers alive at once. */
  maxProviders: number;
  /** Churn this long, then stop and wait for convergence with every invariant. */
  checkpointEveryMs: number;
  seed: number;
  /** Pause between two operations. */
  pauseMs?: number;
  convergeTimeoutMs?: number;
  onProgress?: (line: string) => void;
}

export interface ChurnReport {
  seed: number;
  operations: { create: number; update: number; delete: number };
  /** Providers alive at each checkpoint and how long the cluster took to converge there. */
  checkpoints: { alive: number; deleted: number; convergeMs: number }[];
  maxAlive: number;
}

/**
 * Random creates, spec changes (image, env, replicas) and deletes of providers of all kinds, with
 * a stop at every checkpoint where the cluster must converge: every live provider Ready with one
 * init Job and one Deployment of its image, every deleted one gone, no orphans.
 */
export async function runChurn(options: ChurnOptions): Promise<ChurnReport> {
  const { client, namespace } = options;
  const random = seededRandom(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const kinds = ["ServiceProvider", "ClusterProvider", "PlatformService"] as const;
  const alive = new Map<string, { kind: ProviderKind; name: string }>();
  const deleted: { kind: ProviderKind; name: string }[] = [];
  const report: ChurnReport = {
    seed: options.seed,
    operations: { create: 0, update: 0, delete: 0 },
    checkpoints: [],
    maxAlive: 0,
  };
  let serial = 0;
  const spec = (): Partial<Provider["spec"]> => ({
    image: `test-image:v0.${Math.floor(random() * 5)}.0`,
    runReplicas: 1 + Math.floor(random() * 2),
    env: [{ name: "CHURN", value: String(Math.floor(random() * 3)) }],
  });
  const started = Date.now();
  let churned = 0;
  while (churned < options.durationMs) {
    const phaseStart = Date.now();
    while (
      Date.now() - phaseStart < options.checkpointEveryMs &&
      churned + (Date.now() - phaseStart) < options.durationMs
    ) {
      const roll = random();
      if ((roll < 0.45 || alive.size === 0) && alive.size < options.maxProviders) {
        const p = { kind: pick(kinds), name: `churn-${options.seed}-${serial++}` };
        await client.apply(testProvider(p.kind, p.name, spec()), "churn");
        alive.set(`${p.kind}/${p.name}`, p);
        report.operations.create++;
      } else if (roll < 0.8 && alive.size > 0) {
        const p = pick([...alive.values()]);
        await client.apply(testProvider(p.kind, p.name, spec()), "churn");
        report.operations.update++;
      } else if (alive.size > 0) {
        const p = pick([...alive.values()]);
        await client.delete(providerRef(p.kind, p.name));
        alive.delete(`${p.kind}/${p.name}`);
        deleted.push(p);
        report.operations.delete++;
      }
      report.maxAlive = Math.max(report.maxAlive, alive.size);
      await new Promise((r) => setTimeout(r, options.pauseMs ?? 50 + random() * 150));
    }
    churned += Date.now() - phaseStart;
    const checkpointStart = Date.now();
    await expectConverged(client, namespace, [...alive.values()], options.convergeTimeoutMs ?? 180_000);
    for (const p of deleted) {
      await eventually(
        `deleted ${p.kind} ${p.name} to be gone`,
        async () => (await client.find(providerRef(p.kind, p.name))) === undefined,
        options.convergeTimeoutMs ?? 180_000,
      );
    }
    const convergeMs = Date.now() - checkpointStart;
    report.checkpoints.push({ alive: alive.size, deleted: deleted.length, convergeMs });
    options.onProgress?.(
      `checkpoint ${report.checkpoints.length} at ${Math.round((Date.now() - started) / 1000)} s: ${alive.size} alive, ${deleted.length} deleted, converged in ${convergeMs} ms; ops ${JSON.stringify(report.operations)}`,
    );
  }
  return report;
}
