import { Informer, type KubeClient } from "@openmcp-ts/kube";
import {
  createAndWaitForCluster,
  defineProvider,
  installCrds,
  registerResources,
  type Provider,
} from "@openmcp-ts/provider-sdk";
import { EXAMPLE_API_VERSION, EXAMPLE_GROUP, EXAMPLE_GVK, exampleCrd, type Example } from "./example-crd.ts";
import { reconcileExample } from "./reconcile-example.ts";

export const CONTROLLER_NAME = EXAMPLE_GROUP;

/** A 1 s poll: the requests are tiny, and init should not sit idle for the reference's 10 s. */
const REQUEST_POLL_MS = 1_000;

export interface ExampleProviderOptions {
  /**
   * Use the platform cluster as the onboarding cluster instead of requesting one (local runs and
   * tests without a cluster provider).
   */
  platformIsOnboarding?: boolean;
}

async function onboardingClient(
  platform: KubeClient,
  namespace: string,
  localName: string,
  signal: AbortSignal,
  options: ExampleProviderOptions,
): Promise<KubeClient> {
  if (options.platformIsOnboarding) return platform;
  return createAndWaitForCluster({
    client: platform,
    controllerName: CONTROLLER_NAME,
    namespace,
    localName,
    purpose: "onboarding",
    permissions:
      localName === "onboarding-init"
        ? [
            {
              rules: [
                {
                  apiGroups: ["apiextensions.k8s.io"],
                  resources: ["customresourcedefinitions"],
                  verbs: ["*"],
                },
              ],
            },
          ]
        : [
            {
              rules: [
                { apiGroups: [EXAMPLE_GROUP], resources: ["examples", "examples/status"], verbs: ["*"] },
                { apiGroups: [""], resources: ["configmaps"], verbs: ["*"] },
              ],
            },
          ],
    intervalMs: REQUEST_POLL_MS,
    signal,
  });
}

/** The example ServiceProvider: `init` installs and registers the Example CRD, `run` reconciles Examples into ConfigMaps. */
export function exampleProvider(options: ExampleProviderOptions = {}): Provider {
  return defineProvider({
    name: "service-provider-example",
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
        { apiVersion: EXAMPLE_API_VERSION, kind: "Example" },
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
                log.debug("reconciled", { example: key, result });
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
