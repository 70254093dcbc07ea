import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { formatTime } from "@openmcp-ts/reconciler";
import { Informer, type KubeClient } from "@openmcp-ts/kube";
import { BEHAVIOR_ENV, tokenKubeconfig, type ControlPlane } from "@openmcp-ts/testenv";

/** The slice of a Pod the runner reads. */
export interface RunnablePod {
  metadata: {
    name?: string;
    namespace?: string;
    uid?: string;
    deletionTimestamp?: string;
    ownerReferences?: { kind: string }[];
  };
  spec: {
    nodeName?: string;
    serviceAccountName?: string;
    containers: {
      name: string;
      image: string;
      args?: string[];
      env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
    }[];
  };
  status?: { phase?: string };
}

/** The behaviour (testenv's kwok stages) that hands a pod to this runner: kwok leaves its status alone. */
export const EXTERNAL_BEHAVIOR = { name: BEHAVIOR_ENV, value: "external" } as const;

/**
 * The env of the pod's first container as the kubelet would give it: values, and the downward-API
 * field references the operator renders (POD_NAME, POD_NAMESPACE, POD_IP, POD_SERVICE_ACCOUNT_NAME).
 * Throws for a reference it cannot resolve, naming it.
 */
export function resolvePodEnv(pod: RunnablePod, podIP = "127.0.0.1"): Record<string, string> {
  const fields: Record<string, string | undefined> = {
    "metadata.name": pod.metadata.name,
    "metadata.namespace": pod.metadata.namespace,
    "metadata.uid": pod.metadata.uid,
    "status.podIP": podIP,
    "spec.nodeName": pod.spec.nodeName,
    "spec.serviceAccountName": pod.spec.serviceAccountName ?? "default",
  };
  const env: Record<string, string> = {};
  for (const { name, value, valueFrom } of pod.spec.containers[0]?.env ?? []) {
    const fieldPath = valueFrom?.fieldRef?.fieldPath;
    const resolved = value ?? (fieldPath === undefined ? undefined : fields[fieldPath]);
    if (resolved === undefined)
      throw new Error(`cannot resolve env ${name} of pod ${pod.metadata.name}: ${fieldPath ?? "no value"}`);
    env[name] = resolved;
  }
  return env;
}

export interface PodRunnerOptions {
  /** Admin client of the cluster the pods are in. */
  client: KubeClient;
  /** That cluster, for the ServiceAccount kubeconfigs the processes get in place of in-cluster config. */
  cluster: Pick<ControlPlane, "server" | "pki">;
  namespace: string;
  /** The program (argv before the container's args) that plays an image, or undefined: not ours to run. */
  programFor(image: string): string[] | undefined;
  /** Each pod's output goes to `<logDir>/<pod>.log`. */
  logDir: string;
  cwd: string;
  /** One line per process start and exit. */
  onEvent?: (line: string) => void;
}

interface Running {
  child: ChildProcess;
  restarts: number;
  stopping: boolean;
}

const TAIL_BYTES = 2048;

/**
 * Plays the kubelet for pods with the `external` behaviour: runs each one's container as a local
 * process with the pod's args, env and ServiceAccount (a TokenRequest token), and writes the pod's
 * status from the process — Running and Ready once started; for a Job's pod Succeeded or Failed
 * with the exit code and the output's tail (terminationMessagePolicy FallbackToLogsOnError); for
 * other pods a restart with backoff, CrashLoopBackOff meanwhile. A deleted pod's process gets SIGTERM.
 */
export class PodRunner {
  private readonly running = new Map<string, Running>();
  private readonly informer: Informer<RunnablePod>;
  private stopped = false;
  private readonly options: PodRunnerOptions;

  constructor(options: PodRunnerOptions) {
    this.options = options;
    this.informer = new Informer<RunnablePod>(
      options.client,
      { apiVersion: "v1", kind: "Pod", namespace: options.namespace },
      {
        onEvent: (type, pod) => void this.onPod(type, pod),
        onError: (err) => options.onEvent?.(`pod watch failed: ${err.message}`),
      },
    );
  }

  start(): Promise<void> {
    return this.informer.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.informer.stop();
    await Promise.all([...this.running.values()].map((r) => this.terminate(r)));
  }

  /** Names of the pods whose processes run now. */
  pods(): string[] {
    return [...this.running.keys()];
  }

  private isOurs(pod: RunnablePod): string[] | undefined {
    const container = pod.spec.containers[0];
    const external = container?.env?.some(
      (e) => e.name === EXTERNAL_BEHAVIOR.name && e.value === EXTERNAL_BEHAVIOR.value,
    );
    return external && container ? this.options.programFor(container.image) : undefined;
  }

