import { copyFile } from "node:fs/promises";
import { API_VERSION, toYaml, type Provider } from "@openmcp-ts/contract";
import { Informer, KubeClient } from "@openmcp-ts/kube";
import { startControlPlane } from "@openmcp-ts/testenv";
import { installCrds } from "./install-crds.ts";
import { createLogger } from "@openmcp-ts/kube";
import { startOperator } from "./operator.ts";

/**
 * The main job (`pnpm start`): the local landscape (packages/landscape); with `--minimal` one full
 * local control plane, the operator, and the example ServiceProvider from the contract going to
 * Ready (kwok plays its pods), shown live. Runs until Ctrl-C.
 */
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

async function main(): Promise<void> {
  if (!process.argv.includes("--minimal")) {
    // The landscape (platform + onboarding, the reference's scheduler and AccessRequest controllers).
    const { runLandscapeDemo } = await import("../../landscape/src/landscape-demo.ts");
    const stop = await runLandscapeDemo(say);
    const exit = (): void =>
      void stop().finally(() => (say("stopped; nothing left running"), process.exit(0)));
    process.once("SIGINT", exit);
    process.once("SIGTERM", exit);
    return;
  }
  say("starting a local control plane (etcd, kube-apiserver, controller-manager, scheduler, kwok nodes)…");
  const cp = await startControlPlane({ full: true, progress: (l) => say(l) });
  const stopAll: (() => Promise<void>)[] = [() => cp.stop()];
  const shutdown = async (): Promise<void> => {
    say("stopping…");
    // Each step gets a few seconds, so a stuck one never keeps the control plane alive.
    for (const s of stopAll.reverse()) {
      await Promise.race([s().catch(() => undefined), new Promise((r) => setTimeout(r, 5000))]);
    }
    say("stopped; nothing left running");
    process.exit(0);
  };
  process.once("SIGINT", () => void shutdown());
  process.once("SIGTERM", () => void shutdown());

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
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
