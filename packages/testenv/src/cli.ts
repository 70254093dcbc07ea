#!/usr/bin/env node
import { parseArgs } from "node:util";
import { copyFile } from "node:fs/promises";
import { ensureBinaries, resolveBinaries } from "./binaries.ts";
import { startControlPlane } from "./control-plane.ts";
import { BINARY_NAMES, BUILD_RECIPES } from "./versions.ts";

const USAGE = `Usage: pnpm testenv <command> [flags]

A real local Kubernetes control plane for tests, benchmarks and demos.

Commands:
  up       Start the control plane and keep it running until Ctrl-C (SIGINT/SIGTERM).
           --full              also run kube-controller-manager, kube-scheduler and kwok fake nodes,
                               so Jobs complete and Deployments become available
           --nodes N           number of kwok nodes in full mode (default 2)
           --kubeconfig PATH   also copy the admin kubeconfig to PATH
  env      Print where each binary comes from (KUBEBUILDER_ASSETS, PATH, cache or missing).
  build    Build every missing binary into the cache now (needs Go; takes minutes the first time).

Binaries are looked up in $KUBEBUILDER_ASSETS, then on $PATH, then in the cache
(\${XDG_CACHE_HOME:-~/.cache}/openmcp-testenv, or $OPENMCP_TESTENV_CACHE).`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 2;
  }
  if (command === "env") {
    const resolved = await resolveBinaries();
    for (const name of BINARY_NAMES) {
      const r = resolved[name];
      process.stdout.write(
        `${name.padEnd(24)} ${BUILD_RECIPES[name].version.padEnd(8)} ${r.source.padEnd(18)} ${r.path}\n`,
      );
    }
    return 0;
  }
  if (command === "build") {
    await ensureBinaries(BINARY_NAMES);
    return 0;
  }
  if (command === "up") {
    const { values } = parseArgs({
      args: rest,
      options: {
        full: { type: "boolean", default: false },
        nodes: { type: "string" },
        kubeconfig: { type: "string" },
      },
    });
    const nodes = values.nodes === undefined ? undefined : Number(values.nodes);
    if (nodes !== undefined && !(Number.isInteger(nodes) && nodes >= 0)) {
      process.stderr.write(`testenv: invalid value "${values.nodes}" for --nodes: must be a whole number\n`);
      return 2;
    }
    const cp = await startControlPlane({
      full: values.full,
      ...(nodes === undefined ? {} : { nodes }),
      progress: (l) => process.stderr.write(`testenv: ${l}\n`),
    });
    let kubeconfigPath = cp.kubeconfigPath;
    if (values.kubeconfig) {
      await copyFile(cp.kubeconfigPath, values.kubeconfig);
      kubeconfigPath = values.kubeconfig;
    }
    process.stdout.write(
      `ready: ${cp.server} kubeconfig=${kubeconfigPath}  (try: kubectl --kubeconfig ${kubeconfigPath} get nodes)\n`,
    );
    await new Promise<void>((resolve) => {
      const onSignal = (sig: NodeJS.Signals): void => {
        process.stderr.write(`testenv: ${sig} received, stopping\n`);
        resolve();
      };
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
    });
    await cp.stop();
    process.stderr.write("testenv: stopped\n");
    return 0;
  }
  process.stderr.write(`testenv: unknown command "${command}"\n\n${USAGE}\n`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`testenv: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
