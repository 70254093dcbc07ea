/** A minimal Prometheus registry: counters, gauges and histograms with labels, text exposition format. */

type Labels = Record<string, string>;

function labelKey(labels: Labels): string {
  const entries = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
  return entries
    .map(([k, v]) => `${k}="${v.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n")}"`)
    .join(",");
}

interface Metric {
  name: string;
  help: string;
  type: "counter" | "gauge" | "histogram";
  render(): string[];
}

export class Counter implements Metric {
  readonly type = "counter";
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  readonly name: string;
  readonly help: string;
  constructor(name: string, help: string) {
    this.name = name;
    this.help = help;
  }
  inc(labels: Labels = {}, by = 1): void {
    const k = labelKey(labels);
    const entry = this.values.get(k) ?? { labels, value: 0 };
    entry.value += by;
    this.values.set(k, entry);
  }
  get(labels: Labels = {}): number {
    return this.values.get(labelKey(labels))?.value ?? 0;
  }
  /** Sum over every series whose labels pass the filter. */
  sum(filter: (labels: Labels) => boolean = () => true): number {
    let total = 0;
    for (const { labels, value } of this.values.values()) if (filter(labels)) total += value;
    return total;
  }
  render(): string[] {
    return [...this.values].map(([k, v]) => `${this.name}${k ? `{${k}}` : ""} ${v.value}`);
  }
}

export class Gauge implements Metric {
  readonly type = "gauge";
  private readonly values = new Map<string, number>();
  readonly name: string;
  readonly help: string;
  constructor(name: string, help: string) {
    this.name = name;
    this.help = help;
  }
  set(labels: Labels, value: number): void {
    this.values.set(labelKey(labels), value);
  }
  delete(labels: Labels): void {
    this.values.delete(labelKey(labels));
  }
  /** Removes every series whose labels include all of `match`. */
  deleteMatching(match: Labels): void {
    const parts = Object.entries(match).map(([k, v]) => labelKey({ [k]: v }));
    for (const key of [...this.values.keys()])
      if (parts.every((p) => key.split(",").includes(p))) this.values.delete(key);
  }
  render(): string[] {
    return [...this.values].map(([k, v]) => `${this.name}${k ? `{${k}}` : ""} ${v}`);
  }
}

export class Histogram implements Metric {
  readonly type = "histogram";
  private readonly series = new Map<string, { buckets: number[]; sum: number; count: number }>();
  readonly name: string;
  readonly help: string;
  readonly bounds: number[];
  constructor(
    name: string,
    help: string,
    bounds: number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  ) {
    this.name = name;
    this.help = help;
    this.bounds = bounds;
  }
  observe(labels: Labels, value: number): void {
    const k = labelKey(labels);
    const s = this.series.get(k) ?? { buckets: this.bounds.map(() => 0), sum: 0, count: 0 };
    this.bounds.forEach((b, i) => {
      if (value <= b) s.buckets[i]!++;
    });
    s.sum += value;
    s.count++;
    this.series.set(k, s);
  }
  render(): string[] {
    const lines: string[] = [];
    for (const [k, s] of this.series) {
      const sep = k ? `${k},` : "";
      this.bounds.forEach((b, i) => lines.push(`${this.name}_bucket{${sep}le="${b}"} ${s.buckets[i]}`));
      lines.push(`${this.name}_bucket{${sep}le="+Inf"} ${s.count}`);
      lines.push(`${this.name}_sum${k ? `{${k}}` : ""} ${s.sum}`);
      lines.push(`${this.name}_count${k ? `{${k}}` : ""} ${s.count}`);
    }
    return lines;
  }
}

export class Registry {
  private readonly metrics: Metric[] = [];
  private readonly collectors: (() => void)[] = [];
  register<M extends Metric>(metric: M): M {
    this.metrics.push(metric);
    return metric;
  }
  /** Runs before each scrape, e.g. to sample queue depth. */
  onCollect(fn: () => void): void {
    this.collectors.push(fn);
  }
  render(): string {
    for (const c of this.collectors) c();
    return this.metrics
      .flatMap((m) => [`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} ${m.type}`, ...m.render()])
      .join("\n")
      .concat("\n");
  }
}

/** The operator's metrics, one set per process. */
export function createOperatorMetrics(registry = new Registry()) {
  return {
    registry,
    reconcileTotal: registry.register(
      new Counter("openmcp_reconcile_total", "Reconciles by kind and result (success, error, requeue)."),
    ),
    reconcileDuration: registry.register(
      new Histogram("openmcp_reconcile_duration_seconds", "Duration of one reconcile by kind."),
    ),
    reconcileErrors: registry.register(
      new Counter("openmcp_reconcile_errors_total", "Failed reconciles by kind."),
    ),
    queueDepth: registry.register(
      new Gauge("openmcp_workqueue_depth", "Keys waiting in the work queue by kind."),
    ),
    apiRequests: registry.register(
      new Counter("openmcp_api_requests_total", "Requests to the Kubernetes API by verb and status code."),
    ),
    writesSkipped: registry.register(
      new Counter(
        "openmcp_apply_skipped_total",
        "Applies skipped because the live object already matched, by kind of object.",
      ),
    ),
    writesFenced: registry.register(
      new Counter(
        "openmcp_writes_fenced_total",
        "Writes not sent because this replica no longer held the leader lease by its own clock, or another operator held the Lease of --wait-for-lease.",
      ),
    ),
    providerReady: registry.register(
      new Gauge(
        "openmcp_provider_ready",
        "1 when the provider's Ready condition is True, by kind, name and image.",
      ),
    ),
    providerInitialized: registry.register(
      new Gauge(
        "openmcp_provider_initialized",
        "1 when the provider's Initialized condition is True, by kind, name and image.",
      ),
    ),
    isLeader: registry.register(new Gauge("openmcp_leader", "1 while this process holds the leader lease.")),
  };
}
export type OperatorMetrics = ReturnType<typeof createOperatorMetrics>;
