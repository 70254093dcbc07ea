// Provider fixtures shared by the render tests: the reference's six controller scenarios
// (section 4.2 of the spec), the landscaper example (section 3.20) and one with every field set.
import type { Provider, ProviderKind, ProviderSpec } from "@openmcp-ts/contract";
import type { RenderContext } from "../render-context.ts";

export const TEST_IMAGE = "test-image:v0.1.0";

/** The reference tests' environment and namespace; metrics and webhook as the test asks. */
export const TEST_CTX: RenderContext = {
  environment: "test-environment",
  namespace: "openmcp-system",
  webhookSecretPresent: false,
};

/**
 * A provider as the reference's testdata writes it: generation 1, `NAME=test-name`, DEBUG, one
 * replica; `spec` overrides fields, `omit` removes them (as without API-server defaulting).
 */
export function testProvider(
  kind: ProviderKind,
  name: string,
  spec: Partial<ProviderSpec> = {},
  omit: readonly (keyof ProviderSpec)[] = [],
): Provider {
  const full: ProviderSpec = {
    image: TEST_IMAGE,
    imagePullSecrets: [],
    env: [{ name: "NAME", value: "test-name" }],
    verbosity: "DEBUG",
    runReplicas: 1,
    ...spec,
  };
  for (const key of omit) Reflect.deleteProperty(full, key);
  return { apiVersion: "openmcp.cloud/v1alpha1", kind, metadata: { name, uid: `uid-${name}`, generation: 1 }, spec: full };
}

export interface ReferenceScenario {
  id: string;
  provider: Provider;
}

