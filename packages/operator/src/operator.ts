import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Server } from "node:http";
import { FIELD_MANAGER_OPERATOR } from "@openmcp-ts/contract";
import { KubeClient, LeaderElector, WriteFencedError } from "@openmcp-ts/kube";
import { metricsRoute, parseBindAddress, serveHttp } from "./http-server.ts";
import type { Logger } from "@openmcp-ts/kube";
import { createOperatorMetrics, type OperatorMetrics } from "./metrics.ts";
import { ProviderController, type ProviderControllerOptions } from "./provider-controller.ts";

export interface OperatorOptions extends Omit<ProviderControllerOptions, "fieldManager" | "workers"> {
  kubeconfig?: string;
  workers?: number;
  leaderElect?: boolean;
  leaseName?: string;
  leaseDurationSeconds?: number;
  identity?: string;
  metricsBindAddress?: string;
  healthProbeBindAddress?: string;
}

export interface RunningOperator {
  controller: ProviderController;
  metrics: OperatorMetrics;
  client: KubeClient;
  isLeader(): boolean;
  /** Graceful stop: stop reconciling, release the lease, close servers and watches. */
  stop(): Promise<void>;
}

/** Starts the provider controllers with informers, optional leader election, and the probe/metrics servers. */
export async function startOperator(options: OperatorOptions, log: Logger): Promise<RunningOperator> {
  const metrics = createOperatorMetrics();
  const client = KubeClient.create({
    ...(options.kubeconfig ? { kubeconfig: options.kubeconfig } : {}),
    onRequest: (verb, _path, status) => metrics.apiRequests.inc({ verb, code: String(status) }),
  });
  let elector: LeaderElector | undefined;
  // With leader election every write of the controllers is fenced: a leader that was paused past
  // its lease writes nothing after it resumes, even before its elector notices the loss.
  const controllerClient = options.leaderElect
    ? client.withWriteGuard((method, path) => {
        if (!elector?.isLeader()) {
          metrics.writesFenced.inc({});
          throw new WriteFencedError(
            `not sending ${method} ${path}: this replica does not hold the leader lease`,
          );
        }
      })
    : client;
  const controller = new ProviderController(controllerClient, log, metrics, {
    ...options,
    fieldManager: FIELD_MANAGER_OPERATOR,
    workers: options.workers ?? 4,
  });
  let ready = false;
  const servers: Server[] = [];
  const health = parseBindAddress(options.healthProbeBindAddress ?? "0", "--health-probe-bind-address");
  if (health) {
    servers.push(
      await serveHttp(health, {
        "/healthz": () => ({ status: 200, body: "ok\n" }),
        "/readyz": () =>
          ready ? { status: 200, body: "ok\n" } : { status: 503, body: "caches not synced\n" },
      }),
    );
  }
  const metricsBind = parseBindAddress(options.metricsBindAddress ?? "0", "--metrics-bind-address");
  if (metricsBind) servers.push(await serveHttp(metricsBind, metricsRoute(metrics.registry)));

  await controller.startInformers();
  ready = true;
  log.info("caches synced", { namespace: options.namespace, environment: options.environment });

  if (options.leaderElect) {
    elector = new LeaderElector(
      client,
      {
        namespace: options.namespace,
        name: options.leaseName ?? "openmcp-operator-ts",
        identity: options.identity ?? `${hostname()}_${randomUUID()}`,
        ...(options.leaseDurationSeconds ? { leaseDurationSeconds: options.leaseDurationSeconds } : {}),
      },
      log,
      {
        onStartedLeading: () => {
          metrics.isLeader.set({}, 1);
          controller.startWorkers();
        },
        onStoppedLeading: () => {
          metrics.isLeader.set({}, 0);
          controller.stopWorkers();
        },
      },
    );
    elector.start();
  } else {
    metrics.isLeader.set({}, 1);
    controller.startWorkers();
  }

  return {
    controller,
    metrics,
    client,
    isLeader: () => elector?.isLeader() ?? true,
    stop: async () => {
      controller.stopWorkers();
      await elector?.stop();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
      await controller.stop();
    },
  };
}
