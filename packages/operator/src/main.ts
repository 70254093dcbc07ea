import { readFile } from "node:fs/promises";
import { KubeClient, createLogger, type Logger } from "@openmcp-ts/kube";
import { UsageError, parseCommandLine, usage } from "./flags.ts";
import { installCrds } from "./install-crds.ts";
import { startOperator } from "./operator.ts";

export { REFERENCE_LEASE, parseProviderClusterRoles } from "./flags.ts";

async function readRegistryCa(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    throw new UsageError(`cannot read --registry-ca-file ${path}: ${(err as Error).message}`);
  }
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let log: Logger;
  try {
    const { command, options } = parseCommandLine(argv, env);
    if (!command) {
      process.stdout.write(`${usage()}\n`);
      return options.help ? 0 : 2;
    }
    log = createLogger(options.verbosity ?? "INFO").with({ logger: "openmcp-operator" });
    const kubeconfig = options.kubeconfig;
    if (command === "init") {
      const client = KubeClient.create(kubeconfig ? { kubeconfig } : {});
      const crds = await installCrds(client, log);
      log.info("init done", { crds });
      return 0;
    }
    // The three digest flags become one option; verbosity and help are main's alone.
    const { resolveImageDigests, imageResolveIntervalMs, registryCaFile, ...rest } = options;
    delete rest.verbosity;
    delete rest.help;
    const operator = await startOperator(
      {
        ...rest,
        environment: options.environment!,
        namespace: options.namespace!,
        ...(resolveImageDigests
          ? {
              imageDigests: {
                intervalMs: imageResolveIntervalMs ?? 0,
                ...(registryCaFile ? { registryCa: await readRegistryCa(registryCaFile) } : {}),
              },
            }
          : {}),
      },
      log,
    );
    log.info("operator running", {
      environment: options.environment,
      namespace: options.namespace,
      leaderElect: options.leaderElect,
    });
    await new Promise<void>((resolve) => {
      process.once("SIGINT", () => resolve());
      process.once("SIGTERM", () => resolve());
    });
    log.info("shutting down");
    await operator.stop();
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`openmcp-operator: ${err.message}\nRun "openmcp-operator --help" for usage.\n`);
      return 2;
    }
    process.stderr.write(
      `${JSON.stringify({ ts: new Date().toISOString(), level: "error", msg: "operator failed", error: (err as Error).message })}\n`,
    );
    return 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`openmcp-operator: ${String(err)}\n`);
      process.exit(1);
    },
  );
}
