import {
  CONDITION_INITIALIZED,
  CONDITION_READY,
  CONDITION_STALLED,
  REASONS,
  type Condition,
  type Provider,
} from "@openmcp-ts/contract";
import {
  failFastVerdict,
  providerFailures,
  type FailFastPolicy,
  type ProviderFailure,
} from "./provider-failures.ts";

export function findCondition(p: Provider | undefined, type: string): Condition | undefined {
  return p?.status?.conditions?.find((c) => c.type === type);
}

/** One line per observed state: phase and each condition's status/reason. */
export function describeState(p: Provider): string {
  const conditions = (p.status?.conditions ?? []).map((c) => `${c.type}=${c.status}/${c.reason}`);
  return [`phase=${p.status?.phase ?? "-"}`, ...conditions].join(" ");
}

/** The provider's own words on why it is not ready: every non-True message that says something. */
export function conditionMessages(p: Provider | undefined): string {
  const messages = (p?.status?.conditions ?? [])
    .filter((c) => c.message && (c.type === CONDITION_STALLED ? c.status === "True" : c.status !== "True"))
    .map((c) => `${c.type}=${c.status}/${c.reason}: ${c.message}`);
  return messages.length > 0 ? messages.join("; ") : "no condition says why";
}

export type ProviderVerdict = "ready" | "failed" | "pending";

/** Judges a provider against the generation the action wrote; old status never counts. */
export function judgeProvider(p: Provider, generation: number): ProviderVerdict {
  const observed = p.status?.observedGeneration ?? 0;
  if (observed < generation) return "pending";
  const current = (c: Condition | undefined): Condition | undefined =>
    c && (c.observedGeneration === undefined || c.observedGeneration >= generation) ? c : undefined;
  const stalled = current(findCondition(p, CONDITION_STALLED));
  const initialized = current(findCondition(p, CONDITION_INITIALIZED));
  const ready = current(findCondition(p, CONDITION_READY));
  if (stalled?.status === "True" || initialized?.reason === REASONS.InitFailed) return "failed";
  if (initialized?.status === "True" && ready?.status === "True") return "ready";
  return "pending";
}

export interface WaitOptions {
  get: () => Promise<Provider | undefined>;
  generation: number;
  timeoutMs: number;
  intervalMs?: number;
  onChange: (p: Provider) => void;
  /** Each distinct failure the provider reports, once. */
  onFailure: (f: ProviderFailure) => void;
  policy: FailFastPolicy;
  /** A failed read while waiting; the wait goes on (API servers restart, networks blip). */
  onReadError: (err: unknown) => void;
}

export interface WaitResult {
  verdict: ProviderVerdict | "timeout";
  provider: Provider | undefined;
  /** "failed": why waiting longer would not help. */
  why?: string;
  /** Every distinct failure seen while waiting, in order. */
  failures: ProviderFailure[];
}

/**
 * Polls until the provider is ready, failed (see `failFastVerdict`) or the time is up; returns the
 * last state seen.
 */
export async function waitForProvider(options: WaitOptions): Promise<WaitResult> {
  const deadline = Date.now() + options.timeoutMs;
  let last: Provider | undefined;
  let lastLine = "";
  const seen = new Map<string, ProviderFailure>();
  let imagePullSince: number | undefined;
  for (;;) {
    let p: Provider | undefined;
    try {
      p = await options.get();
    } catch (err) {
      options.onReadError(err);
    }
    if (p) {
      last = p;
      const line = describeState(p);
      if (line !== lastLine) {
        lastLine = line;
        options.onChange(p);
      }
      const failures = providerFailures(p, options.generation);
      for (const f of failures) {
        if (seen.has(f.text)) continue;
        seen.set(f.text, f);
        options.onFailure(f);
      }
      const now = Date.now();
      imagePullSince = failures.some((f) => f.kind === "image-pull") ? (imagePullSince ?? now) : undefined;
      const why = failFastVerdict(failures, options.policy, imagePullSince, now);
      if (why !== undefined) return { verdict: "failed", provider: p, why, failures: [...seen.values()] };
      const verdict = judgeProvider(p, options.generation);
      if (verdict !== "pending") return { verdict, provider: p, failures: [...seen.values()] };
    }
    if (Date.now() >= deadline) return { verdict: "timeout", provider: last, failures: [...seen.values()] };
    await new Promise((r) => setTimeout(r, Math.min(options.intervalMs ?? 500, deadline - Date.now())));
  }
}
