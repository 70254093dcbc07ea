import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { API_VERSION, type Condition, type Provider, type ProviderKind } from "@openmcp-ts/contract";
import { KubeClient } from "@openmcp-ts/kube";
import { startControlPlane, type ControlPlane } from "@openmcp-ts/testenv";

import { eventually } from "@openmcp-ts/testenv";
export { eventually, GENERATED_NAMESPACED_KINDS };
import { installCrds } from "./install-crds.ts";
import { createLogger } from "@openmcp-ts/kube";
import { startOperator, type OperatorOptions, type RunningOperator } from "./operator.ts";
import { GENERATED_NAMESPACED_KINDS } from "./provider-controller.ts";

/** A real control plane with our CRDs, the system namespace and a running operator, for tests. */
export interface OperatorHarness {
  cp: ControlPlane;
  client: KubeClient;
  operator: RunningOperator;
  namespace: string;
  /** Counts API requests by verb, from the operator's own client. */
  writes(): number;
  stop(): Promise<void>;
}

export const TEST_NAMESPACE = "openmcp-system";
export const TEST_ENVIRONMENT = "test-environment";

export async function startOperatorHarness(
  options: {
    full?: boolean;
    operator?: Partial<OperatorOptions>;
    /** Installs the provider CRDs; default ours (`init`). E.g. the reference's, as GitOps may pin them. */
    installCrds?: (client: KubeClient) => Promise<unknown>;
  } = {},
): Promise<OperatorHarness> {
  const cp = await startControlPlane({ full: options.full ?? false, progress: () => undefined });
  try {
    const client = KubeClient.create({ kubeconfig: cp.kubeconfigPath });
    const log = createLogger(process.env.TEST_OPERATOR_LOGS ? "DEBUG" : "ERROR");
    await (options.installCrds ? options.installCrds(client) : installCrds(client, log));
    // As deploy/operator/namespace.yaml: the generated pods must pass the restricted standard.
    await client.apply(
      {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: {
          name: TEST_NAMESPACE,
          labels: {
            "pod-security.kubernetes.io/enforce": "restricted",
            "pod-security.kubernetes.io/enforce-version": "latest",
          },
        },
      },
      "test",
    );
    const operator = await startOperator(
      {
        environment: TEST_ENVIRONMENT,
        namespace: TEST_NAMESPACE,
        kubeconfig: cp.kubeconfigPath,
        initBackoffBaseMs: 200,
        initBackoffMaxMs: 1000,
        ...options.operator,
      },
      log,
    );
    const writes = (): number =>
      operator.metrics.apiRequests.sum((l) => !["get", "list", "watch"].includes(l.verb ?? ""));
    return {
      cp,
      client,
      operator,
      namespace: TEST_NAMESPACE,
      writes,
      stop: async () => {
        await operator.stop();
        await cp.stop();
      },
    };
  } catch (err) {
    await cp.stop();
    throw err;
  }
}

export function providerRef(
  kind: ProviderKind,
  name: string,
): { apiVersion: string; kind: string; name: string } {
  return { apiVersion: API_VERSION, kind, name };
}

export function testProvider(
  kind: ProviderKind,
  name: string,
  spec: Partial<Provider["spec"]> = {},
): Provider {
  return {
    apiVersion: API_VERSION,
    kind,
    metadata: { name },
    spec: {
      image: "test-image:v0.1.0",
      env: [{ name: "NAME", value: "test-name" }],
      verbosity: "DEBUG",
      ...spec,
    },
  };
}

export function condition(p: Provider | undefined, type: string): Condition | undefined {
  return p?.status?.conditions?.find((c) => c.type === type);
}

interface Owned {
  kind?: string;
  metadata: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    ownerReferences?: { uid: string; kind: string; name: string }[];
    deletionTimestamp?: string;
    annotations?: Record<string, string>;
  };
  spec?: { template?: { spec?: { containers?: { image?: string }[] } } };
  status?: {
    succeeded?: number;
    availableReplicas?: number;
    conditions?: { type: string; status: string }[];
  };
}

/**
 * What is wrong with the cluster against the operator's promises, as readable lines (none = fine):
 * per expected provider exactly one init Job (succeeded, the current image) and one available
 * Deployment of the current image, a status observed at the current generation that says Ready
 * with both images; and no object managed by the operator without a live provider owning it.
 */
