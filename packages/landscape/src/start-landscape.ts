import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { API_VERSION, type Provider } from "@openmcp-ts/contract";
import { KubeClient, createLogger } from "@openmcp-ts/kube";
import { installCrds, startOperator, type RunningOperator } from "@openmcp-ts/operator";
import { startControlPlane, type ControlPlane } from "@openmcp-ts/testenv";

type Progress = (line: string) => void;
// The reference's helpers live with the benchmarks, which also depend on this package: a path, not a
// workspace dependency, keeps the two from depending on each other.
import {
  installReferenceCrds,
  spawnReferenceOperator,
  type ReferenceProcess,
} from "../../../bench/reference/reference-operator.ts";
import { EXTERNAL_BEHAVIOR, PodRunner } from "./pod-runner.ts";

export const LANDSCAPE_NAMESPACE = "openmcp-system";
export const LANDSCAPE_ENVIRONMENT = "local";
/** The ClusterProvider's name, which is also the name of the ClusterProfile it owns. */
export const LOCAL_PROFILE = "local";
/** The Cluster the scheduler creates for purpose `onboarding` (unlimited sharing: named after the purpose). */
export const ONBOARDING_CLUSTER = "onboarding";
export const CLUSTERS_SECRET = "cluster-provider-local-clusters";

const REPO_ROOT = resolve(import.meta.dirname, "../../..");
const IMAGES = {
  "cluster-provider-local": join(REPO_ROOT, "examples/cluster-provider-local/src/main.ts"),
  "service-provider-example": join(REPO_ROOT, "examples/service-provider-example/src/main.ts"),
} as const;

/** The reference scheduler's configuration: purpose `onboarding` → one shared Cluster of the local profile. */
export function schedulerConfigYaml(namespace = LANDSCAPE_NAMESPACE): string {
  return `scheduler:
  scope: Cluster
  strategy: Simple
  purposeMappings:
    onboarding:
      template:
        metadata:
          namespace: ${namespace}
          labels:
            clusters.openmcp.cloud/delete-without-requests: "false"
        spec:
          profile: ${LOCAL_PROFILE}
          tenancy: Shared
`;
}

/** The two providers the landscape deploys, as a user would apply them (plus the pod runner's behaviour). */
export function landscapeProviders(): Provider[] {
  const env = [{ ...EXTERNAL_BEHAVIOR }];
  return [
    {
      apiVersion: API_VERSION,
      kind: "ClusterProvider",
      metadata: { name: LOCAL_PROFILE },
      spec: { image: "ghcr.io/openmcp-project/images/cluster-provider-local:dev", verbosity: "INFO", env },
    },
    {
      apiVersion: API_VERSION,
      kind: "ServiceProvider",
      metadata: { name: "example" },
      spec: { image: "ghcr.io/openmcp-project/images/service-provider-example:dev", verbosity: "INFO", env },
    },
  ];
}

export interface LandscapeOptions {
  progress?: Progress;
  /** Where kubeconfigs, the scheduler config and the pods' logs go; a temporary directory by default. */
  dir?: string;
  /** Apply landscapeProviders() (default true); a test may apply its own. */
  applyProviders?: boolean;
}

export interface Landscape {
  platform: ControlPlane;
  onboarding: ControlPlane;
  platformClient: KubeClient;
  onboardingClient: KubeClient;
  dir: string;
  reference: ReferenceProcess;
  operator: RunningOperator;
  runner: PodRunner;
  /** Milliseconds per start-up step, in order. */
  timings: { step: string; ms: number }[];
  /** What runs where, for people. */
  describe(): string;
  stop(): Promise<void>;
}

/**
 * A local openMCP landscape: a full platform cluster and an onboarding cluster (a second
 * apiserver); on the platform the reference's scheduler and AccessRequest controllers, our
 * operator, and a pod runner that runs the providers' pods as local processes; the ClusterProvider
 * `local` and the example ServiceProvider applied as resources.
 */
