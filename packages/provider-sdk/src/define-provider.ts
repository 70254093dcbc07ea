import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import {
  parseProviderArgs,
  providerUsage,
  type InitInvocation,
  type RunInvocation,
} from "@openmcp-ts/contract";
import { KubeClient, LeaderElector } from "@openmcp-ts/kube";
import { createLogger, type Logger } from "@openmcp-ts/kube";

interface ProviderContext<I> {
  invocation: I;
  log: Logger;
  /** Platform cluster client: in-cluster, or --kubeconfig / KUBECONFIG when run locally. */
  platform: KubeClient;
  /** POD_NAMESPACE, or "default" when run locally without it. */
  namespace: string;
  /** Aborted on SIGTERM/SIGINT, and for `run` also when leadership is lost. */
  signal: AbortSignal;
}

export type InitContext = ProviderContext<InitInvocation>;
export type RunContext = ProviderContext<RunInvocation>;

export interface ProviderDefinition {
  /** Program name in the help text. */
  name?: string;
  init(ctx: InitContext): Promise<void>;
  run(ctx: RunContext): Promise<void>;
}

export interface MainOptions {
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  /** Extra stop signal (tests); SIGTERM and SIGINT always stop. */
  signal?: AbortSignal;
  /** Lease timings for leader election; the client-go defaults otherwise. */
  leaseDurationSeconds?: number;
  renewDeadlineSeconds?: number;
  retryPeriodSeconds?: number;
}

export interface Provider {
  /** Runs one invocation and resolves with the exit code: 0 done, 1 failed, 2 bad arguments. */
  main(
    argv: readonly string[],
    env: Record<string, string | undefined>,
    options?: MainOptions,
  ): Promise<number>;
}

/**
 * Splits off `--kubeconfig=path` / `--kubeconfig path`, which the contract parser rejects: the
 * operator never passes it, but local runs against a cluster need it.
 */
export function extractKubeconfigFlag(
  argv: readonly string[],
): { argv: string[]; kubeconfig: string | undefined } | { error: string } {
  const rest: string[] = [];
  let kubeconfig: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      rest.push(...argv.slice(i));
      break;
    }
    if (arg.startsWith("--kubeconfig=")) {
      kubeconfig = arg.slice("--kubeconfig=".length);
    } else if (arg === "--kubeconfig") {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith("-")) return { error: "flag --kubeconfig needs a value" };
      kubeconfig = next;
      i++;
    } else {
      rest.push(arg);
      continue;
    }
    if (kubeconfig === "") return { error: `invalid value "" for --kubeconfig: must not be empty` };
  }
  return { argv: rest, kubeconfig };
}

const KUBECONFIG_USAGE =
  "      --kubeconfig string                  kubeconfig of the platform cluster for local runs (default: KUBECONFIG, else in-cluster)\n";