  private async onPod(type: string, pod: RunnablePod): Promise<void> {
    const name = pod.metadata.name ?? "";
    const current = this.running.get(name);
    if (type === "deleted" || pod.metadata.deletionTimestamp) {
      if (current) await this.terminate(current);
      return;
    }
    const program = this.isOurs(pod);
    if (!program || current || !pod.spec.nodeName || this.stopped) return;
    if (pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed") return;
    await this.launch(pod, program, 0).catch((err: unknown) =>
      this.options.onEvent?.(`cannot start pod ${name}: ${(err as Error).message}`),
    );
  }

  private async launch(pod: RunnablePod, program: string[], restarts: number): Promise<void> {
    const { client, cluster, namespace, logDir, cwd } = this.options;
    const name = pod.metadata.name ?? "";
    const container = pod.spec.containers[0]!;
    const sa = pod.spec.serviceAccountName ?? "default";
    const token = (await client.call("POST", `/api/v1/namespaces/${namespace}/serviceaccounts/${sa}/token`, {
      body: {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenRequest",
        spec: { expirationSeconds: 3600 },
      },
      verb: "create",
    })) as { status: { token: string } };
    const kubeconfig = join(logDir, `${name}.kubeconfig`);
    await writeFile(kubeconfig, tokenKubeconfig(cluster, `${namespace}/${sa}`, token.status.token), {
      mode: 0o600,
    });
    const env = { PATH: process.env.PATH ?? "", ...resolvePodEnv(pod), KUBECONFIG: kubeconfig };
    const out = createWriteStream(join(logDir, `${name}.log`), { flags: "a" });
    const child = spawn(program[0]!, [...program.slice(1), ...(container.args ?? [])], {
      cwd,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const entry: Running = { child, restarts, stopping: false };
    this.running.set(name, entry);
    let tail = "";
    const onData = (chunk: Buffer): void => {
      out.write(chunk);
      tail = (tail + chunk.toString()).slice(-TAIL_BYTES);
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    const startedAt = formatTime(new Date());
    this.options.onEvent?.(`pod ${name}: process ${child.pid} started (${container.args?.[0] ?? ""})`);
    child.once("exit", (code, signal) => {
      out.end();
      this.running.delete(name);
      const exitCode = code ?? 128 + (signal === "SIGKILL" ? 9 : 15);
      this.options.onEvent?.(`pod ${name}: process exited with ${code ?? signal}`);
      if (entry.stopping || this.stopped) return;
      void this.exited(pod, program, entry, exitCode, startedAt, tail.trim()).catch((err: unknown) =>
        this.options.onEvent?.(`cannot record the exit of pod ${name}: ${(err as Error).message}`),
      );
    });
    await this.writeStatus(pod, {
      phase: "Running",
      ready: true,
      restarts,
      state: { running: { startedAt } },
    });
  }

  private async exited(
    pod: RunnablePod,
    program: string[],
    entry: Running,
    exitCode: number,
    startedAt: string,
    tail: string,
  ): Promise<void> {
    const terminated = {
      exitCode,
      reason: exitCode === 0 ? "Completed" : "Error",
      startedAt,
      finishedAt: formatTime(new Date()),
      ...(exitCode === 0 ? {} : { message: tail }),
    };
    const isJobPod = (pod.metadata.ownerReferences ?? []).some((o) => o.kind === "Job");
    if (isJobPod) {
      await this.writeStatus(pod, {
        phase: exitCode === 0 ? "Succeeded" : "Failed",
        ready: false,
        restarts: entry.restarts,
        state: { terminated },
      });
      return;
    }
    const restarts = entry.restarts + 1;
    const backoffMs = Math.min(20_000, 1000 * 2 ** (restarts - 1));
    await this.writeStatus(pod, {
      phase: "Running",
      ready: false,
      restarts,
      state: {
        waiting: {
          reason: "CrashLoopBackOff",
          message: `back-off ${backoffMs / 1000}s restarting failed container`,
        },
      },
      lastState: { terminated },
    });
    setTimeout(() => {
      const live = this.informer.get(pod.metadata.name ?? "", this.options.namespace);
      if (
        this.stopped ||
        !live ||
        live.metadata.deletionTimestamp ||
        this.running.has(pod.metadata.name ?? "")
      )
        return;
      void this.launch(live, program, restarts).catch((err: unknown) =>
        this.options.onEvent?.(`cannot restart pod ${pod.metadata.name}: ${(err as Error).message}`),
      );
    }, backoffMs).unref();
  }

  private async writeStatus(
    pod: RunnablePod,
    s: { phase: string; ready: boolean; restarts: number; state: unknown; lastState?: unknown },
  ): Promise<void> {
    const now = formatTime(new Date());
    const container = pod.spec.containers[0]!;
    const condition = (type: string, status: boolean) => ({
      type,
      status: status ? "True" : "False",
      lastTransitionTime: now,
    });
    await this.options.client.patch(
      { apiVersion: "v1", kind: "Pod", namespace: this.options.namespace, name: pod.metadata.name ?? "" },
      "merge",
      {
        status: {
          phase: s.phase,
          hostIP: "127.0.0.1",
          podIP: "127.0.0.1",
          podIPs: [{ ip: "127.0.0.1" }],
          startTime: now,
          conditions: [
            condition("PodScheduled", true),
            condition("Initialized", true),
            condition("ContainersReady", s.ready),
            condition("Ready", s.ready),
          ],
          containerStatuses: [
            {
              name: container.name,
              image: container.image,
              imageID: container.image,
              ready: s.ready,
              started: s.ready,
              restartCount: s.restarts,
              state: s.state,
              ...(s.lastState ? { lastState: s.lastState } : {}),
            },
          ],
        },
      },
      { subresource: "status" },
    );
  }

  private async terminate(r: Running): Promise<void> {
    r.stopping = true;
    const child = r.child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  }
}
