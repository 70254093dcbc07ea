import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { TEST_ENVIRONMENT, TEST_NAMESPACE } from "./operator-harness.ts";

/** `main.ts` of the operator, through tsx: how tests and the bench run it from the sources. */
export const OPERATOR_SOURCE_ENTRY: readonly string[] = [
  "--import",
  "tsx",
  fileURLToPath(import.meta.resolve("@openmcp-ts/operator/main")),
];

/** The operator as its own process (`main.ts run`), for faults that need one: SIGKILL, SIGSTOP. */
export interface OperatorProcess {
  child: ChildProcess;
  /** Its log lines so far (JSON, one per line). */
  logs: string[];
  exited: Promise<void>;
  /** Whether it logged "leader election won" (with --leader-elect) or "caches synced". */
  started(): boolean;
  /** Resolves when it logs a line with this `msg`, rejects if it exits first. */
  logged(msg: string): Promise<void>;
  /** SIGTERM, then SIGKILL after 5 s; resolves when it is gone. */
  stop(): Promise<void>;
}

export interface OperatorProcessOptions {
  /** Path of the kubeconfig file. */
  kubeconfig: string;
  namespace?: string;
  /** POD_NAME, the leader election identity. */
  id?: string;
  /** Flags after `run --environment … --kubeconfig … --health-probe-bind-address=0 -v INFO`. */
  args?: readonly string[];
  /** Node options before the entry, e.g. `--heapsnapshot-signal=SIGUSR2`. */
  nodeArgs?: readonly string[];
  /** What node runs: default the sources through tsx; the bench passes its bundle. */
  entry?: readonly string[];
  cwd?: string;
  /** Every log line as it arrives (the bench writes them to a file and counts levels). */
  onLine?: (line: string) => void;
}

export function spawnOperatorProcess(options: OperatorProcessOptions): OperatorProcess {
  const child = spawn(
    process.execPath,
    [
      ...(options.nodeArgs ?? []),
      ...(options.entry ?? OPERATOR_SOURCE_ENTRY),
      "run",
      `--environment=${TEST_ENVIRONMENT}`,
      `--kubeconfig=${options.kubeconfig}`,
      "--health-probe-bind-address=0",
      "-v",
      "INFO",
      ...(options.args ?? []),
    ],
    {
      ...(options.cwd ? { cwd: options.cwd } : {}),
      env: {
        ...process.env,
        POD_NAMESPACE: options.namespace ?? TEST_NAMESPACE,
        ...(options.id ? { POD_NAME: options.id } : {}),
      },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  const logs: string[] = [];
  const waiting: { msg: string; resolve: () => void }[] = [];
  createInterface({ input: child.stderr }).on("line", (line) => {
    if (!line) return;
    logs.push(line);
    options.onLine?.(line);
    for (const w of [...waiting]) {
      if (line.includes(`"msg":"${w.msg}"`)) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const leaderElect = options.args?.some((a) => a.startsWith("--leader-elect")) ?? false;
  return {
    child,
    logs,
    exited,
    started: () => logs.some((l) => l.includes(leaderElect ? "leader election won" : "caches synced")),
    logged: (msg) => {
      if (logs.some((l) => l.includes(`"msg":"${msg}"`))) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        waiting.push({ msg, resolve });
        void exited.then(() =>
          reject(new Error(`the operator exited with ${child.exitCode} before it logged "${msg}"`)),
        );
      });
    },
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
