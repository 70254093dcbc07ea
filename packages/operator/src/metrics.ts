import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { WorkQueueMetrics } from "@openmcp-ts/kube";

export { Registry };

/** controller-runtime's buckets for reconcile and work queue durations (seconds). */
const DURATION_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.25, 1.5,
  1.75, 2, 2.5, 3, 3.5, 4, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];
/** client-go's work queue buckets: 1 µs to 10 s, tenfold. */
const QUEUE_BUCKETS = [1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 0.01, 0.1, 1, 10];

/**
 * The operator's metrics on a registry of its own: controller-runtime's and client-go's names and
 * labels, so stock dashboards and alerts work, plus our additions under `openmcp_`.
 */
export function createOperatorMetrics(registry = new Registry()) {
  const registers = [registry];
  const metrics = {
    registry,
    reconcileTotal: new Counter({
      name: "controller_runtime_reconcile_total",
      help: "Total number of reconciliations per controller",
      labelNames: ["controller", "result"] as const,
      registers,
    }),
    reconcileErrors: new Counter({
      name: "controller_runtime_reconcile_errors_total",
      help: "Total number of reconciliation errors per controller",
      labelNames: ["controller"] as const,
      registers,
    }),
    reconcileTime: new Histogram({
      name: "controller_runtime_reconcile_time_seconds",
      help: "Length of time per reconciliation per controller",
      labelNames: ["controller"] as const,
      buckets: DURATION_BUCKETS,
      registers,
    }),
    maxConcurrentReconciles: new Gauge({
      name: "controller_runtime_max_concurrent_reconciles",
      help: "Maximum number of concurrent reconciles per controller",
      labelNames: ["controller"] as const,
      registers,
    }),
    activeWorkers: new Gauge({
      name: "controller_runtime_active_workers",
      help: "Number of currently used workers per controller",
      labelNames: ["controller"] as const,
      registers,
    }),
    queueDepth: new Gauge({
      name: "workqueue_depth",
      help: "Current depth of workqueue",
      labelNames: ["name", "controller"] as const,
      registers,
    }),
    queueAdds: new Counter({
      name: "workqueue_adds_total",
      help: "Total number of adds handled by workqueue",
      labelNames: ["name", "controller"] as const,
      registers,
    }),
    queueLatency: new Histogram({
      name: "workqueue_queue_duration_seconds",
      help: "How long in seconds an item stays in workqueue before being requested",
      labelNames: ["name", "controller"] as const,
      buckets: QUEUE_BUCKETS,
      registers,
    }),
    workDuration: new Histogram({
      name: "workqueue_work_duration_seconds",
      help: "How long in seconds processing an item from workqueue takes",
      labelNames: ["name", "controller"] as const,
      buckets: QUEUE_BUCKETS,
      registers,
    }),
    queueRetries: new Counter({
      name: "workqueue_retries_total",
      help: "Total number of retries handled by workqueue",
      labelNames: ["name", "controller"] as const,
      registers,
    }),
    restRequests: new Counter({
      name: "rest_client_requests_total",
      help: "Number of HTTP requests, partitioned by status code, method, and host",
      labelNames: ["code", "method", "host"] as const,
      registers,
    }),
    isLeader: new Gauge({
      name: "leader_election_master_status",
      help: "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. 'name' is the string used to identify the lease.",
      labelNames: ["name"] as const,
      registers,
    }),
    apiRequests: new Counter({
      name: "openmcp_api_requests_total",
      help: "Requests to the Kubernetes API by verb (get, list, watch, create, patch, delete) and status code.",
      labelNames: ["verb", "code"] as const,
      registers,
    }),
    writesSkipped: new Counter({
      name: "openmcp_apply_skipped_total",
      help: "Applies skipped because the live object already matched, by kind of object.",
      labelNames: ["object"] as const,
      registers,
    }),
    writesFenced: new Counter({
      name: "openmcp_writes_fenced_total",
      help: "Writes not sent because this replica no longer held the leader lease by its own clock, or another operator held the Lease of --wait-for-lease.",
      registers,
    }),
    providerReady: new Gauge({
      name: "openmcp_provider_ready",
      help: "1 when the provider's Ready condition is True, by kind, name and image.",
      labelNames: ["kind", "name", "image"] as const,
      registers,
    }),
    providerInitialized: new Gauge({
      name: "openmcp_provider_initialized",
      help: "1 when the provider's Initialized condition is True, by kind, name and image.",
      labelNames: ["kind", "name", "image"] as const,
      registers,
    }),
  };
  return metrics;
}
export type OperatorMetrics = ReturnType<typeof createOperatorMetrics>;

/** The hooks a WorkQueue calls, recorded under client-go's work queue names for one controller. */
export function workQueueMetrics(metrics: OperatorMetrics, controller: string): WorkQueueMetrics {
  const labels = { name: controller, controller };
  return {
    depth: (n) => metrics.queueDepth.set(labels, n),
    added: () => metrics.queueAdds.inc(labels),
    started: (waitedSeconds) => metrics.queueLatency.observe(labels, waitedSeconds),
    finished: (workedSeconds) => metrics.workDuration.observe(labels, workedSeconds),
    retried: () => metrics.queueRetries.inc(labels),
    active: (n) => metrics.activeWorkers.set({ controller }, n),
  };
}

/** Sum of a counter's series whose labels pass the filter (tests and benchmarks read totals). */
export async function sumOf(
  counter: Counter,
  filter: (labels: Record<string, string | number | undefined>) => boolean = () => true,
): Promise<number> {
  const { values } = await counter.get();
  return values.filter((v) => filter(v.labels)).reduce((total, v) => total + v.value, 0);
}
