import { API_VERSION, type Condition, type Provider, type ProviderKind } from "@openmcp-ts/contract";
import { KubeClient, createLogger } from "@openmcp-ts/kube";
import {
  installCrds,
  startOperator,
  sumOf,
  type OperatorOptions,
  type RunningOperator,
} from "@openmcp-ts/operator";
import { startControlPlane, type ControlPlane } from "@openmcp-ts/testenv";

/** A real control plane with our CRDs, the system namespace and a running operator, for tests. */
export interface OperatorHarness {
  cp: ControlPlane;
  client: KubeClient;
  operator: RunningOperator;
  namespace: string;
  /** Counts API requests by verb, from the operator's own client. */
  writes(): Promise<number>;
  stop(): Promise<void>;
}

export const TEST_NAMESPACE = "openmcp-system";
export const TEST_ENVIRONMENT = "test-environment";

export async function startOperatorHarness(
  options: {
    full?: boolean;
    operator?: Partial<OperatorOptions>;
    /** Installs the provider CRDs; default ours (`init`). E.g. the reference's, as GitOps may pin them. */
    installCrds?: (client: KubeClient) => Promise<unknown>;
  } = {},
): Promise<OperatorHarness> {
  const cp = await startControlPlane({ full: options.full ?? false, progress: () => undefined });
  try {
    const client = KubeClient.create({ kubeconfig: cp.kubeconfigPath });
    const log = createLogger(process.env.TEST_OPERATOR_LOGS ? "DEBUG" : "ERROR");
    await (options.installCrds ? options.installCrds(client) : installCrds(client, log));
    // As deploy/operator/namespace.yaml: the generated pods must pass the restricted standard.
    await client.apply(
      {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: {
          name: TEST_NAMESPACE,
          labels: {
            "pod-security.kubernetes.io/enforce": "restricted",
            "pod-security.kubernetes.io/enforce-version": "latest",
          },
        },
      },
      "test",
    );
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
    const writes = (): Promise<number> =>
      sumOf(operator.metrics.apiRequests, (l) => !["get", "list", "watch"].includes(String(l.verb)));
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

/**
 * Marks a Job complete through its status subresource, as kube-controller-manager would after its
 * pod succeeded: for apiserver-mode tests, where nothing runs pods.
 */
export async function completeJob(client: KubeClient, namespace: string, name: string): Promise<void> {
  const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  await client.patch(
    { apiVersion: "batch/v1", kind: "Job", namespace, name },
    "merge",
    {
      status: {
        startTime: now,
        completionTime: now,
        succeeded: 1,
        conditions: [
          { type: "SuccessCriteriaMet", status: "True", lastTransitionTime: now, lastProbeTime: now },
          { type: "Complete", status: "True", lastTransitionTime: now, lastProbeTime: now },
        ],
      },
    },
    { subresource: "status" },
  );
}
