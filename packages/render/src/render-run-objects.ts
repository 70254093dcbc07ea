import {
  LABEL_TOPOLOGY,
  LABEL_TOPOLOGY_NS,
  METRICS_PORT_NAME,
  RENDER_PROBLEM_TYPES,
  WEBHOOK_CERT_DIR,
  WEBHOOK_VOLUME_NAME,
  type ClusterRoleBinding,
  type Deployment,
  type Provider,
  type Service,
  type ServiceAccount,
  type TopologySpreadConstraint,
  type Volume,
  type VolumeMount,
} from "@openmcp-ts/contract";
import { controllerLabels } from "./provider-labels.ts";
import { renderRunArgs } from "./render-args.ts";
import type { RenderContext } from "./render-context.ts";
import { newRenderError } from "./render-error.ts";
import {
  objectMeta,
  podSecurityContext,
  podVolumes,
  prepareRenderInput,
  providerIdentity,
  renderContainer,
  type RenderInput,
} from "./render-pod.ts";

export interface RunObjects {
  serviceAccount: ServiceAccount;
  clusterRoleBinding: ClusterRoleBinding;
  deployment: Deployment;
  /** Absent when `spec.metrics.disabled`. */
  metricsService?: Service;
}

/**
 * The reference accepts a volume named webhook-tls and a mount at the certificate directory, and
 * only clashes (the API server rejects its Deployment) while the webhook Secret exists: here the
 * clash is a render error naming the field.
 */
function checkWebhookClash(input: RenderInput): void {
  const secret = input.names.webhookSecret;
  const volume = input.spec.extraVolumes.findIndex((v) => v.name === WEBHOOK_VOLUME_NAME);
  if (volume >= 0) {
    throw newRenderError(
      "Deployment",
      input.provider,
      RENDER_PROBLEM_TYPES.WebhookClash,
      `spec.extraVolumes[${volume}].name: "${WEBHOOK_VOLUME_NAME}" clashes with the webhook certificate volume the operator adds while the Secret ${secret} exists: rename the volume`,
      `spec.extraVolumes[${volume}].name`,
    );
  }
  const mount = input.spec.extraVolumeMounts.findIndex(
    (m) => m.mountPath.replace(/\/+$/, "") === WEBHOOK_CERT_DIR,
  );
  if (mount >= 0) {
    throw newRenderError(
      "Deployment",
      input.provider,
      RENDER_PROBLEM_TYPES.WebhookClash,
      `spec.extraVolumeMounts[${mount}].mountPath: "${input.spec.extraVolumeMounts[mount]!.mountPath}" clashes with the webhook certificate the operator mounts there while the Secret ${secret} exists: mount elsewhere`,
      `spec.extraVolumeMounts[${mount}].mountPath`,
    );
  }
}

/**
 * The run phase: ServiceAccount and ClusterRoleBinding `<p>-<name>`, the Deployment and (metrics
 * on) the metrics Service, as the reference renders them, plus owner references on all of them
 * and (unless `securityContext: "none"`) a restricted security context.
 */
export function renderRunObjects(provider: Provider, ctx: RenderContext): RunObjects {
  const input = prepareRenderInput(provider, ctx, "Deployment");
  const { names, spec } = input;
  const metrics = spec.metrics;

  const { serviceAccount, clusterRoleBinding } = providerIdentity(
    input,
    { serviceAccount: names.run, clusterRoleBinding: names.runClusterRoleBinding },
    controllerLabels(provider),
  );

  if (ctx.webhookSecretPresent) checkWebhookClash(input);
  const webhook: { volumes: Volume[]; mounts: VolumeMount[] } = ctx.webhookSecretPresent
    ? {
        volumes: [{ name: WEBHOOK_VOLUME_NAME, secret: { secretName: names.webhookSecret } }],
        mounts: [{ name: WEBHOOK_VOLUME_NAME, mountPath: WEBHOOK_CERT_DIR, readOnly: true }],
      }
    : { volumes: [], mounts: [] };
  const { pod, mounts } = podVolumes(input, "Deployment", webhook);
  const topology = renderTopology(input);
  const ports = metrics.enabled
    ? [{ name: METRICS_PORT_NAME, containerPort: metrics.port, protocol: "TCP" }]
    : [];

  const deployment: Deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: objectMeta(input, names.run, true, controllerLabels(provider)),
    spec: {
      replicas: spec.runReplicas,
      selector: { matchLabels: controllerLabels(provider) },
      template: {
        metadata: {
          labels: { ...controllerLabels(provider), ...topology.labels },
          ...(metrics.enabled
            ? {
                annotations: {
                  "prometheus.io/scrape": "true",
                  "prometheus.io/path": metrics.path,
                  "prometheus.io/port": String(metrics.port),
                },
              }
            : {}),
        },
        spec: {
          serviceAccountName: names.run,
          ...podSecurityContext(ctx),
          ...pod,
          ...(topology.constraints.length > 0 ? { topologySpreadConstraints: topology.constraints } : {}),
          containers: [
            renderContainer(input, names.run, renderRunArgs(spec, ctx, input.name), mounts, ports),
          ],
        },
      },
    },
  };

  const run: RunObjects = { serviceAccount, clusterRoleBinding, deployment };
  if (metrics.enabled) {
    run.metricsService = {
      apiVersion: "v1",
      kind: "Service",
      metadata: objectMeta(input, names.metricsService, true, controllerLabels(provider)),
      spec: {
        type: "ClusterIP",
        selector: controllerLabels(provider),
        ports: [
          { name: METRICS_PORT_NAME, port: metrics.port, protocol: "TCP", targetPort: METRICS_PORT_NAME },
        ],
      },
    };
  }
  return run;
}

/** Each constraint's selector is replaced by the two topology labels, which the pods then carry. */
function renderTopology(input: RenderInput): {
  labels: Record<string, string>;
  constraints: TopologySpreadConstraint[];
} {
  const given = input.spec.topologySpreadConstraints;
  if (given.length === 0) return { labels: {}, constraints: [] };
  const selector = () => ({ [LABEL_TOPOLOGY]: input.names.run, [LABEL_TOPOLOGY_NS]: input.ctx.namespace });
  return {
    labels: selector(),
    constraints: given.map((constraint) => {
      const rest: Partial<TopologySpreadConstraint> = { ...constraint };
      delete rest.labelSelector;
      const { maxSkew, topologyKey, whenUnsatisfiable } = constraint;
      return { maxSkew, topologyKey, whenUnsatisfiable, labelSelector: { matchLabels: selector() }, ...rest };
    }),
  };
}