export async function invariantViolations(
  client: KubeClient,
  namespace: string,
  expected: readonly { kind: ProviderKind; name: string }[],
): Promise<string[]> {
  const problems: string[] = [];
  const providers = new Map<string, Provider>();
  for (const kind of ["ServiceProvider", "ClusterProvider", "PlatformService"] as const) {
    for (const p of (await client.list<Provider>({ apiVersion: API_VERSION, kind })).items)
      providers.set(p.metadata.uid ?? "", { ...p, kind });
  }
  const managed = `app.kubernetes.io/managed-by=openmcp-operator`;
  const owned: Owned[] = [];
  for (const ref of GENERATED_NAMESPACED_KINDS) {
    const list = await client.list<Owned>({ ...ref, namespace }, { labelSelector: managed });
    owned.push(...list.items.map((o) => ({ ...o, kind: ref.kind })));
  }
  const crbs = await client.list<Owned>(
    { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding" },
    { labelSelector: managed },
  );
  owned.push(...crbs.items.map((o) => ({ ...o, kind: "ClusterRoleBinding" })));

  for (const o of owned) {
    if (o.metadata.deletionTimestamp) continue;
    const owner = o.metadata.ownerReferences?.find((r) => providers.has(r.uid));
    if (!owner) problems.push(`${o.kind} ${o.metadata.name ?? ""} has no live provider as owner (orphan)`);
  }
  for (const { kind, name } of expected) {
    const what = `${kind} ${name}`;
    const p = [...providers.values()].find((x) => x.kind === kind && x.metadata.name === name);
    if (!p) {
      problems.push(`${what} does not exist`);
      continue;
    }
    const mine = (k: string): Owned[] =>
      owned.filter(
        (o) =>
          o.kind === k &&
          !o.metadata.deletionTimestamp &&
          o.metadata.ownerReferences?.some((r) => r.uid === p.metadata.uid),
      );
    const image = p.spec.image;
    const jobs = mine("Job");
    if (jobs.length !== 1) problems.push(`${what} has ${jobs.length} init Jobs, want 1`);
    for (const job of jobs) {
      if (job.spec?.template?.spec?.containers?.[0]?.image !== image)
        problems.push(`${what}: Job ${job.metadata.name ?? ""} runs another image than ${image}`);
      if (!job.status?.succeeded) problems.push(`${what}: Job ${job.metadata.name ?? ""} has not succeeded`);
    }
    const deployments = mine("Deployment");
    if (deployments.length !== 1) problems.push(`${what} has ${deployments.length} Deployments, want 1`);
    for (const d of deployments) {
      if (d.spec?.template?.spec?.containers?.[0]?.image !== image)
        problems.push(`${what}: Deployment runs another image than ${image}`);
      if (!d.status?.conditions?.some((c) => c.type === "Available" && c.status === "True"))
        problems.push(`${what}: Deployment is not available`);
    }
    const status = p.status;
    if (status?.observedGeneration !== p.metadata.generation)
      problems.push(
        `${what}: status.observedGeneration ${String(status?.observedGeneration)} is not generation ${String(p.metadata.generation)}`,
      );
    if (status?.phase !== "Ready") {
      const conditions = (status?.conditions ?? [])
        .map((c) => `${c.type}=${c.status}/${c.reason}`)
        .join(", ");
      problems.push(`${what}: phase ${String(status?.phase)}, want Ready (conditions: ${conditions})`);
    }
    if (condition(p, "Ready")?.status !== "True") problems.push(`${what}: Ready is not True`);
    if (status?.runningImage !== image || status.initializedImage !== image)
      problems.push(
        `${what}: status says initialized ${String(status?.initializedImage)}, running ${String(status?.runningImage)}; spec is ${image}`,
      );
  }
  return problems;
}

/** Waits until invariantViolations is empty; on timeout fails listing what was still wrong. */
export async function expectConverged(
  client: KubeClient,
  namespace: string,
  expected: readonly { kind: ProviderKind; name: string }[],
  timeoutMs = 90_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: string[] = [];
  for (;;) {
    try {
      last = await invariantViolations(client, namespace, expected);
      if (last.length === 0) return;
    } catch (err) {
      last = [`cannot read the cluster: ${(err as Error).message}`];
    }
    if (Date.now() > deadline)
      throw new Error(`not converged after ${timeoutMs} ms:\n  ${last.join("\n  ")}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The operator as its own process (`main.ts run`), for faults that need one: SIGKILL, SIGSTOP. */
export interface OperatorProcess {
  child: ChildProcess;
  /** Its JSON log lines so far. */
  logs: string[];
  exited: Promise<void>;
  /** Whether it logged "leader election won" (with --leader-elect) or "caches synced". */
  started(): boolean;
  /** SIGTERM, then SIGKILL after 5 s; resolves when it is gone. */
  stop(): Promise<void>;
}

export function spawnOperatorProcess(options: {
  /** Path of the kubeconfig file. */
  kubeconfig: string;
  namespace?: string;
  /** POD_NAME, the leader election identity. */
  id: string;
  args?: readonly string[];
}): OperatorProcess {
  const main = fileURLToPath(new URL("./main.ts", import.meta.url));
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      main,
      "run",
      `--environment=${TEST_ENVIRONMENT}`,
      `--kubeconfig=${options.kubeconfig}`,
      "--health-probe-bind-address=0",
      "-v",
      "INFO",
      ...(options.args ?? []),
    ],
    {
      env: { ...process.env, POD_NAMESPACE: options.namespace ?? TEST_NAMESPACE, POD_NAME: options.id },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  const logs: string[] = [];
  let partial = "";
  child.stderr?.on("data", (c: Buffer) => {
    const lines = (partial + c.toString()).split("\n");
    partial = lines.pop() ?? "";
    logs.push(...lines.filter(Boolean));
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const leaderElect = options.args?.some((a) => a.startsWith("--leader-elect")) ?? false;
  return {
    child,
    logs,
    exited,
    started: () => logs.some((l) => l.includes(leaderElect ? "leader election won" : "caches synced")),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGCONT");
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

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

/**
 * Marks a Job complete through its status subresource, as kube-controller-manager would after its
 * pod succeeded: for apiserver-mode tests, where nothing runs pods.
 */
export async function completeJob(client: KubeClient, namespace: string, name: string): Promise<void> {
  const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  await client.patch(
    { apiVersion: "batch/v1", kind: "Job", namespace, name },
    "merge",
    {
      status: {
        startTime: now,
        completionTime: now,
        succeeded: 1,
        conditions: [
          { type: "SuccessCriteriaMet", status: "True", lastTransitionTime: now, lastProbeTime: now },
          { type: "Complete", status: "True", lastTransitionTime: now, lastProbeTime: now },
        ],
      },
    },
    { subresource: "status" },
  );
}