export const REFERENCE_SCENARIOS: ReferenceScenario[] = [
  { id: "test-01", provider: testProvider("ClusterProvider", "cluster-provider-test-01") },
  { id: "test-02", provider: testProvider("ServiceProvider", "service-provider-test-02") },
  { id: "test-03", provider: testProvider("PlatformService", "platform-service-test-03") },
  {
    id: "test-04",
    provider: testProvider("PlatformService", "platform-service-test-04", {
      initCommand: ["test-init", "init-subcommand"],
      runCommand: ["test-run", "run-subcommand"],
    }),
  },
  {
    id: "test-05",
    provider: testProvider("ServiceProvider", "service-provider-test-05", {
      runReplicas: 3,
      topologySpreadConstraints: [
        { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway" },
        { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway" },
      ],
    }),
  },
  {
    id: "test-06",
    // The reference writes `metrics: {enabled: true, port: 8080}`; `enabled` is no field, `disabled` defaults to false.
    provider: testProvider("ServiceProvider", "service-provider-test-06", {
      metrics: { disabled: false, port: 8080 },
    }),
  },
];

/** `ServiceProvider landscaper` of the spec's section 1.4, generation 3. */
export function landscaperProvider(): Provider {
  return {
    apiVersion: "openmcp.cloud/v1alpha1",
    kind: "ServiceProvider",
    metadata: { name: "landscaper", uid: "<uid>", generation: 3 },
    spec: {
      image: "ghcr.io/example/service-provider-landscaper:v1.2.3",
      imagePullSecrets: [{ name: "regcred" }],
      initCommand: ["init"],
      runCommand: ["run"],
      env: [{ name: "FOO", value: "bar" }],
      verbosity: "DEBUG",
      runReplicas: 3,
      topologySpreadConstraints: [
        { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway" },
        { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway" },
      ],
      extraVolumes: [{ name: "cfg", configMap: { name: "landscaper-config" } }],
      extraVolumeMounts: [{ name: "cfg", mountPath: "/etc/landscaper" }],
      metrics: { disabled: false, port: 8080, path: "/metrics" },
    },
  };
}

/** The section 3.20 context: environment `live`, the webhook Secret present, the reference's pod shape. */
export const LANDSCAPER_CTX: RenderContext = {
  environment: "live",
  namespace: "openmcp-system",
  webhookSecretPresent: true,
  securityContext: "none",
};

/** Every spec field set, with keys deliberately out of order. */
export function everyFieldProvider(): Provider {
  return {
    apiVersion: "openmcp.cloud/v1alpha1",
    kind: "ClusterProvider",
    metadata: {
      name: "gardener",
      uid: "0b6d7f3e-8a52-4a7e-9c39-2d2f6f1f0a11",
      generation: 7,
      labels: { team: "platform" },
      annotations: { note: "labels and annotations of the provider are not copied" },
    },
    spec: {
      verbosity: "info",
      image: "ghcr.io/openmcp-project/images/cluster-provider-gardener:v0.4.0",
      imagePullSecrets: [{ name: "regcred" }, { name: "mirror" }],
      initCommand: ["gardener", "init", "--config=/etc/cfg/config.yaml"],
      runCommand: ["gardener", "run", "--config=/etc/cfg/config.yaml"],
      env: [
        { name: "HTTPS_PROXY", value: "http://proxy:3128" },
        { name: "EMPTY" },
        { name: "NO_PROXY", value: ".svc,.cluster.local" },
      ],
      runReplicas: 2,
      topologySpreadConstraints: [
        {
          whenUnsatisfiable: "DoNotSchedule",
          topologyKey: "topology.kubernetes.io/zone",
          maxSkew: 2,
          labelSelector: { matchLabels: { replaced: "yes" } },
          minDomains: 2,
          nodeTaintsPolicy: "Honor",
        },
      ],
      extraVolumes: [
        { secret: { secretName: "gardener-kubeconfig", defaultMode: 0o440 }, name: "kubeconfig" },
        { name: "cfg", configMap: { name: "gardener-config", items: [{ path: "config.yaml", key: "cfg" }] } },
      ],
      extraVolumeMounts: [
        { mountPath: "/etc/kubeconfig", name: "kubeconfig", readOnly: true },
        { name: "cfg", mountPath: "/etc/cfg", subPath: "config" },
      ],
      metrics: { disabled: false, port: 9443, path: "/custom-metrics" },
    },
  };
}

export const EVERY_FIELD_CTX: RenderContext = {
  environment: "prod-eu1",
  namespace: "openmcp-system",
  webhookSecretPresent: true,
  securityContext: "restricted",
  providerClusterRole: "openmcp:provider",
};

/** A ProviderRuntimeConfig with every setting, referenced, over a default one (issue 19). */
export const RUNTIME_CONFIG_CTX: RenderContext = {
  ...TEST_CTX,
  runtimeConfigs: {
    referenced: {
      name: "system-pods",
      spec: {
        common: {
          nodeSelector: { "node-role.kubernetes.io/system": "" },
          tolerations: [{ key: "dedicated", operator: "Equal", value: "system", effect: "NoSchedule" }],
          priorityClassName: "system-cluster-critical",
          podMetadata: { labels: { team: "platform" } },
          serviceAccountMetadata: { annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/p" } },
          env: [{ name: "TOKEN", valueFrom: { secretKeyRef: { name: "creds", key: "token" } } }],
          envFrom: [{ configMapRef: { name: "settings" }, prefix: "CFG_" }],
          podSecurityContext: { runAsUser: 65532, fsGroup: 65532 },
        },
        init: { resources: { requests: { cpu: "50m", memory: "32Mi" }, limits: { memory: "64Mi" } } },
        run: {
          resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { memory: "256Mi" } },
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                {
                  weight: 100,
                  podAffinityTerm: {
                    topologyKey: "kubernetes.io/hostname",
                    labelSelector: { matchLabels: { "app.kubernetes.io/instance": "service-provider-test-02" } },
                  },
                },
              ],
            },
          },
        },
      },
    },
    fallback: { name: "default", spec: { common: { podMetadata: { annotations: { "cost-center": "c1" } } } } },
  },
};
