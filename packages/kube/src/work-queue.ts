export interface WorkQueueOptions {
  workers: number;
  /** Per-key exponential backoff after failures: base × 2^(failures-1), capped. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Returns a delay to look again (e.g. waiting on time), or nothing. Throwing = retry with backoff. */
  process: (key: string) => Promise<{ requeueAfterMs?: number } | undefined>;
  onError?: (key: string, err: unknown, retryInMs: number) => void;
  /** Hooks for client-go's work queue metrics (depth, adds, queue and work duration, retries). */
  metrics?: WorkQueueMetrics;
}

export interface WorkQueueMetrics {
  depth(n: number): void;
  added(): void;
  /** A key was taken off the queue after waiting this long. */
  started(waitedSeconds: number): void;
  finished(workedSeconds: number): void;
  retried(): void;
  active(n: number): void;
}

/**
 * A level-based work queue as in client-go: keys are de-duplicated while waiting, a key is never
 * processed twice at once (a key added during processing runs again afterwards), failures back off
 * per key, and successes reset the backoff.
 */
export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, { timer: NodeJS.Timeout; due: number }>();
  private active = 0;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];
  private readonly addedAt = new Map<string, number>();

  private readonly options: WorkQueueOptions;

  constructor(options: WorkQueueOptions) {
    this.options = options;
  }

  add(key: string): void {
    if (this.stopped) return;
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.addedAt.set(key, performance.now());
    this.options.metrics?.added();
    this.options.metrics?.depth(this.queue.length);
    this.pump();
  }

  /** Adds the key after a delay; an earlier pending delay for the same key wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.stopped) return;
    if (delayMs <= 0) return this.add(key);
    const due = Date.now() + delayMs;
    const existing = this.timers.get(key);
    if (existing && existing.due <= due) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref();
    this.timers.set(key, { timer, due });
  }

  depth(): number {
    return this.queue.length;
  }

  inFlight(): number {
    return this.active;
  }

  /** Resolves when nothing is queued or being processed (timers not counted). */
  idle(): Promise<void> {
    if (this.queue.length === 0 && this.active === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /**
   * Takes no more keys and drops the waiting ones; resolves once the passes in flight have
   * finished, so that a new queue for the same keys (leadership regained) never runs a second
   * pass for a key beside one still running here.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t.timer);
    this.timers.clear();
    this.queue.length = 0;
    this.queued.clear();
    this.addedAt.clear();
    this.options.metrics?.depth(0);
    await this.idle();
  }

  private backoffFor(key: string): number {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    const base = this.options.baseDelayMs ?? 50;
    const max = this.options.maxDelayMs ?? 5 * 60_000;
    return Math.min(base * 2 ** (n - 1), max);
  }

  private pump(): void {
    while (!this.stopped && this.active < this.options.workers && this.queue.length > 0) {
      const key = this.queue.shift()!;
      this.queued.delete(key);
      this.processing.add(key);
      this.active++;
      const m = this.options.metrics;
      if (m) {
        m.depth(this.queue.length);
        m.active(this.active);
        m.started((performance.now() - (this.addedAt.get(key) ?? performance.now())) / 1000);
      }
      this.addedAt.delete(key);
      void this.runOne(key);
    }
  }

  private async runOne(key: string): Promise<void> {
    const started = performance.now();
    try {
      const result = await this.options.process(key);
      this.failures.delete(key);
      if (result?.requeueAfterMs !== undefined) this.addAfter(key, result.requeueAfterMs);
    } catch (err) {
      const delay = this.backoffFor(key);
      this.options.onError?.(key, err, delay);
      this.options.metrics?.retried();
      this.addAfter(key, delay);
    } finally {
      this.processing.delete(key);
      this.active--;
      this.options.metrics?.finished((performance.now() - started) / 1000);
      this.options.metrics?.active(this.active);
      if (this.dirty.delete(key)) this.add(key);
      this.pump();
      if (this.queue.length === 0 && this.active === 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const w of waiters) w();
      }
    }
  }
}
