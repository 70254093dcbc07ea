import { ApiError, type KubeClient } from "./kube-client.ts";
import type { LeaderElectionLogger } from "./leader-election.ts";

/** What the watcher last concluded about the other operator's Lease. */
export interface ForeignLeaseState {
  held: boolean;
  /** The holder while held. */
  holder?: string;
  /** One line for logs and /readyz. */
  reason: string;
}

export interface ForeignLeaseWatcherOptions {
  namespace: string;
  name: string;
  /** Time between two reads of the Lease; default 2 s (client-go's retry period). */
  pollSeconds?: number;
}

interface LeaseRecord {
  metadata: { uid?: string; resourceVersion?: string };
  spec?: {
    holderIdentity?: string | null;
    leaseDurationSeconds?: number | null;
    renewTime?: string | null;
  };
}

/** Object names are DNS subdomains: no `/`, so a Lease named like a Go import path cannot exist. */
const OBJECT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Watches a Lease this process does not take part in (another operator's leader election) and says
 * whether it is held, the way a client-go candidate judges it: by our own clock, the Lease is held
 * while it has a holder and its record changed less than `leaseDurationSeconds` ago. A record seen
 * for the first time counts as just renewed (a stale Lease of a killed holder is waited out once),
 * a released one (no holder, as controller-runtime's release on cancel leaves it) is free at once.
 */
export class ForeignLeaseWatcher {
  private readonly client: KubeClient;
  private readonly options: Required<ForeignLeaseWatcherOptions>;
  private readonly log: LeaderElectionLogger;
  private readonly onChange: (state: ForeignLeaseState) => void;
  private observed: { resourceVersion: string; holder: string; durationMs: number; at: number } | undefined;
  private uid: string | undefined;
  private lastHeld = false;
  private readError: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    client: KubeClient,
    options: ForeignLeaseWatcherOptions,
    log: LeaderElectionLogger,
    onChange: (state: ForeignLeaseState) => void,
  ) {
    this.client = client;
    this.options = { pollSeconds: 2, ...options };
    this.log = log;
    this.onChange = onChange;
  }

  /** `namespace/name` of the watched Lease. */
  get lease(): string {
    return `${this.options.namespace}/${this.options.name}`;
  }

  /** The Lease's uid once it was read, for an Event about it. */
  get leaseUid(): string | undefined {
    return this.uid;
  }

  /** Whether the name can be a Lease at all; when not, nothing is read and nothing is ever held. */
  get possible(): boolean {
    return OBJECT_NAME.test(this.options.name) && this.options.name.length <= 253;
  }

  /** Reads the Lease once (so the caller knows before it starts writing), then every poll period. */
  async start(): Promise<void> {
    if (!this.possible) {
      this.log.info("not waiting for a foreign lease: no Kubernetes object can have that name", {
        lease: this.lease,
        why: "object names are DNS subdomains (lowercase letters, digits, '-', '.'; no '/')",
      });
      return;
    }
    await this.poll();
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** Held right now, by our clock (also between two polls: an expiry needs no read to be seen). */
  isHeld(now = Date.now()): boolean {
    const o = this.observed;
    return o !== undefined && o.holder !== "" && now - o.at < o.durationMs;
  }

  state(now = Date.now()): ForeignLeaseState {
    const o = this.observed;
    if (o && this.isHeld(now)) {
      const ago = ((now - o.at) / 1000).toFixed(0);
      return {
        held: true,
        holder: o.holder,
        reason: `lease ${this.lease} is held by ${o.holder} (renewal seen ${ago} s ago, valid ${o.durationMs / 1000} s): another operator is running; not writing to providers until it is released or expires`,
      };
    }
    if (this.readError !== undefined)
      return { held: false, reason: `cannot read lease ${this.lease}: ${this.readError}` };
    return { held: false, reason: `lease ${this.lease} is not held` };
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.poll().finally(() => this.schedule());
    }, this.options.pollSeconds * 1000);
  }

  private async poll(): Promise<void> {
    const now = Date.now();
    try {
      const lease = await this.client.find<LeaseRecord>({
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        namespace: this.options.namespace,
        name: this.options.name,
      });
      if (this.readError !== undefined) this.log.info("foreign lease readable again", { lease: this.lease });
      this.readError = undefined;
      if (!lease) {
        this.observed = undefined;
      } else {
        this.uid = lease.metadata.uid;
        const rv = lease.metadata.resourceVersion ?? "";
        if (this.observed?.resourceVersion !== rv) {
          this.observed = {
            resourceVersion: rv,
            holder: lease.spec?.holderIdentity ?? "",
            durationMs: (lease.spec?.leaseDurationSeconds ?? 15) * 1000,
            at: now,
          };
        }
      }
    } catch (err) {
      // Without a read the last record stands; a held Lease then expires by time alone.
      const message = err instanceof ApiError ? `${err.code}: ${err.message}` : (err as Error).message;
      if (this.readError === undefined)
        this.log.error("cannot read foreign lease", { lease: this.lease, error: message });
      this.readError = message;
    }
    this.notify();
  }

  private notify(): void {
    const held = this.isHeld();
    if (held === this.lastHeld) return;
    this.lastHeld = held;
    this.onChange(this.state());
  }
}
