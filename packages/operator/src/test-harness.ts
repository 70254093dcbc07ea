import { API_VERSION, type Condition, type Provider, type ProviderKind } from "@openmcp-ts/contract";
import { KubeClient } from "@openmcp-ts/kube";
import { startControlPlane, type ControlPlane } from "@openmcp-ts/testenv";

export { eventually } from "@openmcp-ts/testenv";
import { installCrds } from "./install-crds.ts";
import { createLogger } from "@openmcp-ts/kube";
import { startOperator, type OperatorOptions, type RunningOperator } from "./operator.ts";

/** A real control plane with our CRDs, the system namespace and a running operator, for tests. */
export interface OperatorHarness {
  cp: ControlPlane;
  client: KubeClient;
  operator: RunningOperator;
  namespace: string;
  /** Counts API requests by verb, from the operator's own client. */
  writes(): number;
  stop(): Promise<void>;
}

export const TEST_NAMESPACE = "openmcp-system";
export const TEST_ENVIRONMENT = "test-environment";

export async function startOperatorHarness(
  options: { full?: boolean; operator?: Partial<OperatorOptions> } = {},
): Promise<OperatorHarness> {
  const cp = await startControlPlane({ full: options.full ?? false, progress: () => undefined });
  try {
    const client = KubeClient.create({ kubeconfig: cp.kubeconfigPath });
    const log = createLogger(process.env.TEST_OPERATOR_LOGS ? "DEBUG" : "ERROR");
    await installCrds(client, log);
    await client.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: TEST_NAMESPACE } }, "test");
    const operator = await startOperator(
      {
        environment: TEST_ENVIRONMENT,
        namespace: TEST_NAMESPACE,
        kubeconfig: cp.kubeconfigPath,
        initBackoffBaseMs: 200,
        initBackoffMaxMs: 1000,
        ...options.operator,
      },
      log,
    );
    const writes = (): number =>
      operator.metrics.apiRequests.sum((l) => !["get", "list", "watch"].includes(l.verb ?? ""));
    return {
      cp,
      client,
      operator,
      namespace: TEST_NAMESPACE,
      writes,
      stop: async () => {
        await operator.stop();
        await cp.stop();
      },
    };
  } catch (err) {
    await cp.stop();
    throw err;
  }
}

export function providerRef(
  kind: ProviderKind,
  name: string,
): { apiVersion: string; kind: string; name: string } {
  return { apiVersion: API_VERSION, kind, name };
}

export function testProvider(
  kind: ProviderKind,
  name: string,
  spec: Partial<Provider["spec"]> = {},
): Provider {
  return {
    apiVersion: API_VERSION,
    kind,
    metadata: { name },
    spec: {
      image: "test-image:v0.1.0",
      env: [{ name: "NAME", value: "test-name" }],
      verbosity: "DEBUG",
      ...spec,
    },
  };
}

export function condition(p: Provider | undefined, type: string): Condition | undefined {
  return p?.status?.conditions?.find((c) => c.type === type);
}