/** Defines a provider binary: contract parsing, logging, platform client, signals, leader election. */
export function defineProvider(definition: ProviderDefinition): Provider {
  return {
    async main(argv, env, options = {}) {
      const stdout = options.stdout ?? ((t: string) => void process.stdout.write(t));
      const stderr = options.stderr ?? ((t: string) => void process.stderr.write(t));
      const program = definition.name ?? "provider";

      const extracted = extractKubeconfigFlag(argv);
      if ("error" in extracted) {
        stderr(`Error: ${extracted.error}\nRun '${program} --help' for usage.\n`);
        return 2;
      }
      const parsed = parseProviderArgs(extracted.argv, env);
      if (!parsed.ok && parsed.help) {
        const command = parsed.text.match(/^Usage: \S+ (init|run) /)?.[1] as "init" | "run" | undefined;
        stdout(providerUsage(command, program).replace("  -h, --help", `${KUBECONFIG_USAGE}  -h, --help`));
        return 0;
      }
      if (!parsed.ok) {
        stderr(`Error: ${parsed.error}\nRun '${program} --help' for usage.\n`);
        return 2;
      }
      const invocation = parsed.value;
      const log = createLogger(invocation.verbosity, stderr).with({
        provider: invocation.providerName,
        command: invocation.command,
      });

      const stop = new AbortController();
      const onSignal = (name: string) => (): void => {
        log.info("stopping on signal", { signal: name });
        stop.abort(new Error(`stopped by ${name}`));
      };
      const onTerm = onSignal("SIGTERM");
      const onInt = onSignal("SIGINT");
      process.once("SIGTERM", onTerm);
      process.once("SIGINT", onInt);
      const signal = options.signal ? AbortSignal.any([stop.signal, options.signal]) : stop.signal;
      try {
        let platform: KubeClient;
        const kubeconfig = extracted.kubeconfig ?? (env.KUBECONFIG || undefined);
        try {
          platform = KubeClient.create(kubeconfig === undefined ? {} : { kubeconfig });
        } catch (err) {
          log.error("cannot create the platform cluster client", { error: err });
          return 1;
        }
        const namespace = invocation.pod.namespace ?? "default";
        log.info("starting", { environment: invocation.environment, server: platform.server });
        if (invocation.command === "init") {
          try {
            await definition.init({ invocation, log, platform, namespace, signal });
            log.info("init done");
            return 0;
          } catch (err) {
            log.error("init failed", { error: err });
            return 1;
          }
        }
        const ctx = { invocation, log, platform, namespace, signal };
        if (!invocation.leaderElect) return await runUntilDone(definition, ctx);
        if (invocation.pod.namespace === undefined) {
          log.error("cannot elect a leader: POD_NAMESPACE is not set");
          return 1;
        }
        return await runWhileLeading(definition, ctx, options);
      } finally {
        process.off("SIGTERM", onTerm);
        process.off("SIGINT", onInt);
      }
    },
  };
}

async function runUntilDone(definition: ProviderDefinition, ctx: RunContext): Promise<number> {
  try {
    await definition.run(ctx);
    ctx.log.info("run done");
    return 0;
  } catch (err) {
    if (ctx.signal.aborted) {
      ctx.log.info("run stopped", { reason: ctx.signal.reason });
      return 0;
    }
    ctx.log.error("run failed", { error: err });
    return 1;
  }
}

/**
 * Runs `run` only while holding the Lease named after the provider; losing it aborts `run` and
 * ends the process with 1, as controller-runtime does, so that Kubernetes restarts a clean replica.
 */
function runWhileLeading(
  definition: ProviderDefinition,
  ctx: RunContext,
  options: MainOptions,
): Promise<number> {
  const { invocation, log, platform, signal } = ctx;
  return new Promise((resolve) => {
    const lost = new AbortController();
    let running: Promise<number> | undefined;
    let finished = false;
    const finish = async (code: number): Promise<void> => {
      if (finished) return;
      finished = true;
      signal.removeEventListener("abort", onAbort);
      lost.abort(new Error("leader election ended"));
      await elector.stop();
      const ran = running ? await running : code;
      resolve(code === 0 ? ran : code);
    };
    const onAbort = (): void => void finish(0);
    const elector = new LeaderElector(
      platform,
      {
        namespace: ctx.namespace,
        name: invocation.providerName,
        identity: invocation.pod.name ?? `${hostname()}_${randomUUID()}`,
        ...(options.leaseDurationSeconds ? { leaseDurationSeconds: options.leaseDurationSeconds } : {}),
        ...(options.renewDeadlineSeconds ? { renewDeadlineSeconds: options.renewDeadlineSeconds } : {}),
        ...(options.retryPeriodSeconds ? { retryPeriodSeconds: options.retryPeriodSeconds } : {}),
      },
      log,
      {
        onStartedLeading: () => {
          // A renewal in flight when we stopped may still report a win; run nothing then.
          if (finished) return;
          running = runUntilDone(definition, { ...ctx, signal: AbortSignal.any([signal, lost.signal]) });
          void running.then((code) => finish(code));
        },
        onStoppedLeading: () => {
          log.error("leader election lost");
          void finish(1);
        },
      },
    );
    if (signal.aborted) {
      resolve(0);
      return;
    }
    signal.addEventListener("abort", onAbort, { once: true });
    log.info("waiting for leadership", { lease: `${ctx.namespace}/${invocation.providerName}` });
    elector.start();
  });
}
