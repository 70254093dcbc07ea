import { copyFile } from "node:fs/promises";
import { API_VERSION, toYaml, type Provider } from "@openmcp-ts/contract";
import { Informer, KubeClient, createLogger } from "@openmcp-ts/kube";
import { installCrds, startOperator } from "@openmcp-ts/operator";
import { startControlPlane, type ControlPlane } from "@openmcp-ts/testenv";

const NAMESPACE = "openmcp-system";
const ENVIRONMENT = "local";
const say = (line: string): void =>
  void process.stdout.write(`${new Date().toISOString().slice(11, 19)}  ${line}\n`);

const example: Provider = {
  apiVersion: API_VERSION,
  kind: "ServiceProvider",
  metadata: { name: "example-service" },
  spec: { image: "ghcr.io/openmcp-project/images/service-provider-example:v1.0.0", verbosity: "INFO" },
};

export interface RunningDemo {
  cp: ControlPlane;
  client: KubeClient;
  /** A copy of the control plane's kubeconfig under `.tmp/`, for kubectl in another terminal. */
  kubeconfigPath: string;
  /** Stops what started, newest first; each step gets a few seconds. */
  stop(): Promise<void>;
}

/**
 * The minimal demo (`pnpm start -- --minimal`): a full local control plane, the operator, and the
 * example ServiceProvider from the contract going to Ready (kwok plays its pods), shown live until
 * `stop()`. Without `--minimal` the main job is the landscape (packages/landscape).
 */
export async function startDemo(): Promise<RunningDemo> {
  say("starting a local control plane (etcd, kube-apiserver, controller-manager, scheduler, kwok nodes)…");
  const cp = await startControlPlane({ full: true, progress: (l) => say(l) });
  const stopAll: (() => Promise<void>)[] = [() => cp.stop()];
  const stop = async (): Promise<void> => {
    // Each step gets a few seconds, so a stuck one never keeps the control plane alive.
    for (const s of stopAll.reverse()) {
      await Promise.race([s().catch(() => undefined), new Promise((r) => setTimeout(r, 5000))]);
    }
  };

  try {
    const kubeconfigPath = `${process.cwd()}/.tmp/kubeconfig`;
    await import("node:fs/promises").then((fs) => fs.mkdir(`${process.cwd()}/.tmp`, { recursive: true }));
    await copyFile(cp.kubeconfigPath, kubeconfigPath);
    const client = KubeClient.create({ kubeconfig: cp.kubeconfigPath });
    const log = createLogger("ERROR");
    await installCrds(client, log);
    say("operator init: CRDs installed (kubectl get crd | grep openmcp)");
    await client.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: NAMESPACE } }, "demo");
    const operator = await startOperator(
      { environment: ENVIRONMENT, namespace: NAMESPACE, kubeconfig: cp.kubeconfigPath },
      log,
    );
    stopAll.push(() => operator.stop());
    say(`operator run: watching providers, workloads go to namespace ${NAMESPACE}`);

    let last = "";
    const watch = new Informer<Provider & { metadata: { name?: string } }>(
      client,
      { apiVersion: API_VERSION, kind: "ServiceProvider" },
      {
        onEvent: (_t, p) => {
          const conds = (p.status?.conditions ?? [])
            .map((c) => `${c.type}=${c.status}${c.reason ? `/${c.reason}` : ""}`)
            .join(" ");
          const line = `${p.kind}/${p.metadata.name}: phase=${p.status?.phase ?? "-"} ${conds}`;
          if (line !== last) say(line);
          last = line;
        },
      },
    );
    await watch.start();
    stopAll.push(() => watch.stop());
    const jobs = new Informer(
      client,
      { apiVersion: "batch/v1", kind: "Job", namespace: NAMESPACE },
      {
        onEvent: (t, j) => {
          const s = (j as { status?: { succeeded?: number; failed?: number } }).status;
          say(
            `  Job ${j.metadata.name} ${t}${s?.succeeded ? " (succeeded)" : s?.failed ? ` (failed ${s.failed})` : ""}`,
          );
        },
      },
    );
    const deployments = new Informer(
      client,
      { apiVersion: "apps/v1", kind: "Deployment", namespace: NAMESPACE },
      {
        onEvent: (t, d) => {
          const s = (d as { status?: { availableReplicas?: number } }).status;
          say(`  Deployment ${d.metadata.name} ${t} (available ${s?.availableReplicas ?? 0})`);
        },
      },
    );
    await Promise.all([jobs.start(), deployments.start()]);
    stopAll.push(
      () => jobs.stop(),
      () => deployments.stop(),
    );

    say(`applying the example ServiceProvider:\n${toYaml(example).replace(/^/gm, "    ")}`);
    await client.apply(example, "demo");

    process.stdout.write(`
  The control plane keeps running. In another terminal:
    export KUBECONFIG=${kubeconfigPath}
    kubectl get openmcp                                   # all providers, with Phase, Image, Ready
    kubectl get serviceprovider example-service -o yaml
    kubectl wait serviceprovider/example-service --for=condition=Ready
    kubectl patch serviceprovider example-service --type=merge -p '{"spec":{"image":"ghcr.io/openmcp-project/images/service-provider-example:v1.1.0"}}'
  (kubectl: the one the harness built is at ${cp.binaries.kubectl ?? "(pnpm testenv env)"} when present)
  Press Ctrl-C to stop everything.
  `);
    return { cp, client, kubeconfigPath, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

if (import.meta.url === `file://${process.argv[1]}` && !process.argv.includes("--minimal")) {
  // The main job by default: the landscape (platform + onboarding, the reference's scheduler and
  // AccessRequest controllers, packages/landscape); `--minimal` runs startDemo() alone.
  const { runLandscapeDemo } = await import("../../landscape/src/landscape-demo.ts");
  const stop = await runLandscapeDemo(say);
  const exit = (): void => void stop().finally(() => (say("stopped; nothing left running"), process.exit(0)));
  process.once("SIGINT", exit);
  process.once("SIGTERM", exit);
} else if (import.meta.url === `file://${process.argv[1]}`) {
  startDemo().then(
    (demo) => {
      const shutdown = async (): Promise<void> => {
        say("stopping…");
        await demo.stop();
        say("stopped; nothing left running");
        process.exit(0);
      };
      process.once("SIGINT", () => void shutdown());
      process.once("SIGTERM", () => void shutdown());
    },
    (err: unknown) => {
      process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
