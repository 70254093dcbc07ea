import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Server } from "node:http";
import {
  ForeignLeaseWatcher,
  KubeClient,
  LeaderElector,
  WriteFencedError,
  recordEvent,
  type ForeignLeaseState,
} from "@openmcp-ts/kube";
import { metricsRoute, parseBindAddress, serveHttp } from "./http-server.ts";
import type { Logger } from "@openmcp-ts/kube";
import { createOperatorMetrics, type OperatorMetrics } from "./metrics.ts";
import { resolveOperatorOptions, type OperatorOptionsInput } from "./operator-options.ts";
import { ProviderController } from "./provider-controller.ts";

export interface RunningOperator {
  controller: ProviderController;
  metrics: OperatorMetrics;
  client: KubeClient;
  isLeader(): boolean;
  /** Graceful stop: stop reconciling, release the lease, close servers and watches. */
  stop(): Promise<void>;
}

/** Starts the provider controllers with informers, optional leader election, and the probe/metrics servers. */
export async function startOperator(input: OperatorOptionsInput, log: Logger): Promise<RunningOperator> {
  const options = resolveOperatorOptions(input);
  const metrics = createOperatorMetrics();
  let host = "";
  const client = KubeClient.create({
    ...(options.kubeconfig ? { kubeconfig: options.kubeconfig } : {}),
    onRequest: (verb, _path, status, method) => {
      metrics.apiRequests.inc({ verb, code: String(status) });
      metrics.restRequests.inc({ code: String(status), method: method ?? verb.toUpperCase(), host });
    },
  });
  host = new URL(client.server).host;
  let elector: LeaderElector | undefined;
  let foreign: ForeignLeaseWatcher | undefined;
  // With leader election every write of the controllers is fenced: a leader that was paused past
  // its lease writes nothing after it resumes, even before its elector notices the loss. Likewise
  // while another operator holds the Lease we wait for, even in a pass that began before it did.
  const controllerClient =
    options.leaderElect || options.waitForLease
      ? client.withWriteGuard((method, path) => {
          if (options.leaderElect && !elector?.isLeader()) {
            metrics.writesFenced.inc();
            throw new WriteFencedError(
              `not sending ${method} ${path}: this replica does not hold the leader lease`,
            );
          }
          if (foreign?.isHeld()) {
            metrics.writesFenced.inc();
            throw new WriteFencedError(`not sending ${method} ${path}: ${foreign.state().reason}`);
          }
        })
      : client;
  const controller = new ProviderController(controllerClient, log, metrics, options);
  let ready = false;
  let leading = !options.leaderElect;
  let foreignState: ForeignLeaseState | undefined;
  // Workers run while this replica leads and no other operator holds the Lease we wait for.
  const gate = (): void => {
    const work = leading && !foreignState?.held ? controller.startWorkers() : controller.stopWorkers();
    work.catch((err: unknown) => log.error("cannot switch the workers", { error: String(err) }));
  };
  const servers: Server[] = [];
  const health = parseBindAddress(options.healthProbeBindAddress, "--health-probe-bind-address");
  if (health) {
    servers.push(
      await serveHttp(health, {
        "/healthz": () => ({ status: 200, body: "ok\n" }),
        "/readyz": () => {
          if (!ready) return { status: 503, body: "caches not synced\n" };
          if (foreignState?.held) return { status: 503, body: `${foreignState.reason}\n` };
          return { status: 200, body: "ok\n" };
        },
      }),
    );
  }
  const metricsBind = parseBindAddress(options.metricsBindAddress, "--metrics-bind-address");
  if (metricsBind) servers.push(await serveHttp(metricsBind, metricsRoute(metrics.registry)));

  await controller.startInformers();
  ready = true;
  log.info("caches synced", { namespace: options.namespace, environment: options.environment });

  if (options.waitForLease) {
    const watcher = new ForeignLeaseWatcher(
      client,
      {
        namespace: options.namespace,
        name: options.waitForLease,
        ...(options.waitForLeasePollSeconds ? { pollSeconds: options.waitForLeasePollSeconds } : {}),
      },
      log,
      (state) => {
        foreignState = state;
        if (state.held) log.info("waiting for another operator to stop", { reason: state.reason });
        else log.info("foreign lease released or expired: writing to providers", { reason: state.reason });
        recordLeaseEvent(client, options.namespace, watcher, state, log);
        gate();
      },
    );
    foreign = watcher;
    await watcher.start();
  }

  if (options.leaderElect) {
    elector = new LeaderElector(
      client,
      {
        namespace: options.namespace,
        name: options.leaseName,
        identity: options.identity ?? `${hostname()}_${randomUUID()}`,
        leaseDurationSeconds: options.leaseDurationSeconds,
      },
      log,
      {
        onStartedLeading: () => {
          metrics.isLeader.set({ name: options.leaseName }, 1);
          leading = true;
          gate();
        },
        onStoppedLeading: () => {
          metrics.isLeader.set({ name: options.leaseName }, 0);
          leading = false;
          gate();
        },
      },
    );
    elector.start();
  } else {
    metrics.isLeader.set({ name: options.leaseName }, 1);
    gate();
  }

  return {
    controller,
    metrics,
    client,
    isLeader: () => elector?.isLeader() ?? true,
    stop: async () => {
      foreign?.stop();
      // The passes in flight end before the lease is released: a successor never runs beside them.
      await controller.stopWorkers();
      await elector?.stop();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
      await controller.stop();
    },
  };
}

/** An Event on the watched Lease (in its namespace), so `kubectl describe lease` says why we wait. */
function recordLeaseEvent(
  client: KubeClient,
  namespace: string,
  watcher: ForeignLeaseWatcher,
  state: ForeignLeaseState,
  log: Logger,
): void {
  const name = watcher.lease.slice(namespace.length + 1);
  const reason = state.held ? "WaitingForLease" : "LeaseReleased";
  recordEvent(
    client,
    {
      namespace,
      involvedObject: {
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        namespace,
        name,
        ...(watcher.leaseUid ? { uid: watcher.leaseUid } : {}),
      },
      type: state.held ? "Warning" : "Normal",
      reason,
      message: state.held
        ? `openmcp-operator-ts is not writing to providers: ${state.reason}`
        : `openmcp-operator-ts writes to providers again: ${state.reason}`,
      component: "openmcp-operator-ts",
    },
    (err) => log.error("cannot record event", { reason, error: String(err) }),
  );
}
