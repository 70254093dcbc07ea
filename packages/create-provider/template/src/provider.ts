import { Informer, isNotFound, type KubeClient } from "@openmcp-ts/kube";
import {
  createAndWaitForCluster,
  defineProvider,
  installCrds,
  registerResources,
  type Provider,
} from "@openmcp-ts/provider-sdk";
import { API_VERSION, EXAMPLE_GVK, GROUP, exampleCrd, type Example } from "./example-crd.ts";

export const PROVIDER_NAME = "__providerName__";
const FIELD_MANAGER = PROVIDER_NAME;

export interface ProviderOptions {
  /** Use the platform cluster as the onboarding cluster instead of requesting one (local runs, tests). */
  platformIsOnboarding?: boolean;
}

async function onboardingClient(
  platform: KubeClient,
  namespace: string,
  localName: string,
  signal: AbortSignal,
  options: ProviderOptions,
): Promise<KubeClient> {
  if (options.platformIsOnboarding) return platform;
  return createAndWaitForCluster({
    client: platform,
    controllerName: GROUP,
    namespace,
    localName,
    purpose: "onboarding",
    permissions: [
      {
        rules: [
          { apiGroups: ["apiextensions.k8s.io"], resources: ["customresourcedefinitions"], verbs: ["*"] },
          { apiGroups: [GROUP], resources: ["examples", "examples/status"], verbs: ["*"] },
          { apiGroups: [""], resources: ["configmaps"], verbs: ["*"] },
        ],
      },
    ],
    signal,
  });
}

export function configMapName(exampleName: string): string {
  return `example-${exampleName}`;
}

/** Level-based: the ConfigMap holds spec.data and is owned by the Example, or is deleted with it. */
export async function reconcileExample(
  client: KubeClient,
  key: { namespace: string; name: string },
  example: Example | undefined,
): Promise<"applied" | "deleted"> {
  const ref = {
    apiVersion: "v1",
    kind: "ConfigMap",
    namespace: key.namespace,
    name: configMapName(key.name),
  };
  if (!example) {
    try {
      await client.delete(ref);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    return "deleted";
  }
  const uid = example.metadata.uid;
  await client.apply(
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: ref.name,
        namespace: key.namespace,
        labels: { "app.kubernetes.io/managed-by": FIELD_MANAGER },
        ...(uid
          ? {
              ownerReferences: [
                { apiVersion: API_VERSION, kind: "Example", name: key.name, uid, controller: true },
              ],
            }
          : {}),
      },
      data: example.spec?.data ?? {},
    },
    FIELD_MANAGER,
    { force: true },
  );
  return "applied";
}

/** `init` installs the Example CRD and registers it; `run` reconciles Examples into ConfigMaps. */
export function provider(options: ProviderOptions = {}): Provider {
  return defineProvider({
    name: PROVIDER_NAME,
    async init({ invocation, platform, namespace, signal, log }) {
      const onboarding = await onboardingClient(platform, namespace, "onboarding-init", signal, options);
      await installCrds({ platform, onboarding }, [exampleCrd()], { signal });
      log.info("CRDs installed", { crds: [exampleCrd().metadata.name] });
      await registerResources(platform, invocation.providerName, [EXAMPLE_GVK]);
      log.info("resources registered", { serviceProvider: invocation.providerName });
    },
    async run({ platform, namespace, signal, log }) {
      const onboarding = await onboardingClient(platform, namespace, "onboarding", signal, options);
      // init ran in another process: teach this one's client the REST path of the kind.
      onboarding.registerPlural("Example", "examples");
      // Events only enqueue; one pass at a time reads the latest cached state.
      const pending = new Set<string>();
      let chain = Promise.resolve();
      const informer: Informer<Example> = new Informer<Example>(
        onboarding,
        { apiVersion: API_VERSION, kind: "Example" },
        {
          onEvent: (_type, obj) => {
            const key = `${obj.metadata.namespace ?? ""}/${obj.metadata.name ?? ""}`;
            if (pending.has(key)) return;
            pending.add(key);
            chain = chain.then(async () => {
              pending.delete(key);
              const [ns = "", name = ""] = key.split("/");
              try {
                const result = await reconcileExample(
                  onboarding,
                  { namespace: ns, name },
                  informer.get(name, ns),
                );
                log.info("reconciled", { example: key, result });
              } catch (err) {
                log.error("cannot reconcile Example", { example: key, error: err });
              }
            });
          },
          onError: (err) => log.error("Example watch failed", { error: err }),
        },
      );
      await informer.start();
      log.info("watching Examples");
      await new Promise<void>((resolve) => {
        if (signal.aborted) resolve();
        signal.addEventListener("abort", () => resolve(), { once: true });
      });
      await informer.stop();
      await chain;
    },
  });
}
