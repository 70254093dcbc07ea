import { ApiError, type KubeClient } from "./kube-client.ts";

/** The little the elector logs through; any JSON-line logger with these two methods fits. */
export interface LeaderElectionLogger {
  info(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  /** How long others wait after the last renewal before they take over; default 15. */
  leaseDurationSeconds?: number;
  /** How long the leader keeps leading without a successful renewal; default 2/3 of the lease duration (10 of 15). */
  renewDeadlineSeconds?: number;
  /** Time between attempts; default 2/15 of the lease duration (2 of 15). */
  retryPeriodSeconds?: number;
}

interface Lease {
  apiVersion: "coordination.k8s.io/v1";
  kind: "Lease";
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: {
    holderIdentity?: string | null;
    leaseDurationSeconds?: number;
    acquireTime?: string | null;
    renewTime?: string | null;
    leaseTransitions?: number;
  };
}

const micro = (d: Date): string => d.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");

/**
 * Leader election on a coordination.k8s.io Lease, as client-go does it: acquire when the lease is
 * free or expired, renew every retry period, give up leadership when renewal fails for longer than
 * the renew deadline, and release the lease on a clean stop. Writes use optimistic concurrency.
 */
export class LeaderElector {
  private leading = false;
  private stopped = false;
  private lastRenew = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly leaseRef;
  private readonly client: KubeClient;
  private readonly options: LeaderElectionOptions;
  private readonly log: LeaderElectionLogger;
  private readonly callbacks: { onStartedLeading: () => void; onStoppedLeading: () => void };

  constructor(
    client: KubeClient,
    options: LeaderElectionOptions,
    log: LeaderElectionLogger,
    callbacks: { onStartedLeading: () => void; onStoppedLeading: () => void },
  ) {
    // client-go's defaults (15/10/2 s) scaled to the lease duration, so a short lease does not
    // leave a renew deadline longer than the lease that others honour.
    const lease = options.leaseDurationSeconds ?? 15;
    const renewDeadline = options.renewDeadlineSeconds ?? (lease * 2) / 3;
    const retryPeriod = options.retryPeriodSeconds ?? (lease * 2) / 15;
    if (!(renewDeadline < lease) || !(retryPeriod < renewDeadline))
      throw new Error(
        `leader election needs retry period < renew deadline < lease duration, got ${retryPeriod} s, ${renewDeadline} s, ${lease} s`,
      );
    this.client = client;
    this.options = {
      ...options,
      leaseDurationSeconds: lease,
      renewDeadlineSeconds: renewDeadline,
      retryPeriodSeconds: retryPeriod,
    };
    this.log = log;
    this.callbacks = callbacks;
    this.leaseRef = {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      namespace: options.namespace,
      name: options.name,
    };
  }

  /**
   * True while this process holds the lease by its own clock: leading, and the last successful
   * renewal started less than the renew deadline ago. A process that was paused (SIGSTOP, a long
   * GC) is no leader from the moment it resumes, before its next renewal attempt can tell it so.
   */
  isLeader(): boolean {
    return this.leading && Date.now() - this.lastRenew < this.renewDeadlineMs;
  }

  private get renewDeadlineMs(): number {
    return this.options.renewDeadlineSeconds! * 1000;
  }

  start(): void {
    void this.tick();
  }

  private get durationMs(): number {
    return this.options.leaseDurationSeconds! * 1000;
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    try {
      // The lease is valid from when the renewal was sent, not from when its answer came.
      const attemptedAt = Date.now();
      const ok = await this.tryAcquireOrRenew();
      if (ok) {
        this.lastRenew = attemptedAt;
        if (!this.leading) {
          this.leading = true;
          this.log.info("leader election won", {
            lease: `${this.options.namespace}/${this.options.name}`,
            identity: this.options.identity,
          });
          this.callbacks.onStartedLeading();
        }
      }
    } catch (err) {
      this.log.error("cannot renew leader lease", { error: err });
    }
    if (this.leading && Date.now() - this.lastRenew > this.renewDeadlineMs) {
      this.leading = false;
      this.log.error("leader lease lost: renewal failed past the renew deadline", {
        lease: this.options.name,
      });
      this.callbacks.onStoppedLeading();
    }
    if (!this.stopped)
      this.timer = setTimeout(() => void this.tick(), this.options.retryPeriodSeconds! * 1000);
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = new Date();
    const lease = await this.client.find<Lease>(this.leaseRef);
    const desired = (existing?: Lease): Lease => ({
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: {
        name: this.options.name,
        namespace: this.options.namespace,
        ...(existing?.metadata.resourceVersion ? { resourceVersion: existing.metadata.resourceVersion } : {}),
      },
      spec: {
        holderIdentity: this.options.identity,
        leaseDurationSeconds: Math.round(this.durationMs / 1000),
        acquireTime:
          existing?.spec.holderIdentity === this.options.identity
            ? (existing.spec.acquireTime ?? micro(now))
            : micro(now),
        renewTime: micro(now),
        leaseTransitions:
          (existing?.spec.leaseTransitions ?? 0) +
          (existing?.spec.holderIdentity === this.options.identity ? 0 : existing ? 1 : 0),
      },
    });
    if (!lease) {
      try {
        await this.client.create(desired());
        return true;
      } catch (err) {
        if (err instanceof ApiError && err.code === 409) return false;
        throw err;
      }
    }
    const holder = lease.spec.holderIdentity;
    const renewed = lease.spec.renewTime ? Date.parse(lease.spec.renewTime) : 0;
    const expired = renewed + (lease.spec.leaseDurationSeconds ?? 15) * 1000 < now.getTime();
    if (holder && holder !== this.options.identity && !expired) {
      if (this.leading) {
        this.leading = false;
        this.log.error("leader lease lost: another replica holds it", {
          lease: this.options.name,
          holder,
        });
        this.callbacks.onStoppedLeading();
      }
      return false;
    }
    try {
      await this.client.call(
        "PUT",
        `/apis/coordination.k8s.io/v1/namespaces/${this.options.namespace}/leases/${this.options.name}`,
        { body: desired(lease), verb: "update" },
      );
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.code === 409) return false;
      throw err;
    }
  }

  /** Stops renewing and, if leading, releases the lease so another replica takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (!this.leading) return;
    this.leading = false;
    try {
      const lease = await this.client.find<Lease>(this.leaseRef);
      if (lease?.spec.holderIdentity === this.options.identity) {
        await this.client.call(
          "PUT",
          `/apis/coordination.k8s.io/v1/namespaces/${this.options.namespace}/leases/${this.options.name}`,
          {
            body: {
              ...lease,
              spec: {
                ...lease.spec,
                holderIdentity: null,
                renewTime: null,
                acquireTime: null,
                leaseDurationSeconds: 1,
              },
            },
            verb: "update",
          },
        );
        this.log.info("leader lease released", { lease: this.options.name });
      }
    } catch (err) {
      this.log.error("cannot release leader lease", { error: err });
    }
  }
}