export async function startLandscape(options: LandscapeOptions = {}): Promise<Landscape> {
  const progress = options.progress ?? ((l: string) => void process.stderr.write(`landscape: ${l}\n`));
  const timings: { step: string; ms: number }[] = [];
  const stops: (() => Promise<unknown>)[] = [];
  let t = Date.now();
  const step = (name: string): void => {
    const now = Date.now();
    timings.push({ step: name, ms: now - t });
    progress(`${name} (${((now - t) / 1000).toFixed(1)} s)`);
    t = now;
  };
  const stop = async (): Promise<void> => {
    // Each step gets a few seconds, so a stuck one never keeps the control planes alive.
    for (const s of stops.splice(0).reverse())
      await Promise.race([s().catch(() => undefined), new Promise((r) => setTimeout(r, 6000))]);
  };
  try {
    const dir = options.dir ?? join(REPO_ROOT, ".tmp", "landscape");
    await mkdir(join(dir, "pods"), { recursive: true });
    const [platform, onboarding] = await Promise.all([
      startControlPlane({ full: true, progress: (l) => progress(`platform: ${l}`) }),
      startControlPlane({ progress: (l) => progress(`onboarding: ${l}`) }),
    ]);
    stops.push(
      () => platform.stop(),
      () => onboarding.stop(),
    );
    await writeFile(join(dir, "platform.kubeconfig"), platform.kubeconfigYaml, { mode: 0o600 });
    await writeFile(join(dir, "onboarding.kubeconfig"), onboarding.kubeconfigYaml, { mode: 0o600 });
    step("platform (full) and onboarding (apiserver) control planes ready");

    const platformClient = KubeClient.create({ kubeconfig: platform.kubeconfigPath });
    const onboardingClient = KubeClient.create({ kubeconfig: onboarding.kubeconfigPath });
    await platformClient.apply(
      { apiVersion: "v1", kind: "Namespace", metadata: { name: LANDSCAPE_NAMESPACE } },
      "landscape",
    );
    // The reference's clusters.openmcp.cloud CRDs (Cluster, ClusterProfile, …), then ours take over the provider kinds.
    await installReferenceCrds(platformClient);
    const log = createLogger("ERROR");
    await installCrds(platformClient, log);
    await platformClient.apply(
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: CLUSTERS_SECRET, namespace: LANDSCAPE_NAMESPACE },
        data: { [ONBOARDING_CLUSTER]: Buffer.from(onboarding.kubeconfigYaml).toString("base64") },
      },
      "landscape",
    );
    step("CRDs installed (the reference's clusters.openmcp.cloud, ours for providers)");

    const configPath = join(dir, "scheduler-config.yaml");
    await writeFile(configPath, schedulerConfigYaml());
    const reference = await spawnReferenceOperator({
      kubeconfig: platform.kubeconfigPath,
      namespace: LANDSCAPE_NAMESPACE,
      environment: LANDSCAPE_ENVIRONMENT,
      controllers: ["scheduler", "accessrequest"],
      extraArgs: [`--config=${configPath}`],
    });
    stops.push(() => reference.stop());
    const operator = await startOperator(
      {
        environment: LANDSCAPE_ENVIRONMENT,
        namespace: LANDSCAPE_NAMESPACE,
        kubeconfig: platform.kubeconfigPath,
      },
      log,
    );
    stops.push(() => operator.stop());
    const runner = new PodRunner({
      client: platformClient,
      cluster: platform,
      namespace: LANDSCAPE_NAMESPACE,
      logDir: join(dir, "pods"),
      cwd: REPO_ROOT,
      programFor: (image) => {
        const main = Object.entries(IMAGES).find(([name]) => image.includes(`/${name}:`))?.[1];
        return main ? [process.execPath, "--import", "tsx", main] : undefined;
      },
      onEvent: (line) => progress(line),
    });
    await runner.start();
    stops.push(() => runner.stop());
    step("reference scheduler + accessrequest controllers, our operator and the pod runner started");

    if (options.applyProviders ?? true) {
      for (const p of landscapeProviders()) await platformClient.apply(p, "landscape");
      step("ClusterProvider local and ServiceProvider example applied");
    }

    return {
      platform,
      onboarding,
      platformClient,
      onboardingClient,
      dir,
      reference,
      operator,
      runner,
      timings,
      describe: () => describeLandscape(platform, onboarding, dir),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

function describeLandscape(platform: ControlPlane, onboarding: ControlPlane, dir: string): string {
  return `
  platform cluster   ${platform.server}   kubeconfig ${join(dir, "platform.kubeconfig")}
    etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok nodes
    reference openmcp-operator v1.3.0: scheduler (purpose onboarding → profile ${LOCAL_PROFILE}), accessrequest
    our operator: ClusterProvider ${LOCAL_PROFILE}, ServiceProvider example → Jobs and Deployments in ${LANDSCAPE_NAMESPACE}
    pod runner: the providers' pods as local processes (logs in ${join(dir, "pods")})
  onboarding cluster ${onboarding.server}   kubeconfig ${join(dir, "onboarding.kubeconfig")}
    etcd, kube-apiserver; Cluster ${LANDSCAPE_NAMESPACE}/${ONBOARDING_CLUSTER} (profile ${LOCAL_PROFILE}) on the platform points here
`;
}
